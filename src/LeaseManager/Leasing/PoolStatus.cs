namespace LeaseManager.Leasing;

/// <summary>What an operator sees of a pool: its limit, who holds, who waits, and for how long.</summary>
/// <param name="ConfiguredLimit">The limit the pool was configured with (Terraform's <c>max_concurrent_leases</c>): the default and the upper bound.</param>
/// <param name="StoredLimit">The limit an operator set at run time; null when none is set.</param>
/// <param name="Limit">The limit in force: <paramref name="StoredLimit"/> when set, else <paramref name="ConfiguredLimit"/>.</param>
/// <param name="HeldCount">Live leases, all of them (a lowered limit can leave more than <paramref name="Limit"/> until they end).</param>
/// <param name="Leases">Live leases, oldest first, at most the number asked for.</param>
/// <param name="WaitingCount">Queued waiters (callback strategy), all of them; 0 without a queue.</param>
/// <param name="Waiters">Queued waiters in the order they will be served, at most the number asked for.</param>
/// <param name="OldestWaitMs">How long the longest-waiting waiter has been queued (ms), over the whole queue; null when nobody waits.</param>
/// <param name="ReadAtMs">When the read began (epoch ms): liveness and ages are judged at this time.</param>
public sealed record PoolStatus(
    int ConfiguredLimit,
    int? StoredLimit,
    int Limit,
    int HeldCount,
    IReadOnlyList<HeldLease> Leases,
    int WaitingCount,
    IReadOnlyList<WaitingOwner> Waiters,
    long? OldestWaitMs,
    long ReadAtMs)
{
    /// <summary>Some live leases are not listed (more than the number asked for).</summary>
    public bool LeasesTruncated => Leases.Count < HeldCount;

    /// <summary>Some waiters are not listed (more than the number asked for).</summary>
    public bool WaitersTruncated => Waiters.Count < WaitingCount;
}

/// <summary>One live lease, as the operator's view lists it.</summary>
/// <param name="LeaseId">Its id: what <see cref="LeasePool.ForceReleaseAsync(string, CancellationToken)"/> takes.</param>
/// <param name="Slot">The slot it occupies.</param>
/// <param name="OwnerId">Who holds it (an execution ARN); null for an anonymous lease.</param>
/// <param name="ResourceId">What it is for, when the holder said.</param>
/// <param name="AcquiredAtMs">When it was granted (epoch ms); null on items written by older versions.</param>
/// <param name="ExpiresAtMs">When it stops counting unless renewed (epoch ms).</param>
/// <param name="Renewals">How many times it was renewed (a renewal retried after a lost answer may count twice).</param>
/// <param name="AboveLimit">It sits in a slot at or above the limit in force: left from a larger limit, it ends without being passed on.</param>
/// <param name="ConcurrencyKey">The concurrency key it counts against; null: none.</param>
public sealed record HeldLease(string LeaseId, int Slot, string? OwnerId, string? ResourceId, long? AcquiredAtMs, long ExpiresAtMs, int Renewals, bool AboveLimit, string? ConcurrencyKey = null);

/// <summary>One queued waiter (callback strategy), as the operator's view lists it.</summary>
/// <param name="Position">1 for the next to be served.</param>
/// <param name="OwnerId">Who waits (an execution ARN).</param>
/// <param name="ResourceId">What it waits for, when it said.</param>
/// <param name="Priority">Its priority: higher is served first, then earlier arrival.</param>
/// <param name="QueuedAtMs">When it first asked (epoch ms); a re-ask keeps its place and this time.</param>
/// <param name="ConcurrencyKey">The key its lease will count against; null: none.</param>
/// <param name="WaitsForKey">It waits in its key's own queue (the key is full), not for a slot of the pool.</param>
public sealed record WaitingOwner(int Position, string OwnerId, string? ResourceId, int Priority, long QueuedAtMs, string? ConcurrencyKey = null, bool WaitsForKey = false);

/// <summary>The answer to <see cref="LeasePool.SetLimitAsync"/>.</summary>
/// <param name="PreviousLimit">The limit in force before.</param>
/// <param name="Limit">The limit in force now.</param>
/// <param name="StoredLimit">What is stored now; null when the configured limit applies again.</param>
/// <param name="ConfiguredLimit">The upper bound (the configured limit).</param>
/// <param name="HeldCount">Live leases after the change: above <paramref name="Limit"/> until the extra holders end.</param>
/// <param name="HandedOff">Queued waiters granted a slot at once because the limit went up (callback strategy).</param>
/// <param name="WaitedMs">How long the call waited for every instance to learn a lowered limit (see <see cref="LeasePoolOptions.LimitRefreshSeconds"/>).</param>
public sealed record SetLimitOutcome(int PreviousLimit, int Limit, int? StoredLimit, int ConfiguredLimit, int HeldCount, int HandedOff, long WaitedMs);

/// <summary>The answer to a forced release.</summary>
/// <param name="ReleasedLeaseIds">The leases this call freed (or handed to queued waiters); empty when none was held.</param>
public sealed record ForceReleaseOutcome(IReadOnlyList<string> ReleasedLeaseIds);

/// <summary>One concurrency key as its key item and the pool's slots show it.</summary>
/// <param name="ConcurrencyKey">The key.</param>
/// <param name="Held">Live leases under the key.</param>
/// <param name="Limit">The key's limit in force: the stored one, else the configured one.</param>
/// <param name="StoredLimit">An operator's limit stored in the table; null: none.</param>
/// <param name="ConfiguredLimit">The limit this process is configured with for the key (its override, else the per-key default).</param>
public sealed record KeyStatus(string ConcurrencyKey, int Held, int Limit, int? StoredLimit, int ConfiguredLimit);
