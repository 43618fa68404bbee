using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using LeaseManager.Contract;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;
using LeaseManager.Tests.Hosting;

namespace LeaseManager.Tests.Lambda;

/// <summary>
/// The lease handler under the real host, in process, with no DynamoDB behind it (a client that
/// fails every call and counts it): what is decided before any I/O, and what the host adds to a failure.
/// </summary>
[Collection(HostInProcess.Name)]
public sealed class LeaseHandlerTests : IDisposable
{
    private readonly MemoryStream _stdout = new();
    private readonly RecordingRuntimeClient _runtime = new();
    private readonly AmazonDynamoDBClient _unreachable = new(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9" });
    private readonly FaultInjectingDynamoDb _dynamoDb;
    private readonly LambdaHost _host;

    public LeaseHandlerTests()
    {
        var (client, proxy) = FaultInjectingDynamoDb.Wrap(_unreachable, _ => true, () => new InvalidOperationException("Collection was modified"));
        _dynamoDb = proxy;
        var settings = new ObservabilitySettings { FunctionName = "lease" };
        var logger = new StructuredLogger(_stdout, settings);
        var metrics = new EmbeddedMetrics(_stdout, settings);
        var pool = new LeasePool(client, new LeasePoolOptions { TableName = "leases", LeasePrefix = "jobs", MaxConcurrentLeases = 2 });
        _host = new LambdaHost(_runtime, new LeaseHandler(new LeaseFunction(pool), logger, metrics), logger, metrics, LeaseMetrics.Errors);
    }

    public void Dispose() => _unreachable.Dispose();

    /// <summary>Malformed events the packaged binary used to be driven with, one process per run.</summary>
    public static TheoryData<string> MalformedEvents => new()
    {
        "", "not json", "{", "[]", "[1,2]", "\"acquire\"", "42", "true", "null", "{}", "{\"action\":null}",
        "{\"action\":1}", "{\"action\":\"steal\"}", "{\"action\":\"acquire\",\"owner_id\":[]}",
        "{\"action\":\"acquire\",\"resource_id\":false}", "{\"action\":\"acquire\",\"lease_duration_seconds\":\"10\"}",
        "{\"action\":\"acquire\",\"lease_duration_seconds\":99999999}", "{\"action\":\"acquire\",\"fail_if_unavailable\":1}",
        "{\"action\":\"release\"}", "{\"action\":\"release\",\"lease_id\":\"../../etc\"}", "{\"action\":\"renew\",\"lease_id\":7}",
    };

    private Invocation Enqueue(byte[] payload)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), long.MaxValue, "arn:aws:lambda:us-east-1:000000000000:function:lease", null, payload);
        _runtime.Enqueue(invocation);
        return invocation;
    }

    private async Task DrainAsync()
    {
        var run = () => _host.RunAsync(CancellationToken.None);
        await run.Should().ThrowAsync<HttpRequestException>();
    }

    private List<JsonElement> Lines(string marker) => Encoding.UTF8.GetString(_stdout.ToArray())
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .Where(l => l.TryGetProperty(marker, out _))
        .ToList();

    [Fact]
    public async Task Every_malformed_or_undecodable_event_is_InvalidRequest_before_any_DynamoDB_call_and_the_loop_keeps_serving()
    {
        var payloads = ((IEnumerable<object[]>)MalformedEvents).Select(row => Encoding.UTF8.GetBytes((string)row[0]))
            .Concat(((IEnumerable<object[]>)ContractErrorTests.UndecodableEvents).Select(row => (byte[])row[0]))
            .ToList();
        var invocations = payloads.Select(Enqueue).ToList();

        await DrainAsync();

        foreach (var (invocation, payload) in invocations.Zip(payloads))
        {
            _runtime.Errors.Should().ContainKey(invocation.RequestId, Convert.ToHexString(payload));
            _runtime.Errors[invocation.RequestId].ErrorType.Should().Be("LeaseManager.InvalidRequest");
            _runtime.Errors[invocation.RequestId].ErrorMessage.Should().NotBeNullOrWhiteSpace();
        }

        _dynamoDb.Injected.Should().Be(0, "nothing is read or written for an event that cannot be understood");
        Lines("level").Should().OnlyContain(l => l.GetProperty("level").GetString() == "WARN").And.HaveCount(payloads.Count);
        var errors = Lines("_aws").Where(d => !d.TryGetProperty("ColdStart", out _)).ToList();
        errors.Should().HaveCount(payloads.Count);
        errors.Select(d => (d.GetProperty("LeaseErrors").GetDouble(), d.GetProperty("error_type").GetString())).Distinct().Should().Equal((1d, "LeaseManager.InvalidRequest"));
    }

    [Fact]
    public async Task A_failure_after_parsing_carries_the_handlers_action_on_the_hosts_error_line()
    {
        var invocation = Enqueue("""{"action":"renew","lease_id":"0000.-.0123456789abcdef"}"""u8.ToArray());

        await DrainAsync();

        _dynamoDb.Injected.Should().BeGreaterThan(0);
        _runtime.Errors[invocation.RequestId].ErrorType.Should().Be("LeaseManager.InternalError");
        var line = Lines("level").Should().ContainSingle().Subject;
        line.GetProperty("action").GetString().Should().Be("renew");
        line.GetProperty("exception").GetString().Should().Be("System.InvalidOperationException");
        var document = Lines("_aws").Single(d => d.TryGetProperty("LeaseErrors", out _));
        document.GetProperty("action").GetString().Should().Be("renew");
        document.GetProperty("pool").GetString().Should().Be("jobs");
    }
}
