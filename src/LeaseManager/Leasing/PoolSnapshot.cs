namespace LeaseManager.Leasing;

/// <summary>One slot item as read from the table.</summary>
/// <param name="Slot">The slot number its sort key names.</param>
/// <param name="LeaseId">The lease that holds (or last held) it: what fenced writes compare.</param>
/// <param name="OwnerHash">The hash of (owner, resource), for idempotent acquire; null for anonymous leases.</param>
/// <param name="OwnerId">The owner in clear, which reclaim matches on.</param>
/// <param name="ResourceId">What the lease was for.</param>
/// <param name="ExpiresAtMs">When it stops counting (epoch ms).</param>
/// <param name="RequestedAtMs">When the acquire that wrote it was asked for (older items: when it was written).</param>
/// <param name="AcquiredAtMs">When the lease was written (epoch ms); null on items written before it was stored.</param>
/// <param name="Renewals">How many times it was renewed.</param>
/// <param name="ConcurrencyKey">The concurrency key the lease counts against; null: none.</param>
/// <param name="KeyHash">That key's hash (names its key item).</param>
internal sealed record SlotState(int Slot, string LeaseId, string? OwnerHash, string? OwnerId, string? ResourceId, long ExpiresAtMs, long? RequestedAtMs = null, long? AcquiredAtMs = null, int Renewals = 0, string? ConcurrencyKey = null, string? KeyHash = null)
{
    public bool IsLiveAt(long nowMs) => ExpiresAtMs > nowMs;
}

/// <summary>A strongly consistent read of every slot item of a pool (and its gate, read first).</summary>
/// <param name="Slots">Every slot item, live or expired (an expired one is free to claim).</param>
/// <param name="ReadAtMs">
/// The clock when the read STARTED: a lease judged expired at that time was expired before its item
/// was read, so no renew can have revived it since (renew requires a live lease).
/// </param>
/// <param name="GateVersion">The gate item's version; null while the pool has no gate item.</param>
/// <param name="StoredLimit">The limit an operator set at run time (on the gate item); null: none set.</param>
internal sealed record PoolSnapshot(IReadOnlyList<SlotState> Slots, long ReadAtMs, long? GateVersion = null, int? StoredLimit = null)
{
    /// <summary>The limit in force: the stored one, never above the configured one (the upper bound).</summary>
    public int EffectiveLimit(int configured) => StoredLimit is { } stored ? Math.Clamp(stored, 1, configured) : configured;

    public int LiveCount => Slots.Count(s => s.IsLiveAt(ReadAtMs));

    /// <summary>Whether a lease sits live in a slot at or above <paramref name="limit"/> (left by an older, larger limit).</summary>
    public bool HasLiveBeyond(int limit) => Slots.Any(s => s.Slot >= limit && s.IsLiveAt(ReadAtMs));
}
