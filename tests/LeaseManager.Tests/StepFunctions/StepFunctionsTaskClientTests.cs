using Amazon.Runtime;
using LeaseManager.StepFunctions;

namespace LeaseManager.Tests.StepFunctions;

/// <summary>
/// The function's Step Functions client against the local task-token endpoint, reached the way the
/// function reaches it: through <c>AWS_ENDPOINT_URL_SFN</c>, resolved by the SDK.
/// </summary>
[Collection(SfnEndpointVariable.Name)]
public sealed class StepFunctionsTaskClientTests : IAsyncLifetime
{
    private const string Region = "eu-west-3";
    private const string AccessKeyId = "AKIDLOCAL";
    private const string SecretAccessKey = "local-secret";

    // Verifies signatures: what it accepts, AWS would (SigV4Tests checks it against AWS's vectors).
    private readonly StepFunctionsTaskTokenServer _server = new(secretAccessKeys: new Dictionary<string, string> { [AccessKeyId] = SecretAccessKey });
    private StepFunctionsTaskClient _client = null!;

    public Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(StepFunctionsTaskClient.EndpointVariable, _server.Url);
        _client = NewClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        Environment.SetEnvironmentVariable(StepFunctionsTaskClient.EndpointVariable, null);
        await _server.DisposeAsync();
    }

    private static StepFunctionsTaskClient NewClient(int maxErrorRetry = 4, string secret = SecretAccessKey) =>
        StepFunctionsTaskClient.Create(Region, new BasicAWSCredentials(AccessKeyId, secret), maxErrorRetry, TimeSpan.FromSeconds(2));

    private static string NewToken() => "token-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task The_endpoint_comes_from_AWS_ENDPOINT_URL_SFN()
    {
        _client.ResolvedEndpoint.Should().Be(new Uri(_server.Url));
        using var unset = new EnvironmentScope(StepFunctionsTaskClient.EndpointVariable, null);
        using var aws = NewClient();
        aws.ResolvedEndpoint.Should().Be(new Uri($"https://states.{Region}.amazonaws.com"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task SendTaskSuccess_delivers_the_output_once_signed_for_states_in_the_region()
    {
        var token = NewToken();
        var task = _server.Register(token);
        const string output = """{"status":"acquired","lease_id":"l-1","lease_expires_at":1767225600,"current_running":1,"max_concurrent_leases":2}""";

        var result = await _client.SendTaskSuccessAsync(token, output, CancellationToken.None);

        result.Should().Be(TaskTokenResult.Accepted);
        (await task.Outcome).Should().Be(TaskOutcome.Succeeded(output));
        var call = _server.Calls.Should().ContainSingle(c => c.TaskToken == token).Subject;
        call.Action.Should().Be("SendTaskSuccess");
        call.Service.Should().Be("states");
        call.Region.Should().Be(Region);
        call.AccessKeyId.Should().Be("AKIDLOCAL");
        call.ContentType.Should().Be("application/x-amz-json-1.0");
        call.Status.Should().Be(200);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_refused_by_the_signature_check_and_delivers_nothing()
    {
        using var client = NewClient(secret: "not-the-secret");
        var token = NewToken();
        var task = _server.Register(token);

        var act = () => client.SendTaskSuccessAsync(token, "{}", CancellationToken.None);

        (await act.Should().ThrowAsync<InternalErrorException>()).Which.Message.Should().Contain("InvalidSignatureException");
        task.Outcome.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task SendTaskFailure_fails_the_task_and_SendTaskHeartbeat_keeps_it_waiting()
    {
        var token = NewToken();
        var task = _server.Register(token);

        (await _client.SendTaskHeartbeatAsync(token, CancellationToken.None)).Should().Be(TaskTokenResult.Accepted);
        task.Heartbeats.Should().Be(1);
        task.Outcome.IsCompleted.Should().BeFalse();
        (await _client.SendTaskFailureAsync(token, "LeaseManager.LeaseUnavailable", "pool closed", CancellationToken.None)).Should().Be(TaskTokenResult.Accepted);

        (await task.Outcome).Should().Be(TaskOutcome.Failed("LeaseManager.LeaseUnavailable", "pool closed"));
    }

    [Fact]
    public async Task A_waiter_that_is_gone_is_a_result_not_an_error()
    {
        var expired = NewToken();
        _server.Register(expired);
        _server.Expire(expired);
        var forgotten = NewToken();
        _server.Register(forgotten);
        _server.Expire(forgotten, "TaskDoesNotExist");
        var completed = NewToken();
        _server.Register(completed);
        (await _client.SendTaskSuccessAsync(completed, "{}", CancellationToken.None)).Should().Be(TaskTokenResult.Accepted);

        (await _client.SendTaskSuccessAsync(expired, "{}", CancellationToken.None)).Should().Be(TaskTokenResult.TaskTimedOut);
        (await _client.SendTaskSuccessAsync(forgotten, "{}", CancellationToken.None)).Should().Be(TaskTokenResult.TaskDoesNotExist);
        (await _client.SendTaskSuccessAsync(NewToken(), "{}", CancellationToken.None)).Should().Be(TaskTokenResult.InvalidToken);
        (await _client.SendTaskHeartbeatAsync(completed, CancellationToken.None)).Should().Be(TaskTokenResult.TaskTimedOut);
        (await _client.SendTaskSuccessAsync(completed, "{}", CancellationToken.None)).Should().Be(TaskTokenResult.TaskTimedOut);
    }

    [Fact]
    public async Task Throttling_is_retried_by_the_SDK_and_the_output_delivered_once()
    {
        var token = NewToken();
        var task = _server.Register(token);
        _server.InjectFaults("ThrottlingException", 2);

        var result = await _client.SendTaskSuccessAsync(token, """{"n":1}""", CancellationToken.None);

        result.Should().Be(TaskTokenResult.Accepted);
        (await task.Outcome).Output.Should().Be("""{"n":1}""");
        var calls = _server.Calls.Where(c => c.Action == "SendTaskSuccess" && c.Body.Contains(token, StringComparison.Ordinal)).ToList();
        calls.Select(c => c.ErrorType).Should().Equal("ThrottlingException", "ThrottlingException", null);
        calls.Count(c => c.Status == 200).Should().Be(1);
    }

    [Fact]
    public async Task A_server_fault_is_retried_too()
    {
        var token = NewToken();
        var task = _server.Register(token);
        _server.InjectFaults("InternalFailure", 1, status: 500);

        (await _client.SendTaskSuccessAsync(token, "{}", CancellationToken.None)).Should().Be(TaskTokenResult.Accepted);
        (await task.Outcome).Status.Should().Be("succeeded");
        _server.Calls.Count(c => c.Body.Contains(token, StringComparison.Ordinal)).Should().Be(2);
    }

    [Fact]
    public async Task Persistent_throttling_ends_as_a_transient_failure_after_the_retries()
    {
        using var client = NewClient(maxErrorRetry: 2);
        var token = NewToken();
        var task = _server.Register(token);
        _server.InjectFaults("ThrottlingException", 3);

        var act = () => client.SendTaskSuccessAsync(token, "{}", CancellationToken.None);

        (await act.Should().ThrowAsync<TransientFailureException>()).Which.Message.Should().Contain("ThrottlingException");
        _server.Calls.Count(c => c.Body.Contains(token, StringComparison.Ordinal)).Should().Be(3);
        task.Outcome.IsCompleted.Should().BeFalse("nothing was delivered");
    }

    [Fact]
    public async Task Output_that_is_not_JSON_is_an_internal_error_naming_InvalidOutput_and_is_not_retried()
    {
        var token = NewToken();
        _server.Register(token);

        var act = () => _client.SendTaskSuccessAsync(token, "{not json", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<InternalErrorException>()).Which;
        error.Message.Should().Contain("InvalidOutput");
        error.ErrorType.Should().Be(InternalErrorException.Name);
        _server.Calls.Count(c => c.Body.Contains(token, StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public async Task Denied_access_is_an_internal_error_naming_the_code()
    {
        var token = NewToken();
        _server.Register(token);
        _server.InjectFaults("AccessDeniedException", 1);

        var act = () => _client.SendTaskHeartbeatAsync(token, CancellationToken.None);

        (await act.Should().ThrowAsync<InternalErrorException>()).Which.Message.Should().Contain("AccessDeniedException");
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_transient_failure()
    {
        using var scope = new EnvironmentScope(StepFunctionsTaskClient.EndpointVariable, "http://127.0.0.1:9");
        using var client = NewClient(maxErrorRetry: 1);

        var act = () => client.SendTaskHeartbeatAsync(NewToken(), CancellationToken.None);

        (await act.Should().ThrowAsync<TransientFailureException>()).Which.ErrorType.Should().Be(TransientFailureException.Name);
    }
}

/// <summary>Tests that set <c>AWS_ENDPOINT_URL_SFN</c> (process-wide) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SfnEndpointVariable
{
    public const string Name = "AWS_ENDPOINT_URL_SFN";
}

/// <summary>Sets an environment variable for a scope and restores it.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    public EnvironmentScope(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
