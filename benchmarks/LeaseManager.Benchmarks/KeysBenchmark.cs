using System.Diagnostics;
using LeaseManager.Leasing;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// What a concurrency key costs, keyed and unkeyed side by side in one run, through the same latency
/// model as <see cref="ThroughputBenchmark"/>: DynamoDB calls and write capacity units of one grant
/// with room (a new instance's first, and a warm instance's), of an acquire + release pair, and pairs
/// per second from closed-loop clients. Every keyed client has a key of its own with room, so what
/// shows is the price of counting against a key, not waiting on one.
/// </summary>
internal sealed class KeysBenchmark(DynamoDbPeer peer, string table, TimeSpan cellDuration, int samples)
{
    public static readonly int[] ClientCounts = ThroughputBenchmark.ClientCounts;
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(2);

    /// <summary>One operation's cost, averaged over <paramref name="Samples"/>.</summary>
    public sealed record Cost(string Operation, bool Keyed, int Samples, double Calls, double Wcu, double WcuReported, double Rcu, double P50Ms, IReadOnlyDictionary<string, double> Requests);

    /// <summary>Closed-loop pairs (acquire, hold 2 ms, release) at 50% utilisation.</summary>
    public sealed record Cell(bool Keyed, int Clients, int PoolSize, int Grants, int Waits, double PairsPerSecond, double P50Ms, double P99Ms, double CallsPerGrant, double WcuPerPair);

    public sealed record Result(IReadOnlyList<Cost> Costs, IReadOnlyList<Cell> Cells, double LoadAverage);

    /// <summary>Keyed and unkeyed take turns, this many short runs each, so a change in the machine's load falls on both alike.</summary>
    public const int Rounds = 3;

