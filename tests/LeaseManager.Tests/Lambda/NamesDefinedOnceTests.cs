using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using LeaseManager.Hosting;

namespace LeaseManager.Tests.Lambda;

/// <summary>
/// Names written once and read everywhere else: environment variables (FunctionEnvironment), error
/// types (LeaseErrors), zip and handler names (lambda-package.json). Each test fails on a drift.
/// </summary>
public sealed partial class NamesDefinedOnceTests
{
    private static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, path));

    [GeneratedRegex(@"lambda_environment\s*=\s*\{(?<body>[^}]*)\}", RegexOptions.Singleline)]
    private static partial Regex EnvironmentBlock();

    [GeneratedRegex(@"^\s*(?<name>[A-Z_][A-Z0-9_]*)\s*=", RegexOptions.Multiline)]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^\|\s*`(?<type>LeaseManager\.[A-Za-z]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();

    private static HashSet<string> DeclaredNames() => typeof(FunctionEnvironment)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void The_module_sets_exactly_the_variables_the_function_reads_less_those_Lambda_sets()
    {
        var block = EnvironmentBlock().Match(Read("lambda.tf"));
        block.Success.Should().BeTrue("lambda.tf sets the functions' environment in one map");
        var setByModule = Assignment().Matches(block.Groups["body"].Value).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        setByModule.Should().BeEquivalentTo(DeclaredNames().Except(FunctionEnvironment.SetByLambda));
        FunctionEnvironment.SetByModule.Should().BeEquivalentTo(setByModule);
    }

    [Fact]
    public void Every_name_the_function_reads_is_either_set_by_the_module_or_by_Lambda()
    {
        FunctionEnvironment.SetByModule.Should().NotIntersectWith(FunctionEnvironment.SetByLambda);
        DeclaredNames().Should().BeEquivalentTo(FunctionEnvironment.SetByModule.Union(FunctionEnvironment.SetByLambda));
    }

    [Fact]
    public void The_error_table_of_the_reference_lists_exactly_the_contract_error_types()
    {
        var reference = Read("docs/reference.md");
        var section = reference[reference.IndexOf("### Errors", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];

        ErrorRow().Matches(section).Select(m => m.Groups["type"].Value).Should().BeEquivalentTo(LeaseErrors.Types);
    }

    // The dashboard's pool widgets name their series as `metrics = { Name = "label", ... }`; an alarm as `metric_name = "Name"`.
    [GeneratedRegex(@"metrics = \{(?<body>[^}]*)\}|metric_name\s*=\s*""(?<name>[A-Za-z]+)""")]
    private static partial Regex MonitoredMetric();

    [GeneratedRegex(@"(?<name>[A-Za-z]+) = """)]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"(?<list>expected_error_types|unexpected_error_types)\s*=\s*\[(?<types>[^\]]*)\]")]
    private static partial Regex ErrorTypeList();

    [Fact]
    public void The_dashboard_and_alarms_read_only_metrics_the_function_writes()
    {
        var monitoring = Read("monitoring.tf");
        var emitted = typeof(Observability.LeaseMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);
        var read = MonitoredMetric().Matches(monitoring)
            .SelectMany(m => m.Groups["name"].Success ? [m.Groups["name"].Value] : SeriesName().Matches(m.Groups["body"].Value).Select(n => n.Groups["name"].Value))
            .ToList();

        read.Should().NotBeEmpty().And.OnlyContain(name => emitted.Contains(name), "a graph or alarm on a metric nobody writes stays empty");
    }

    [Fact]
    public void Monitoring_sorts_every_error_type_into_expected_or_unexpected()
    {
        var lists = ErrorTypeList().Matches(Read("monitoring.tf")).ToDictionary(
            m => m.Groups["list"].Value,
            m => Regex.Matches(m.Groups["types"].Value, "\"(?<t>[^\"]+)\"").Select(t => t.Groups["t"].Value).ToList());

        lists.Should().ContainKeys("expected_error_types", "unexpected_error_types");
        lists["expected_error_types"].Should().NotIntersectWith(lists["unexpected_error_types"]);
        lists["expected_error_types"].Concat(lists["unexpected_error_types"]).Should().BeEquivalentTo(LeaseErrors.Types, "a new error type needs a decision: does it wake someone up?");
    }

    [Fact]
    public void Zip_names_are_written_only_in_the_manifest()
    {
        string[] zips = [PackagedFunction.AotZip, PackagedFunction.ManagedZip];
        zips.Should().OnlyContain(z => z.EndsWith(".zip", StringComparison.Ordinal));

        // Prose (*.md) may name a zip for the reader; the offline Terraform tests assert the module's
        // rendered values against expected literals, which is checking, not defining.
        var writers = TrackedFiles()
            .Where(f => f != PackagedFunction.ManifestPath && !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith(".tftest.hcl", StringComparison.Ordinal))
            .Where(f => File.Exists(Path.Combine(RepositoryPaths.Root, f)))
            .Where(f => zips.Any(Read(f).Contains))
            .ToList();

        writers.Should().BeEmpty("scripts, Terraform, tests and benchmarks read the zip names from " + PackagedFunction.ManifestPath);
    }

    private static List<string> TrackedFiles()
    {
        var git = new ProcessStartInfo("git", ["-C", RepositoryPaths.Root, "ls-files", "--cached", "--others", "--exclude-standard"])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(git)!;
        var files = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        process.WaitForExit();
        process.ExitCode.Should().Be(0);
        return files;
    }
}
