using System.Diagnostics;
using System.Globalization;
using LeaseManager.Hosting;
using System.Text.Json;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// The AOT bootstrap in steady state, through the local Runtime API host: peak resident memory over
/// 10,000 invocations (acquire/release pairs on DynamoDB Local), and the cost of one invocation
/// without DynamoDB (an event rejected before any call): next → parse → /error round trip.
/// </summary>
internal sealed class HostBenchmark(DynamoDbPeer peer, string table, int invocations)
{
    /// <summary>The function memory size the run models (Lambda's minimum, 128 MB).</summary>
    public const int MemoryLimitMb = 128;

    private const string GcHeapHardLimitVariable = "DOTNET_GCHeapHardLimit";

    public sealed record Result(int Invocations, double PeakRssMb, double FinalRssMb, double RssAfterWarmupMb, double PairP50Ms, double OverheadP50Ms, double OverheadP99Ms);

    public async Task<Result> RunAsync()
    {
        var bootstrap = PackagedFunction.Unpack(Path.Combine(RepositoryPaths.Root, "artifacts", PackagedFunction.AotZip), "lease-host-bench-");
        var env = PackagedFunction.EnvironmentFor(table, peer.Endpoint, maxConcurrent: 1000, prefix: "host-bench");
        env[FunctionEnvironment.PowertoolsLogLevel] = "WARN";

        // Lambda runs the function in a cgroup of its memory size, and .NET sizes its heap from that
        // limit. Here the process would see the whole machine, and the GC would size its first
        // generation from this host's L3 cache (hundreds of MB on large servers): RSS then climbs to
        // ~100 MB before the first collection. Model Lambda's smallest size instead.
        env[GcHeapHardLimitVariable] = MemoryLimitMb.ToString("X", CultureInfo.InvariantCulture) + "00000";
        await using var environment = new ExecutionEnvironment(new FunctionDefinition { Name = "host-bench", Command = bootstrap, Environment = env }, 1);
        await environment.StartAsync();

        var pairLatencies = new List<double>();
        double warmRss = 0;
        for (var i = 0; i < invocations / 2; i++)
        {
            var clock = Stopwatch.StartNew();
            var acquired = await environment.InvokeAsync(System.Text.Encoding.UTF8.GetBytes($$"""{"action":"acquire","owner_id":"arn:aws:states:eu-central-1:123456789012:execution:bench:{{i}}","resource_id":"item-{{i}}","attempt":0}"""));
            using var answer = JsonDocument.Parse(acquired.Payload ?? throw new InvalidOperationException(acquired.ErrorMessage));
            var leaseId = answer.RootElement.GetProperty("lease_id").GetString();
            await environment.InvokeAsync(System.Text.Encoding.UTF8.GetBytes($$"""{"action":"release","lease_id":"{{leaseId}}"}"""));
            pairLatencies.Add(clock.Elapsed.TotalMilliseconds);
            if (i == 500)
            {
                warmRss = Rss(environment.Process!, "VmRSS");
            }
        }

        var overhead = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var clock = Stopwatch.StartNew();
            await environment.InvokeAsync("""{"action":"release","lease_id":"not-a-lease"}"""u8.ToArray());
            overhead.Add(clock.Elapsed.TotalMilliseconds);
        }

        var process = environment.Process!;
        return new Result(invocations + 2000, Rss(process, "VmHWM"), Rss(process, "VmRSS"), warmRss, Stats.Median(pairLatencies), Stats.Median(overhead), Stats.Percentile(overhead, 99));
    }

    private static double Rss(Process process, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}
