using System.Text.Json;

namespace LeaseManager.Tests.Hosting;

/// <summary>Log lines and EMF documents the packaged function writes, parsed and checked field by field.</summary>
public sealed class ObservabilityTests : LeaseTableTest
{
    private const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    [Fact]
    public async Task Log_lines_carry_the_Powertools_keys_and_the_trace_id()
    {
        await using var environment = Environment(("POWERTOOLS_LOGGER_SAMPLE_RATE", "0.25"));

        await environment.InvokeAsync("""{"action":"acquire","owner_id":"e1","resource_id":"r"}"""u8.ToArray(), Trace);
        await environment.InvokeAsync("""{"action":"acquire","owner_id":"e2","resource_id":"r"}"""u8.ToArray(), Trace);
        await environment.InvokeAsync("""{"action":"nope"}"""u8.ToArray(), Trace);

        var logs = await Lines(environment, l => l.TryGetProperty("level", out _), 3);
        var requestIds = environment.Server!.Requests.Where(r => r.Method == "POST").Select(r => r.Path.Split('/')[^2]).ToList();
        logs.Should().HaveCount(3);
        logs.Select(l => l.GetProperty("cold_start").GetBoolean()).Should().Equal(true, false, false);
        logs.Select(l => l.GetProperty("function_request_id").GetString()).Should().Equal(requestIds);
        logs.Select(l => l.GetProperty("level").GetString()).Should().Equal("INFO", "INFO", "WARN");
        foreach (var line in logs)
        {
            line.GetProperty("service").GetString().Should().Be("lease-test");
            line.GetProperty("xray_trace_id").GetString().Should().Be("1-5759e988-bd862e3fe1be46a994272793");
            line.GetProperty("function_name").GetString().Should().Be("observed");
            line.GetProperty("function_version").GetString().Should().Be("$LATEST");
            line.GetProperty("function_memory_size").GetInt32().Should().Be(256);
            line.GetProperty("function_arn").GetString().Should().Be("arn:aws:lambda:us-east-1:000000000000:function:observed");
            line.GetProperty("sampling_rate").GetDouble().Should().Be(0.25);
            DateTimeOffset.Parse(line.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                .Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
            line.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        }

        logs[0].GetProperty("status").GetString().Should().Be("acquired");
        logs[2].GetProperty("error_type").GetString().Should().Be("LeaseManager.InvalidRequest");
    }

    [Fact]
    public async Task Metrics_are_valid_EMF_with_the_Service_dimension()
    {
        await using var environment = Environment();

        await environment.InvokeAsync("""{"action":"acquire"}"""u8.ToArray());
        await environment.InvokeAsync("""{"action":"acquire"}"""u8.ToArray());
        await environment.InvokeAsync("""{"action":"acquire"}"""u8.ToArray());
        await environment.InvokeAsync("""{"action":"release","lease_id":"0000.-.0123456789abcdef"}"""u8.ToArray());
        await environment.InvokeAsync("""{"action":"renew","lease_id":"0000.-.0123456789abcdef"}"""u8.ToArray());

        var documents = await Lines(environment, l => l.TryGetProperty("_aws", out _), 6);
        documents.SelectMany(EmfSpecification.Violations).Should().BeEmpty();
        var directives = documents.Select(d => d.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0]).ToList();
        directives.Should().OnlyContain(d => d.GetProperty("Namespace").GetString() == "LeaseTests");
        documents.Should().OnlyContain(d => d.GetProperty("Service").GetString() == "lease-test");
        documents.Should().OnlyContain(d => d.GetProperty("function_name").GetString() == "observed");

        // Per invocation: Powertools' Service set, and the pool's own (Service + function_name) that
        // the module's dashboard and alarms read.
        directives.Where(d => d.GetProperty("Metrics")[0].GetProperty("Name").GetString() != "ColdStart")
            .Should().OnlyContain(d => d.GetProperty("Dimensions").GetRawText() == """[["Service"],["Service","function_name"]]""");

        var coldStart = documents.Where(d => d.TryGetProperty("ColdStart", out _)).Should().ContainSingle().Subject;
        coldStart.GetProperty("function_name").GetString().Should().Be("observed");
        var perInvocation = documents.Where(d => !d.TryGetProperty("ColdStart", out _)).ToList();
        perInvocation.Should().HaveCount(5);
        Value(perInvocation[0], "LeaseAcquired").Should().Be(1);
        Value(perInvocation[1], "LeaseAcquired").Should().Be(1);
        Value(perInvocation[2], "LeaseWait").Should().Be(1);
        Value(perInvocation[2], "ActiveLeases").Should().Be(2);
        Value(perInvocation[2], "LeaseLimit").Should().Be(2);
        Value(perInvocation[3], "LeaseReleased").Should().Be(0, "that lease id was never granted");
        Value(perInvocation[4], "LeaseErrors").Should().Be(1);
        perInvocation[4].GetProperty("error_type").GetString().Should().Be("LeaseManager.LeaseLost");
    }

