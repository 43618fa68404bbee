using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;

namespace LeaseManager.Tests.Hosting;

/// <summary>A handler written for the test: does what <see cref="Behaviour"/> says and remembers what it was given.</summary>
internal sealed class ScriptedHandler(Func<Invocation, CancellationToken, Task<byte[]>> behaviour) : IInvocationHandler
{
    public List<long?> AnswerBy { get; } = [];

    public Func<Invocation, CancellationToken, Task<byte[]>> Behaviour { get; } = behaviour;

    public Task<byte[]> HandleAsync(Invocation invocation, long? answerByMs, CancellationToken cancellationToken)
    {
        AnswerBy.Add(answerByMs);
        return Behaviour(invocation, cancellationToken);
    }
}

/// <summary>
/// The bootstrap loop in process, with a fake Runtime API client, a hand-written handler and a clock
/// the test sets: deadline margin, cold start, error typing and the log scope, without a process.
/// </summary>
[Collection(HostInProcess.Name)]
public sealed class LambdaHostTests
{
    private const string Arn = "arn:aws:lambda:eu-central-1:123456789012:function:host-test";
    private const string Trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock = new(Now);
    private readonly MemoryStream _stdout = new();
    private readonly RecordingRuntimeClient _runtime = new();

    private LambdaHost Host(IInvocationHandler handler, bool metrics = true, TimeProvider? clock = null)
    {
        var settings = new ObservabilitySettings { ServiceName = "host-test", FunctionName = "host-test", MetricsDisabled = !metrics };
        clock ??= _clock;
        return new LambdaHost(_runtime, handler, new StructuredLogger(_stdout, settings, clock), new EmbeddedMetrics(_stdout, settings, clock), "Errors", clock);
    }

    private Invocation Enqueue(string payload = "{}", long? deadlineMs = null)
    {
        var invocation = new Invocation(Guid.NewGuid().ToString(), deadlineMs ?? long.MaxValue, Arn, Trace, Encoding.UTF8.GetBytes(payload));
        _runtime.Enqueue(invocation);
        return invocation;
    }

    private static async Task RunUntilDrainedAsync(LambdaHost host)
    {
        var run = () => host.RunAsync(CancellationToken.None);
        await run.Should().ThrowAsync<HttpRequestException>("the fake Runtime API ends the loop once its queue is empty");
    }

