namespace LeaseManager.Leasing;

/// <summary>
/// Tells a queued waiter that a lease was handed to it (the callback strategy: Step Functions'
/// <c>SendTaskSuccess</c> with the waiter's task token). Called after the hand-off is written, so a
/// notification that never arrives leaves the lease with the waiter, and its re-ask
/// (<see cref="LeasePool.WaitAsync"/>) finds it.
/// </summary>
public interface ILeaseWaiterNotifier
{
    /// <summary>Delivers <paramref name="grant"/> to <paramref name="waiter"/>.</summary>
    /// <param name="waiter">Who was granted, with the token to wake it by.</param>
    /// <param name="grant">The lease, exactly as an acquire would have answered it.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns><see cref="WaiterNotification.WaiterGone"/> when the waiter can no longer be woken (its wait ended): the pool then takes the grant back.</returns>
    /// <exception cref="TransientFailureException">Throttling or a server fault after retries: the grant stays with the waiter.</exception>
    ValueTask<WaiterNotification> NotifyGrantedAsync(QueuedWaiter waiter, AcquireOutcome grant, CancellationToken cancellationToken);
}

/// <summary>What a notification achieved.</summary>
public enum WaiterNotification
{
    /// <summary>The waiter has been told (or will be: the wake-up was accepted).</summary>
    Delivered,

    /// <summary>The waiter no longer waits (its task timed out, or the token is invalid or unknown).</summary>
    WaiterGone,
}

/// <summary>One queued waiter as read from the queue.</summary>
/// <param name="WakeToken">What wakes it (a Step Functions task token).</param>
/// <param name="OwnerId">Who waits (an execution ARN).</param>
/// <param name="ResourceId">What it waits for.</param>
/// <param name="Priority">Higher is served first; 0 is the default.</param>
/// <param name="QueuedAtMs">When it first queued (epoch ms): its place within its priority.</param>
public sealed record QueuedWaiter(string WakeToken, string? OwnerId, string? ResourceId, int Priority, long QueuedAtMs);

/// <summary>A waiter's queueing call (callback strategy).</summary>
/// <param name="WakeToken">What wakes it; a re-ask with a new token replaces the old one and keeps the place.</param>
/// <param name="OwnerId">Who waits (an execution ARN); with <paramref name="ResourceId"/> the idempotency key, as for acquire.</param>
/// <param name="ResourceId">What it waits for.</param>
/// <param name="LeaseDurationSeconds">The lease it will be handed; null: the pool's longest.</param>
/// <param name="Priority">0..1000, higher first; FIFO within one priority.</param>
/// <param name="RequestedAtMs">When it was asked for (epoch ms); null: the call's start. Reclaim compares it with the execution's end.</param>
/// <param name="ConcurrencyKey">The key its lease will count against: while the key is full it waits in the key's own queue, holding up no other key.</param>
public sealed record WaitRequest(
    string WakeToken,
    string OwnerId,
    string? ResourceId = null,
    int? LeaseDurationSeconds = null,
    int Priority = 0,
    long? RequestedAtMs = null,
    string? ConcurrencyKey = null);

/// <summary>How a <see cref="LeasePool.WaitAsync"/> ended.</summary>
public enum WaitStatus
{
    /// <summary>The waiter is in the queue; it is woken when a slot is handed to it.</summary>
    Queued,

    /// <summary>The waiter already held a lease (or was just handed one): the notifier was called with it.</summary>
    Delivered,
}

/// <summary>The answer to a queueing call.</summary>
/// <param name="Status">Queued or delivered.</param>
/// <param name="Lease">The lease delivered to this waiter, when <see cref="WaitStatus.Delivered"/>.</param>
public sealed record WaitOutcome(WaitStatus Status, Lease? Lease);

/// <summary>What one sweep did: expired slots found below the limit and handed to queued waiters.</summary>
/// <param name="ExpiredSlots">Slots below the limit whose lease had expired when the pool was read.</param>
/// <param name="HandedOff">Grants written to waiters (free or expired slots, including re-grants after a dead waiter).</param>
/// <param name="WaitersGone">Waiters that could no longer be woken; their grants were taken back.</param>
public sealed record SweepOutcome(int ExpiredSlots, int HandedOff, int WaitersGone);
