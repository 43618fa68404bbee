using System.Text;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;

namespace LeaseManager.Tests.Hosting;

/// <summary>
/// The function's own Runtime API client, in process, against the tests' implementation of the
/// published API: the same wire exchange the packaged binary has, with the client's code measured.
/// </summary>
public sealed class RuntimeApiClientTests : IAsyncLifetime
{
    private readonly RuntimeApiServer _server = new();
    private RuntimeApiClient _client = null!;

    public Task InitializeAsync()
    {
        _client = new RuntimeApiClient(_server.Address);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Next_carries_the_invocation_headers_and_response_answers_it()
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds();
        var outcome = _server.Enqueue(new InvocationRequest("req-1", Encoding.UTF8.GetBytes("""{"action":"acquire"}"""), deadline, "arn:aws:lambda:eu-west-1:123456789012:function:lease", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"));

        var invocation = await _client.NextAsync(CancellationToken.None);
        await _client.RespondAsync(invocation.RequestId, Encoding.UTF8.GetBytes("""{"status":"wait"}"""), CancellationToken.None);

        invocation.RequestId.Should().Be("req-1");
        invocation.DeadlineMs.Should().Be(deadline);
        invocation.FunctionArn.Should().Be("arn:aws:lambda:eu-west-1:123456789012:function:lease");
        invocation.TraceId.Should().StartWith("Root=1-5759e988");
        Encoding.UTF8.GetString(invocation.Payload.Span).Should().Be("""{"action":"acquire"}""");
        var answer = await outcome;
        answer.IsError.Should().BeFalse();
        answer.PayloadText.Should().Be("""{"status":"wait"}""");
    }

    [Fact]
    public async Task An_invocation_error_reaches_the_caller_with_its_type_in_the_body_and_the_header()
    {
        var outcome = _server.Enqueue(new InvocationRequest("req-2", [], DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds(), "arn:fn", null));
        var invocation = await _client.NextAsync(CancellationToken.None);

        await _client.ReportErrorAsync(invocation.RequestId, new ErrorResponse("bad input", InvalidRequestException.Name, []), CancellationToken.None);

        var answer = await outcome;
        answer.IsError.Should().BeTrue();
        answer.ErrorType.Should().Be(InvalidRequestException.Name);
        answer.ErrorMessage.Should().Be("bad input");
        answer.HeaderErrorType.Should().Be(InvalidRequestException.Name);
    }

    [Fact]
    public async Task An_init_error_is_reported_on_its_own_path()
    {
        await _client.ReportInitErrorAsync(new ErrorResponse("LEASE_TABLE_NAME is required", ConfigurationException.Name, []), CancellationToken.None);

        var error = await _server.InitError.WaitAsync(TimeSpan.FromSeconds(10));
        error.ErrorType.Should().Be(ConfigurationException.Name);
        error.ErrorMessage.Should().Contain("LEASE_TABLE_NAME");
    }

    [Fact]
    public async Task Next_waits_for_work_until_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var act = () => _client.NextAsync(cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void The_DynamoDB_client_retries_in_standard_mode_within_the_functions_time()
    {
        using var client = DynamoDbClientFactory.Create("eu-west-1");
        var config = (Amazon.DynamoDBv2.AmazonDynamoDBConfig)client.Config;

        config.RegionEndpoint.Should().Be(Amazon.RegionEndpoint.EUWest1);
        config.RetryMode.Should().Be(Amazon.Runtime.RequestRetryMode.Standard);
        config.MaxErrorRetry.Should().Be(3);
        config.Timeout.Should().Be(TimeSpan.FromSeconds(3));
    }
}