    private List<JsonElement> Lines(string marker) => Encoding.UTF8.GetString(_stdout.ToArray())
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonDocument.Parse(l).RootElement.Clone())
        .Where(l => l.TryGetProperty(marker, out _))
        .ToList();

    private static ScriptedHandler Answering(string json) => new((_, _) => Task.FromResult(Encoding.UTF8.GetBytes(json)));

    private static ScriptedHandler Throwing(Exception e) => new((_, _) => Task.FromException<byte[]>(e));

    [Fact]
    public async Task The_handler_must_answer_by_the_deadline_less_the_margin_and_is_cancelled_then()
    {
        // The host's timer runs on the host's clock: the test moves it to 1 ms before and then exactly
        // to the answer-by time (Lambda's deadline less the 250 ms margin), however loaded the machine.
        var clock = new SteppedClock(Now);
        var deadline = Now.AddSeconds(1).ToUnixTimeMilliseconds();
        var running = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(async (_, ct) =>
        {
            running.SetResult(ct);
            await Task.Delay(Timeout.Infinite, ct);
            return [];
        });
        var invocation = Enqueue(deadlineMs: deadline);

        var run = RunUntilDrainedAsync(Host(handler, clock: clock));
        var token = await running.Task.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromMilliseconds(749));
        token.IsCancellationRequested.Should().BeFalse("1 ms is left before the answer is due");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        token.IsCancellationRequested.Should().BeTrue("the answer is due 250 ms before Lambda's deadline");
        await run;

        handler.AnswerBy.Should().Equal(deadline - 250);
        _runtime.Errors[invocation.RequestId].ErrorType.Should().Be("LeaseManager.TransientFailure", "running out of time is retryable");
    }

    [Fact]
    public async Task An_invocation_already_inside_the_margin_is_cancelled_at_once_and_one_without_a_deadline_never()
    {
        var handler = new ScriptedHandler((_, ct) => Task.FromResult(ct.IsCancellationRequested ? throw new OperationCanceledException(ct) : "{}"u8.ToArray()));
        var late = Enqueue(deadlineMs: Now.AddMilliseconds(200).ToUnixTimeMilliseconds());
        var unbounded = Enqueue();

        await RunUntilDrainedAsync(Host(handler));

        _runtime.Errors[late.RequestId].ErrorType.Should().Be("LeaseManager.TransientFailure");
        _runtime.Responses.Should().ContainKey(unbounded.RequestId);
        handler.AnswerBy.Should().Equal(Now.AddMilliseconds(200 - 250).ToUnixTimeMilliseconds(), null);
    }

    [Fact]
    public async Task Only_the_first_invocation_is_a_cold_start_in_the_log_and_in_metrics()
    {
        Enqueue();
        Enqueue();
        Enqueue();

        await RunUntilDrainedAsync(Host(Answering("""{"status":"ok"}""")));

        _runtime.Calls.Select(c => c.Kind).Should().Equal("response", "response", "response");
        var coldStart = Lines("_aws").Where(d => d.TryGetProperty("ColdStart", out _)).Should().ContainSingle().Subject;
        coldStart.GetProperty("function_name").GetString().Should().Be("host-test");
        coldStart.GetProperty("_aws").GetProperty("Timestamp").GetInt64().Should().Be(Now.ToUnixTimeMilliseconds());
        Lines("_aws").SelectMany(EmfSpecification.Violations).Should().BeEmpty();
    }

    [Fact]
    public async Task An_arbitrary_exception_is_InternalError_with_the_detail_in_the_log_only()
    {
        var invocation = Enqueue();
        var failure = new InvalidOperationException("Collection was modified; enumeration operation may not execute.");

        await RunUntilDrainedAsync(Host(Throwing(failure)));

        var error = _runtime.Errors[invocation.RequestId];
        error.ErrorType.Should().Be("LeaseManager.InternalError");
        error.ErrorMessage.Should().NotContain("InvalidOperationException").And.NotContain("Collection was modified");
        error.StackTrace.Should().BeEmpty();
        var line = Lines("level").Should().ContainSingle().Subject;
        line.GetProperty("level").GetString().Should().Be("ERROR");
        line.GetProperty("error_type").GetString().Should().Be("LeaseManager.InternalError");
        line.GetProperty("exception").GetString().Should().Be("System.InvalidOperationException", "the log keeps the original failure");
        line.GetProperty("exception_message").GetString().Should().Be(failure.Message);
        line.GetProperty("function_request_id").GetString().Should().Be(invocation.RequestId);
        line.GetProperty("function_arn").GetString().Should().Be(Arn);
        line.GetProperty("xray_trace_id").GetString().Should().Be("1-5759e988-bd862e3fe1be46a994272793");
        line.GetProperty("cold_start").GetBoolean().Should().BeTrue();
        line.GetProperty("timestamp").GetString().Should().Be("2026-11-30T12:00:00.000Z");
        var metrics = Lines("_aws").Single(d => d.TryGetProperty("Errors", out _));
        metrics.GetProperty("error_type").GetString().Should().Be("LeaseManager.InternalError");
        metrics.GetProperty("function_request_id").GetString().Should().Be(invocation.RequestId);
    }

    public static TheoryData<Exception, string, string> ContractFailures => new()
    {
        { new InvalidRequestException("bad event"), "LeaseManager.InvalidRequest", "WARN" },
        { new LeaseLostException("gone"), "LeaseManager.LeaseLost", "WARN" },
        { new LeaseUnavailableException("full", 2, 2), "LeaseManager.LeaseUnavailable", "WARN" },
        { new ConfigurationException("no table"), "LeaseManager.ConfigurationError", "ERROR" },
        { new TransientFailureException("throttled"), "LeaseManager.TransientFailure", "ERROR" },
        { new HttpRequestException("connection refused"), "LeaseManager.TransientFailure", "ERROR" },
    };

    [Theory]
    [MemberData(nameof(ContractFailures))]
    public async Task A_contract_failure_keeps_its_type_and_the_callers_own_are_warnings(Exception failure, string errorType, string level)
    {
        var invocation = Enqueue();

        await RunUntilDrainedAsync(Host(Throwing(failure)));

        _runtime.Errors[invocation.RequestId].ErrorType.Should().Be(errorType);
        var line = Lines("level").Should().ContainSingle().Subject;
        line.GetProperty("level").GetString().Should().Be(level);
        line.GetProperty("error_type").GetString().Should().Be(errorType);
    }

    [Fact]
    public async Task A_failed_invocation_never_ends_the_loop_even_when_its_error_cannot_be_reported()
    {
        _runtime.ErrorReportFault = () => new HttpRequestException("the Runtime API hung up");
        Enqueue();
        var next = Enqueue();
        var handler = new ScriptedHandler((i, _) => i.RequestId == next.RequestId ? Task.FromResult("{}"u8.ToArray()) : throw new LeaseLostException("gone"));

        await RunUntilDrainedAsync(Host(handler));

        _runtime.Responses.Should().ContainKey(next.RequestId);
        Lines("level").Should().Contain(l => l.GetProperty("message").GetString() == "Could not report the invocation error to the Runtime API");
    }

    [Fact]
    public async Task The_trace_id_is_published_and_the_event_logged_as_JSON_when_asked()
    {
        var settings = new ObservabilitySettings { LogEvent = true, MetricsDisabled = true };
        string? seen = null;
        var invocation = Enqueue("""{"action":"acquire","owner_id":"e1"}""");
        var handler = new ScriptedHandler((_, _) =>
        {
            seen = Environment.GetEnvironmentVariable(FunctionEnvironment.TraceId);
            return Task.FromResult("{}"u8.ToArray());
        });
        var host = new LambdaHost(_runtime, handler, new StructuredLogger(_stdout, settings, _clock), new EmbeddedMetrics(_stdout, settings, _clock), "Errors", _clock);

        await RunUntilDrainedAsync(host);

        seen.Should().Be(Trace);
        var logged = Lines("event").Should().ContainSingle().Subject;
        logged.GetProperty("event").GetProperty("owner_id").GetString().Should().Be("e1");
        logged.GetProperty("function_request_id").GetString().Should().Be(invocation.RequestId);
    }
}
