namespace LeaseManager.Leasing;

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
public sealed record AcquireRequest(
    string? OwnerId = null,
    string? ResourceId = null,
    int? LeaseDurationSeconds = null,
    bool FailIfUnavailable = false,
    int? Attempt = null,
    long? RequestedAtMs = null);

public enum AcquireStatus
{
    Acquired,
    Wait,
}

/// <summary>A granted lease. It counts against the pool until <see cref="ExpiresAtMs"/> or release.</summary>
public sealed record Lease(string LeaseId, int Slot, long ExpiresAtMs)
{
    /// <summary>Whole epoch seconds, rounded down so a holder never believes it holds longer than it does.</summary>
    public long ExpiresAtEpochSeconds => ExpiresAtMs / 1000;
}

public sealed record AcquireOutcome(
    AcquireStatus Status,
    Lease? Lease,
    int? CurrentRunning,
    int MaxConcurrentLeases,
    bool Reused = false,
    bool ReclaimedExpired = false);

public sealed record ReleaseOutcome(string LeaseId, bool Released);

/// <summary>What a reclaim released: the leases of one owner (an ended execution), over one or two sweeps.</summary>
public sealed record ReclaimOutcome(string OwnerId, IReadOnlyList<string> ReleasedLeaseIds, int Sweeps);

public sealed record RenewOutcome(string LeaseId, long ExpiresAtMs)
{
    public long ExpiresAtEpochSeconds => ExpiresAtMs / 1000;
}

/// <summary>One slot item as read from the table.</summary>
/// <param name="RequestedAtMs">When the acquire that wrote it was asked for (older items: when it was written).</param>
public sealed record SlotState(int Slot, string LeaseId, string? OwnerHash, string? OwnerId, string? ResourceId, long ExpiresAtMs, long? RequestedAtMs = null)
{
    public bool IsLiveAt(long nowMs) => ExpiresAtMs > nowMs;
}

/// <summary>A strongly consistent read of every slot item of a pool (and its gate, read first).</summary>
/// <param name="ReadAtMs">
/// The clock when the read STARTED: a lease judged expired at that time was expired before its item
/// was read, so no renew can have revived it since (renew requires a live lease).
/// </param>
/// <param name="GateVersion">The gate item's version; null while the pool has no gate item.</param>
public sealed record PoolSnapshot(IReadOnlyList<SlotState> Slots, long ReadAtMs, long? GateVersion = null)
{
    public int LiveCount => Slots.Count(s => s.IsLiveAt(ReadAtMs));

    /// <summary>Whether a lease sits live in a slot at or above <paramref name="limit"/> (left by an older, larger limit).</summary>
    public bool HasLiveBeyond(int limit) => Slots.Any(s => s.Slot >= limit && s.IsLiveAt(ReadAtMs));
}