    [Fact]
    public async Task Powertools_variables_switch_metrics_off_raise_the_level_and_log_the_event()
    {
        await using var environment = Environment(("POWERTOOLS_METRICS_DISABLED", "true"), ("POWERTOOLS_LOG_LEVEL", "WARN"), ("POWERTOOLS_LOGGER_LOG_EVENT", "true"));

        await environment.InvokeAsync("""{"action":"acquire","owner_id":"e1"}"""u8.ToArray());
        await environment.InvokeAsync("""{"action":"acquire","lease_duration_seconds":"x"}"""u8.ToArray());

        var lines = await Lines(environment, _ => true, 1);
        lines.Where(l => l.TryGetProperty("_aws", out _)).Should().BeEmpty();
        lines.Should().ContainSingle().Which.GetProperty("level").GetString().Should().Be("WARN", "INFO lines, the logged events among them, are below WARN");
    }

    [Fact]
    public async Task The_event_is_logged_as_JSON_when_asked_and_Lambdas_level_wins()
    {
        await using var environment = Environment(("POWERTOOLS_LOGGER_LOG_EVENT", "true"), ("POWERTOOLS_LOG_LEVEL", "ERROR"), ("AWS_LAMBDA_LOG_LEVEL", "INFO"));

        await environment.InvokeAsync("""{"action":"acquire","owner_id":"e1","resource_id":"r"}"""u8.ToArray());

        var logs = await Lines(environment, l => l.TryGetProperty("level", out _), 2);
        var logged = logs.Where(l => l.TryGetProperty("event", out _)).Should().ContainSingle().Subject;
        logged.GetProperty("event").GetProperty("owner_id").GetString().Should().Be("e1");
        logged.GetProperty("level").GetString().Should().Be("INFO");
    }

    private ExecutionEnvironment Environment(params (string Name, string Value)[] extra)
    {
        var env = PackagedFunction.EnvironmentFor(Table.Name, Table.Peer.Endpoint, maxConcurrent: 2);
        foreach (var (name, value) in extra)
        {
            env[name] = value;
        }

        return new ExecutionEnvironment(PackagedFunction.Definition("observed", env), 1);
    }

    private static async Task<List<JsonElement>> Lines(ExecutionEnvironment environment, Func<JsonElement, bool> which, int atLeast)
    {
        // stdout is read asynchronously; give the last lines a moment to arrive.
        List<JsonElement> Read() => environment.Output.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(which).ToList();
        for (var i = 0; i < 50 && Read().Count < atLeast; i++)
        {
            await Task.Delay(20);
        }

        await Task.Delay(100);
        environment.Output.Should().OnlyContain(l => l.StartsWith('{'), "every line the function writes is JSON");
        return Read();
    }

    private static double Value(JsonElement document, string metric) => document.GetProperty(metric).GetDouble();
}
