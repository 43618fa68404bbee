using LeaseManager.Contract;
using LeaseManager.Leasing;

namespace LeaseManager.StepFunctions;

/// <summary>
/// Wakes a queued execution the Step Functions way: its <c>WaitForLease</c> Task (a
/// <c>.waitForTaskToken</c> Task) completes with the lease, written exactly as <c>AcquireLease</c>
/// answers it, so the workflow finds it at the same place whichever way it got it.
/// </summary>
public sealed class TaskTokenWaiterNotifier : ILeaseWaiterNotifier
{
    private readonly IStepFunctionsTaskClient _client;

    public TaskTokenWaiterNotifier(IStepFunctionsTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <see cref="TaskTokenResult.TaskTimedOut"/>, <see cref="TaskTokenResult.InvalidToken"/> and
    /// <see cref="TaskTokenResult.TaskDoesNotExist"/> mean the Task no longer waits (it timed out and
    /// re-asked with a new token, or its execution ended): the pool takes the grant back. Throttling
    /// and server faults reach the pool as <see cref="TransientFailureException"/> after the client's
    /// retries, and the grant stays with the waiter, whose re-ask finds it.
    /// </remarks>
    public async ValueTask<WaiterNotification> NotifyGrantedAsync(QueuedWaiter waiter, AcquireOutcome grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        ArgumentNullException.ThrowIfNull(grant);
        var lease = grant.Lease ?? throw new ArgumentException("A grant carries its lease.", nameof(grant));
        var output = new LeaseAcquired(lease, grant.CurrentRunning, grant.MaxConcurrentLeases, grant.ReclaimedExpired).ToUtf8Json();
        var result = await _client.SendTaskSuccessAsync(waiter.WakeToken, System.Text.Encoding.UTF8.GetString(output), cancellationToken).ConfigureAwait(false);
        return result == TaskTokenResult.Accepted ? WaiterNotification.Delivered : WaiterNotification.WaiterGone;
    }
}
