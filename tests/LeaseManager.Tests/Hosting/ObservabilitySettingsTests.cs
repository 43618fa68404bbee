using System.Text.Json;
using LeaseManager.Hosting;
using LeaseManager.Observability;

namespace LeaseManager.Tests.Hosting;

public sealed class ObservabilitySettingsTests
{
    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("Information", LogLevel.Info)]
    [InlineData("INFO", LogLevel.Info)]
    [InlineData("Warning", LogLevel.Warn)]
    [InlineData("critical", LogLevel.Fatal)]
    [InlineData("bogus", null)]
    public void Levels_accept_Lambda_and_dotnet_names(string text, LogLevel? expected) =>
        ObservabilitySettings.ParseLevel(text).Should().Be(expected);

    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        var settings = FunctionEnvironment.Observability(_ => null);

        settings.Should().BeEquivalentTo(new ObservabilitySettings());
        settings.ServiceName.Should().Be("lease-manager");
        settings.MinimumLevel.Should().Be(LogLevel.Info);
    }

    [Fact]
    public void Sample_rate_is_clamped_and_Lambdas_level_takes_precedence()
    {
        var env = new Dictionary<string, string> { ["POWERTOOLS_LOGGER_SAMPLE_RATE"] = "7", ["POWERTOOLS_LOG_LEVEL"] = "DEBUG", ["AWS_LAMBDA_LOG_LEVEL"] = "WARN" };

        var settings = FunctionEnvironment.Observability(n => env.GetValueOrDefault(n));

        settings.SampleRate.Should().Be(1);
        settings.MinimumLevel.Should().Be(LogLevel.Warn);
    }

    [Theory]
    [InlineData(0.10, true)]
    [InlineData(0.90, false)]
    public void A_sampled_invocation_logs_at_debug(double draw, bool expectDebug)
    {
        using var output = new MemoryStream();
        var logger = new StructuredLogger(output, new ObservabilitySettings { SampleRate = 0.5 }, random: () => draw);

        logger.BeginInvocation(new InvocationScope("req-1", "arn", "Root=1-a-b;Parent=c;Sampled=1", ColdStart: true));
        logger.Debug("detail");
        logger.EndInvocation();
        logger.Debug("outside an invocation");

        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(expectDebug ? 1 : 0);
        if (expectDebug)
        {
            using var line = JsonDocument.Parse(lines[0]);
            line.RootElement.GetProperty("level").GetString().Should().Be("DEBUG");
            line.RootElement.GetProperty("sampling_rate").GetDouble().Should().Be(0.5);
            line.RootElement.GetProperty("xray_trace_id").GetString().Should().Be("1-a-b");
        }
    }

    [Fact]
    public void The_EMF_checker_rejects_documents_that_break_the_specification()
    {
        static List<string> Check(string json) => EmfSpecification.Violations(JsonDocument.Parse(json).RootElement);

        Check("""{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"Service":"s","M":1}""").Should().BeEmpty();
        Check("""{"M":1}""").Should().NotBeEmpty();
        Check("""{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Service"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"M":1}""").Should().ContainMatch("*dimension 'Service'*");
        Check("""{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[],"Metrics":[{"Name":"M","Unit":"Things"}]}]},"M":"1"}""").Should().HaveCount(2);
    }
}
