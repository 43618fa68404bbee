using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// Runs benchmarks/sfn-cost.mjs (the module's fragments through aws-local-stepfunctions, the
/// packaged function, the latency model in front of this run's DynamoDB Local) and reads its
/// figures: one JSON line per strategy × backlog.
/// </summary>
internal static class SfnCost
{
    public static readonly IReadOnlyList<string> Strategies = ["poll", "retry", "callback"];

    /// <summary>Backlogs, as multiples of the pool: a short queue, a long one, a very long one.</summary>
    public static readonly IReadOnlyList<int> Backlogs = [4, 20, 100];

    /// <summary>Two slots and half a second of work: the whole part (three strategies × three backlogs, 248 items of work per strategy) stays near five minutes on two cores.</summary>
    public const int Pool = 2;

    public const int WorkMs = 500;

    /// <summary>How often `poll` and `retry` ask again, shortened from the module's 5 s as the work is.</summary>
    public const int AskMs = 500;

    /// <summary>Arrivals 50 ms apart: a burst of 20 executions a second, faster than the pool serves them (4 a second).</summary>
    public const int StaggerMs = 50;

    public static List<JsonElement> Run(string dynamoDbEndpoint, bool quick, IProgress<string> progress)
    {
        var backlogs = quick ? "4,20" : string.Join(",", Backlogs);
        var latency = string.Create(CultureInfo.InvariantCulture, $"{ThroughputBenchmark.Delay.TotalMilliseconds},{ThroughputBenchmark.Jitter.TotalMilliseconds}");
        var command = $"source scripts/terraform-env.sh && node benchmarks/sfn-cost.mjs --strategies {string.Join(",", Strategies)} --backlogs {backlogs} --pool {Pool} --work {WorkMs} --ask {AskMs} --stagger {StaggerMs} --latency {latency}";
        var start = new ProcessStartInfo("bash", ["-c", command])
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
        };
        // The same DynamoDB Local as the rest of the run (the launcher uses the endpoint it is given).
        start.Environment[DynamoDbPeer.EndpointVariable] = dynamoDbEndpoint;
        using var process = Process.Start(start)!;
        var runs = new List<JsonElement>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith('{'))
            {
                runs.Add(JsonDocument.Parse(line).RootElement.Clone());
                progress.Report("  " + line);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || runs.Count == 0)
        {
            throw new InvalidOperationException($"benchmarks/sfn-cost.mjs failed ({process.ExitCode}) after {runs.Count} runs");
        }

        return runs;
    }
}
