using System.Diagnostics;
using LeaseManager.Hosting;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// From process start to the first answered invocation, through a local Runtime API host, for the
/// Native AOT bootstrap and the framework-dependent build (run as the managed runtime runs it:
/// <c>dotnet LeaseManager.Lambda.dll</c>). Both answer the same acquire against the same DynamoDB Local table.
/// </summary>
internal sealed class ColdStartBenchmark(DynamoDbPeer peer, string table, int starts)
{
    public sealed record Result(string Build, IReadOnlyList<double> Milliseconds, IReadOnlyList<double> InitMilliseconds)
    {
        public double Median => Stats.Median(Milliseconds);

        public double InitMedian => Stats.Median(InitMilliseconds);
    }

    public async Task<IReadOnlyList<Result>> RunAsync()
    {
        var results = new List<Result>();
        foreach (var (build, zip) in new[] { ("Native AOT (provided.al2023)", PackagedFunction.AotZip), ("framework-dependent (dotnet8)", PackagedFunction.ManagedZip) })
        {
            var command = Unpack(zip);
            var env = PackagedFunction.EnvironmentFor(table, peer.Endpoint, maxConcurrent: 1000);
            env[FunctionEnvironment.MetricsDisabled] = "true";
            var total = new List<double>();
            var init = new List<double>();

            // One unmeasured start warms the OS file cache for both builds alike.
            for (var i = -1; i < starts; i++)
            {
                await using var environment = new ExecutionEnvironment(new FunctionDefinition { Name = "coldstart", Command = command, Environment = env }, 1);
                var clock = Stopwatch.StartNew();
                var initTime = await environment.StartAsync();
                var outcome = await environment.InvokeAsync("""{"action":"acquire","lease_duration_seconds":5}"""u8.ToArray());
                var elapsed = clock.Elapsed.TotalMilliseconds;
                if (outcome.IsError)
                {
                    throw new InvalidOperationException($"{build} failed: {outcome.ErrorType} {outcome.ErrorMessage}");
                }

                if (i >= 0)
                {
                    total.Add(elapsed);
                    init.Add(initTime.TotalMilliseconds);
                }
            }

            results.Add(new Result(build, total, init));
        }

        return results;
    }

    private static string Unpack(string zipName)
    {
        var zip = Path.Combine(RepositoryPaths.Root, "artifacts", zipName);
        if (!File.Exists(zip))
        {
            throw new InvalidOperationException($"{zip} is missing: run 'make package' first (make bench does).");
        }

        return PackagedFunction.Unpack(zip, "lease-bench-");
    }
}
