using System.Diagnostics;
using System.Text.Json;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>Runs benchmarks/sfn-cost.mjs (the module's fragments through aws-local-stepfunctions) for one wait strategy and reads its figures.</summary>
internal static class SfnCost
{
    public static readonly IReadOnlyList<string> Strategies = ["poll", "retry", "retry-jitter", "callback"];

    public static JsonElement Run(int executions, string strategy)
    {
        var start = new ProcessStartInfo("bash", ["-c", $"source scripts/terraform-env.sh && node benchmarks/sfn-cost.mjs {executions} {strategy}"])
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"benchmarks/sfn-cost.mjs failed ({process.ExitCode}): {output}");
        }

        return JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.Clone();
    }
}
