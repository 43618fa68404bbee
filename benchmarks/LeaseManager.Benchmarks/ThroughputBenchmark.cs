using System.Diagnostics;
using LeaseManager.Leasing;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// Closed-loop clients doing acquire → hold → release against one pool, each client with its own
/// algorithm instance (as each Lambda execution environment has its own), on one DynamoDB Local.
/// Utilisation sizes the pool: at 10% and 50% the pool has 10× and 2× as many slots as clients; at
/// 100% it is saturated, with two clients per slot, so every slot is wanted all the time and an
/// algorithm that over-admits shows it. Every request crosses the latency model (a delaying proxy in
/// front of DynamoDB Local), so a round trip costs what it costs on AWS, not only CPU.
/// </summary>
internal sealed class ThroughputBenchmark(DynamoDbPeer peer, string table, TimeSpan cellDuration)
{
    /// <summary>The latency model: every request waits <see cref="Delay"/> plus a uniform jitter in [0, <see cref="Jitter"/>) before DynamoDB Local sees it (about 5 ms a round trip, DynamoDB's typical single-digit latency within a region).</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(4);
    public static readonly TimeSpan Jitter = TimeSpan.FromMilliseconds(2);

    public static readonly int[] ClientCounts = [1, 8, 64];
    public static readonly int[] Utilisations = [10, 50, 100];
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(2);

    public sealed record Cell(string Algorithm, int Clients, int Utilisation, int PoolSize, int Grants, int Waits, double PairsPerSecond,
        double P50Ms, double P99Ms, double CallsPerGrant, double CallsPerAttempt, int MaxHeld, int OverAdmissions);

    public async Task<List<Cell>> RunAsync(IProgress<string> progress)
    {
        var counter = new CountingHttpClientFactory();
        await using var latency = new DynamoDbFaultProxy(peer.Endpoint) { Delay = Delay, Jitter = Jitter };
        using var client = latency.CreateClient(httpClientFactory: counter);
        var cells = new List<Cell>();
        foreach (var clients in ClientCounts)
        {
            foreach (var utilisation in Utilisations)
            {
                var poolSize = utilisation >= 100 ? Math.Max(1, clients / 2) : Math.Max(1, (int)Math.Round(clients * 100.0 / utilisation));
                foreach (var algorithm in new[] { "ours", "seed", "aws" })
                {
                    var options = new LeasePoolOptions
                    {
                        TableName = table,
                        LeasePrefix = $"{algorithm}-{clients}-{utilisation}",
                        MaxConcurrentLeases = poolSize,
                        MaxLeaseDurationSeconds = 60,
                    };
                    var instances = new List<ILeaseAlgorithm>();
                    for (var i = 0; i < clients; i++)
                    {
                        instances.Add(algorithm switch
                        {
                            "ours" => new OurLease(client, options),
                            "seed" => new SeedCountThenWrite(client, options),
                            _ => new AwsSampleSemaphore(client, options),
                        });
                    }

                    if (instances[0] is AwsSampleSemaphore aws)
                    {
                        await aws.InitializeAsync();
                    }

                    var cell = await RunCellAsync(instances, clients, utilisation, poolSize);
                    cells.Add(cell);
                    progress.Report($"  {cell.Algorithm,-26} clients {clients,2}  util {utilisation,3}%  pool {poolSize,3}: {cell.PairsPerSecond,7:0} pairs/s  p50 {cell.P50Ms,5:0.0} ms  p99 {cell.P99Ms,6:0.0} ms  {cell.CallsPerGrant:0.00} calls/grant  {cell.CallsPerAttempt:0.00} calls/attempt  max held {cell.MaxHeld}/{poolSize}  over-admissions {cell.OverAdmissions}");
                }
            }
        }

        return cells;
    }

    private async Task<Cell> RunCellAsync(List<ILeaseAlgorithm> instances, int clients, int utilisation, int poolSize)
    {
        var latencies = new List<double>();
        var intervals = new List<(long Start, long End)>();
        var grants = 0;
        var waits = 0;
        var acquireCalls = 0;
        var gate = new object();
        using var stop = new CancellationTokenSource(cellDuration);
        var clock = Stopwatch.StartNew();
        var workers = instances.Select((algorithm, index) => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var owner = $"arn:aws:states:eu-central-1:123456789012:execution:bench:{index}-{n++}";
                var scope = CountingHttpClientFactory.BeginScope();
                var started = clock.Elapsed.TotalMilliseconds;
                var token = await algorithm.TryAcquireAsync(owner, 60);
                var granted = clock.Elapsed.TotalMilliseconds;
                lock (gate)
                {
                    acquireCalls += scope.Value;
                }

                if (token is null)
                {
                    Interlocked.Increment(ref waits);
                    await Task.Delay(Random.Shared.Next(1, 5));
                    continue;
                }

                await Task.Delay(Hold);
                var releasing = clock.Elapsed.TotalMilliseconds;
                lock (gate)
                {
                    grants++;
                    latencies.Add(granted - started);
                    intervals.Add(((long)(granted * 1000), (long)(releasing * 1000)));
                }

                await algorithm.ReleaseAsync(token);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        var (maxHeld, overAdmissions) = Overlap(intervals, poolSize);
        var name = instances[0].Name;
        return new Cell(name, clients, utilisation, poolSize, grants, waits, grants / seconds,
            Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99), grants == 0 ? double.NaN : (double)acquireCalls / grants,
            grants + waits == 0 ? double.NaN : (double)acquireCalls / (grants + waits), maxHeld, overAdmissions);
    }

    /// <summary>Most holders at once, and how many grants pushed the holders above the pool size.</summary>
    private static (int Max, int OverAdmissions) Overlap(List<(long Start, long End)> intervals, int poolSize)
    {
        var current = 0;
        var max = 0;
        var over = 0;
        foreach (var (_, delta) in intervals.SelectMany(i => new[] { (i.Start, 1), (i.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2))
        {
            current += delta;
            if (delta > 0 && current > poolSize)
            {
                over++;
            }

            max = Math.Max(max, current);
        }

        return (max, over);
    }
}
