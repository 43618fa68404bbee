using System.Text.Json;
using LeaseManager.StepFunctions;

namespace LeaseManager.Tests.StepFunctions;

/// <summary>The function's notifier: what a waiter's Task receives, and when the pool takes a grant back.</summary>
public sealed class TaskTokenWaiterNotifierTests
{
    private sealed class RecordingClient(TaskTokenResult result) : IStepFunctionsTaskClient
    {
        public List<(string Token, string Output)> Sent { get; } = [];

        public Task<TaskTokenResult> SendTaskSuccessAsync(string taskToken, string outputJson, CancellationToken cancellationToken)
        {
            Sent.Add((taskToken, outputJson));
            return Task.FromResult(result);
        }

        public Task<TaskTokenResult> SendTaskFailureAsync(string taskToken, string error, string cause, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a grant is never a failure");

        public Task<TaskTokenResult> SendTaskHeartbeatAsync(string taskToken, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no heartbeats");
    }

    private static readonly QueuedWaiter Waiter = new("token-1", "arn:exec:1", "job-1", 0, 1_700_000_000_000);
    private static readonly AcquireOutcome Grant = new(AcquireStatus.Acquired, new Lease("0002.-.0123456789abcdef", 2, 1_700_000_600_000), 3, 5);

    [Fact]
    public async Task The_waiters_task_gets_exactly_what_AcquireLease_answers()
    {
        var client = new RecordingClient(TaskTokenResult.Accepted);

        var result = await new TaskTokenWaiterNotifier(client).NotifyGrantedAsync(Waiter, Grant, CancellationToken.None);

        result.Should().Be(WaiterNotification.Delivered);
        client.Sent.Should().ContainSingle().Which.Token.Should().Be("token-1");
        var output = JsonDocument.Parse(client.Sent[0].Output).RootElement;
        output.GetRawText().Should().Be("""{"status":"acquired","lease_id":"0002.-.0123456789abcdef","lease_expires_at":1700000600,"current_running":3,"max_concurrent_leases":5,"limited_by":null}""");
    }

    [Theory]
    [InlineData(TaskTokenResult.TaskTimedOut)]
    [InlineData(TaskTokenResult.InvalidToken)]
    [InlineData(TaskTokenResult.TaskDoesNotExist)]
    public async Task A_task_that_no_longer_waits_gives_the_grant_back(TaskTokenResult answer) =>
        (await new TaskTokenWaiterNotifier(new RecordingClient(answer)).NotifyGrantedAsync(Waiter, Grant, CancellationToken.None))
            .Should().Be(WaiterNotification.WaiterGone);
}