    public async Task<Result> RunAsync(IProgress<string> progress)
    {
        var counter = new CountingHttpClientFactory();
        await using var latency = new DynamoDbFaultProxy(peer.Endpoint) { Delay = ThroughputBenchmark.Delay, Jitter = ThroughputBenchmark.Jitter };
        using var client = CapacityMeter.CreateClient(latency.Endpoint, counter);
        var loadAverage = LoadAverage();
        var costs = new List<Cost>();
        foreach (var keyed in new[] { false, true })
        {
            var options = Options($"keys-cost-{(keyed ? "keyed" : "plain")}", 4, keyed);
            var key = keyed ? "tenant-a" : null;

            // A new instance knows nothing of the pool: it reads it once, then writes.
            costs.Add(await MeasureAsync("first grant of a new instance", keyed, async _ =>
            {
                var pool = new LeasePool(client, options);
                var lease = await Timed(() => pool.AcquireAsync(new AcquireRequest(ResourceId: "bench", Attempt: 0, ConcurrencyKey: key)));
                return (lease.Elapsed, () => pool.ReleaseAsync(lease.Value.Lease!.LeaseId));
            }));

            // A warm instance has read the pool (its first grant did): from then on a grant with room writes blind.
            var warm = new LeasePool(client, options);
            await warm.ReleaseAsync((await warm.AcquireAsync(new AcquireRequest(ConcurrencyKey: key))).Lease!.LeaseId);
            costs.Add(await MeasureAsync("grant with room, warm instance", keyed, async _ =>
            {
                var lease = await Timed(() => warm.AcquireAsync(new AcquireRequest(ResourceId: "bench", Attempt: 0, ConcurrencyKey: key)));
                return (lease.Elapsed, () => warm.ReleaseAsync(lease.Value.Lease!.LeaseId));
            }));
            costs.Add(await MeasureAsync("acquire + release pair, warm instance", keyed, async _ =>
            {
                var pair = await Timed(async () =>
                {
                    var outcome = await warm.AcquireAsync(new AcquireRequest(ResourceId: "bench", Attempt: 0, ConcurrencyKey: key));
                    return await warm.ReleaseAsync(outcome.Lease!.LeaseId);
                });
                return (pair.Elapsed, null);
            }));
            foreach (var c in costs.TakeLast(3))
            {
                progress.Report($"  {(keyed ? "keyed  " : "unkeyed")} {c.Operation,-40} {c.Calls:0.00} calls  {c.Wcu:0.00} WCU ({c.WcuReported:0.00} reported)  p50 {c.P50Ms:0.0} ms  ({string.Join(", ", c.Requests.Select(r => $"{r.Key} {r.Value:0.##}"))})");
            }
        }

        var cells = new List<Cell>();
        foreach (var clients in ClientCounts)
        {
            var plain = new Loop(clients * 2);
            var keyed = new Loop(clients * 2);
            for (var round = 0; round < Rounds; round++)
            {
                await RunLoopAsync(client, plain, keyed: false, clients);
                await RunLoopAsync(client, keyed, keyed: true, clients);
            }

            foreach (var (loop, isKeyed) in new[] { (plain, false), (keyed, true) })
            {
                var cell = loop.ToCell(isKeyed, clients);
                cells.Add(cell);
                progress.Report($"  {(isKeyed ? "keyed  " : "unkeyed")} clients {clients,2}  pool {cell.PoolSize,3}: {cell.PairsPerSecond,6:0} pairs/s  p50 {cell.P50Ms,5:0.0} ms  p99 {cell.P99Ms,6:0.0} ms  {cell.CallsPerGrant:0.00} calls/grant  {cell.WcuPerPair:0.00} WCU/pair  waits {cell.Waits}");
            }
        }

        return new Result(costs, cells, loadAverage);

        async Task<Cost> MeasureAsync(string operation, bool keyed, Func<int, Task<(double Elapsed, Func<Task<ReleaseOutcome>>? Release)>> run)
        {
            var calls = 0;
            var tally = new List<CapacityMeter.Tally>();
            var latencies = new List<double>();
            var requests = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < samples; i++)
            {
                var before = counter.Snapshot();
                var scope = CountingHttpClientFactory.BeginScope();
                var units = CapacityMeter.BeginScope();
                var (elapsed, release) = await run(i);
                calls += scope.Value;
                tally.Add(units);
                latencies.Add(elapsed);
                foreach (var (name, n) in counter.Snapshot())
                {
                    requests[name] = requests.GetValueOrDefault(name) + n - before.GetValueOrDefault(name);
                }

                // Released outside the measured scope: the operation measured is the grant alone.
                CountingHttpClientFactory.BeginScope();
                CapacityMeter.BeginScope();
                if (release is not null && !(await release()).Released)
                {
                    throw new InvalidOperationException($"{operation}: a lease of the benchmark was not released.");
                }
            }

            return new Cost(operation, keyed, samples, (double)calls / samples, tally.Sum(t => t.Billed) / samples, tally.Sum(t => t.Reported) / samples, tally.Sum(t => t.Read) / samples,
                Stats.Median(latencies), requests.Where(r => r.Value > 0).ToDictionary(r => r.Key, r => (double)r.Value / samples));
        }
    }

    /// <summary>One cell's figures, added up over its rounds.</summary>
    private sealed class Loop(int poolSize)
    {
        /// <summary>Each client's instance, kept from round to round (a warm Lambda environment).</summary>
        public readonly Dictionary<int, LeasePool> Pools = [];
        public readonly object Gate = new();
        public readonly List<double> Latencies = [];
        public int Grants;
        public int Waits;
        public int Calls;
        public double Units;
        public double Seconds;

        public int PoolSize => poolSize;

        public Cell ToCell(bool keyed, int clients) => new(keyed, clients, poolSize, Grants, Waits, Grants / Seconds,
            Stats.Percentile(Latencies, 50), Stats.Percentile(Latencies, 99),
            Grants == 0 ? double.NaN : (double)Calls / Grants, Grants == 0 ? double.NaN : Units / Grants);
    }

    private async Task RunLoopAsync(Amazon.DynamoDBv2.IAmazonDynamoDB client, Loop loop, bool keyed, int clients)
    {
        // 50% utilisation, as in the algorithm table: two slots per client, so every acquire has room.
        var options = Options($"keys-{(keyed ? "keyed" : "plain")}-{clients}", loop.PoolSize, keyed);
        using var stop = new CancellationTokenSource(cellDuration / Rounds);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(index => Task.Run(async () =>
        {
            // Each client its own instance (a Lambda environment) and, keyed, its own key.
            LeasePool pool;
            lock (loop.Gate)
            {
                pool = loop.Pools.TryGetValue(index, out var kept) ? kept : loop.Pools[index] = new LeasePool(client, options);
            }

            var key = keyed ? $"tenant-{index}" : null;
            while (!stop.IsCancellationRequested)
            {
                var scope = CountingHttpClientFactory.BeginScope();
                var tally = CapacityMeter.BeginScope();
                var started = clock.Elapsed.TotalMilliseconds;
                var outcome = await pool.AcquireAsync(new AcquireRequest(ResourceId: "bench", Attempt: 0, ConcurrencyKey: key));
                var granted = clock.Elapsed.TotalMilliseconds;
                var acquireCalls = scope.Value;
                if (outcome.Lease is { } lease)
                {
                    await Task.Delay(Hold);
                    await pool.ReleaseAsync(lease.LeaseId);
                }

                lock (loop.Gate)
                {
                    loop.Calls += acquireCalls;
                    loop.Units += tally.Billed;
                    if (outcome.Lease is null)
                    {
                        loop.Waits++;
                    }
                    else
                    {
                        loop.Grants++;
                        loop.Latencies.Add(granted - started);
                    }
                }
            }
        })));
        loop.Seconds += clock.Elapsed.TotalSeconds;
    }

    private static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var load) ? load : double.NaN;

    // Keyed pools take keys with a limit of 2: a client holds one lease at a time, so its key always has room.
    private LeasePoolOptions Options(string prefix, int poolSize, bool keyed) => new()
    {
        TableName = table,
        LeasePrefix = prefix,
        MaxConcurrentLeases = poolSize,
        MaxLeaseDurationSeconds = 60,
        MaxConcurrentLeasesPerKey = keyed ? 2 : null,
    };

    private static async Task<(double Elapsed, T Value)> Timed<T>(Func<Task<T>> call)
    {
        var clock = Stopwatch.StartNew();
        var value = await call();
        return (clock.Elapsed.TotalMilliseconds, value);
    }
}
