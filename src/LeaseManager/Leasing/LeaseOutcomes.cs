namespace LeaseManager.Leasing;

/// <summary>
/// One low-level acquire: who asks, for what, for how long, and what the caller knows about its own
/// earlier tries. The lock-style <see cref="LeasePool.TryAcquireAsync"/> builds these for you; the
/// Step Functions contract maps its JSON fields onto them one to one.
/// </summary>
/// <param name="OwnerId">
/// Who holds the lease (a Step Functions execution ARN). With it, acquire is idempotent per
/// (owner, resource) and a reclaim can free the owner's leases; without it the lease is anonymous
/// and only its id can free it.
/// </param>
/// <param name="ResourceId">What the lease is for: part of the idempotency key, stored for diagnosis.</param>
/// <param name="LeaseDurationSeconds">How long the lease counts without renewal; null: the pool's longest.</param>
/// <param name="FailIfUnavailable">
/// Throw <see cref="LeaseUnavailableException"/> on a full pool instead of answering
/// <see cref="AcquireStatus.Wait"/>: for callers that route "full" through error handling.
/// </param>
/// <param name="Attempt">
/// 0 when the caller knows this owner holds no lease (a Step Functions Task's first attempt:
/// <c>$$.State.RetryCount</c>): one conditional write, no lookup. Greater than 0 (a retry) or null
/// (unknown): the owner's live lease is looked up first and returned if there is one.
/// </param>
/// <param name="RequestedAtMs">
/// When this acquire was asked for (epoch ms): the Lambda passes its invocation's start; null means
/// the call's own start. Stored on the lease; a reclaim releases only leases asked for before the
/// execution's end, so a redriven execution's new lease (same execution ARN) is never freed.
/// </param>
/// <param name="ConcurrencyKey">
/// The key the lease also counts against (a tenant, a customer, an event id): at most the key's limit
/// of live leases per key, under the pool's limit, both taken in one transaction. Null: the pool only.
/// Needs <see cref="LeasePoolOptions.MaxConcurrentLeasesPerKey"/>.
/// </param>
public sealed record AcquireRequest(
    string? OwnerId = null,
    string? ResourceId = null,
    int? LeaseDurationSeconds = null,
    bool FailIfUnavailable = false,
    int? Attempt = null,
    long? RequestedAtMs = null,
    string? ConcurrencyKey = null);

/// <summary>Which limit a <see cref="AcquireStatus.Wait"/> answer ran into.</summary>
public enum LeaseLimit
{
    /// <summary>The pool's limit (or, with the callback strategy, executions queued ahead).</summary>
    Pool,

    /// <summary>The concurrency key's limit: the pool may have room, this key has none.</summary>
    Key,
}

/// <summary>Whether an acquire got a lease. "Full" is an answer, not an error: the caller decides how to wait.</summary>
public enum AcquireStatus
{
    /// <summary>A lease is held: <see cref="AcquireOutcome.Lease"/> says which and until when.</summary>
    Acquired,

    /// <summary>Every slot is held by a live lease; try again later (nothing was written).</summary>
    Wait,
}

/// <summary>A granted lease. It counts against the pool until <see cref="ExpiresAtMs"/> or release.</summary>
/// <param name="LeaseId">The fencing token: release and renew act only while the slot still carries it.</param>
/// <param name="Slot">Which of the pool's slots holds it (0-based): useful in logs and when a limit is lowered.</param>
/// <param name="ExpiresAtMs">When it stops counting unless renewed (epoch ms, DynamoDB's clock is not involved: the caller's).</param>
public sealed record Lease(string LeaseId, int Slot, long ExpiresAtMs)
{
    /// <summary>Whole epoch seconds, rounded down so a holder never believes it holds longer than it does.</summary>
    public long ExpiresAtEpochSeconds => ExpiresAtMs / 1000;
}

/// <summary>The answer to one low-level acquire.</summary>
/// <param name="Status">Whether a lease was granted.</param>
/// <param name="Lease">The lease when <see cref="AcquireStatus.Acquired"/>; null when the pool was full.</param>
/// <param name="CurrentRunning">
/// Live leases as of the read behind this answer, for dashboards and logs; null when the grant took
/// one write and no read (the number would cost a Query the caller did not need).
/// </param>
/// <param name="MaxConcurrentLeases">The pool's limit, so "running of limit" reads without the options at hand.</param>
/// <param name="Reused">
/// The owner already held a live lease for this resource and got it back unchanged: a duplicate
/// acquire is the same lease, never a second slot.
/// </param>
/// <param name="ReclaimedExpired">The granted slot held an expired lease that this grant overwrote (self-healing, counted in metrics).</param>
/// <param name="LimitedBy">On <see cref="AcquireStatus.Wait"/>: which limit was reached (with a key, <see cref="CurrentRunning"/> and <see cref="MaxConcurrentLeases"/> are then the key's). Null on a grant.</param>
public sealed record AcquireOutcome(
    AcquireStatus Status,
    Lease? Lease,
    int? CurrentRunning,
    int MaxConcurrentLeases,
    bool Reused = false,
    bool ReclaimedExpired = false,
    LeaseLimit? LimitedBy = null);

/// <summary>The answer to a release.</summary>
/// <param name="LeaseId">The id that was asked for, echoed so a batch of answers can be matched up.</param>
/// <param name="Released">
/// False when the lease no longer held capacity (already released, or expired and re-granted):
/// safe to ignore, because either way it no longer counts.
/// </param>
public sealed record ReleaseOutcome(string LeaseId, bool Released);

/// <summary>What a reclaim released: the leases of one owner (an ended execution), over one or two sweeps.</summary>
/// <param name="OwnerId">The owner whose leases were looked for.</param>
/// <param name="ReleasedLeaseIds">The leases this call freed; empty when the owner held none (already released or expired).</param>
/// <param name="Sweeps">How many reads of the pool it took: 2 when it waited for a late acquire to land.</param>
public sealed record ReclaimOutcome(string OwnerId, IReadOnlyList<string> ReleasedLeaseIds, int Sweeps);

/// <summary>The answer to a renewal.</summary>
/// <param name="LeaseId">The renewed lease (unchanged: renewal never re-issues an id, so fencing keeps working).</param>
/// <param name="ExpiresAtMs">The new expiry (epoch ms): the call's time plus the requested duration.</param>
public sealed record RenewOutcome(string LeaseId, long ExpiresAtMs)
{
    /// <summary>Whole epoch seconds, rounded down so a holder never believes it holds longer than it does.</summary>
    public long ExpiresAtEpochSeconds => ExpiresAtMs / 1000;
}
