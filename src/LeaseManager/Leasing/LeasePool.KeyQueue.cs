namespace LeaseManager.Leasing;

/// <summary>
/// Concurrency keys with the callback strategy. A waiter whose key is full waits in its key's own
/// queue, so it holds up no other key; when its key has room (a release of the key, an expiry the
/// sweep finds) the key's head moves into the pool's queue at the place its arrival gives it, and is
/// handed the next free slot in that order. A hand-off to a waiter whose key filled up meanwhile
/// moves it back to its key's queue and serves the next waiter.
/// </summary>
public sealed partial class LeasePool
{
    /// <summary>Waiters of one key let into the pool's queue per call (each one read and one transaction).</summary>
    private const int PromotionsPerCall = 8;

    /// <summary>Keys' queues the sweep reads (waiters, across keys) per run.</summary>
    private const int SweptKeyWaiters = 200;

    /// <summary>
    /// Whether a keyed waiter must wait in its key's own queue: others of its key wait there, or the
    /// key's live leases and its waiters already in the pool's queue fill its limit.
    /// </summary>
    private async Task<bool> KeyIsBusyAsync(KeyClaim key, PoolSnapshot snapshot, CancellationToken ct)
    {
        var facts = await _store.ReadKeyAsync(key.Hash, ct).ConfigureAwait(false);
        return facts.Waiting > 0 || LiveSlotsOf(snapshot, key.Hash).Count + facts.Pooled >= facts.EffectiveLimit(key.ConfiguredLimit);
    }

    /// <summary>
    /// Moves the heads of a key's own queue into the pool's queue while the key has room for them:
    /// its live leases (less <paramref name="leavingSlot"/>'s, being released) plus its waiters already
    /// in the pool's queue stay below its limit. Each costs a read of the queue's head, of the key
    /// item and of the pool, and one transaction.
    /// </summary>
    /// <returns>How many moved.</returns>
    private async Task<int> PromoteKeyWaitersAsync(string? keyHash, int? leavingSlot, CancellationToken ct)
    {
        var promoted = 0;
        for (var i = 0; keyHash is not null && i < PromotionsPerCall; i++)
        {
            // The key item first, then the head: a waiter moved back to the key's queue before this
            // read is the head read after it; the move then commits only while the key item's count
            // of waiters in the pool's queue is still what this read saw.
            var facts = await _store.ReadKeyAsync(keyHash, ct).ConfigureAwait(false);
            var head = await _store.KeyQueueHeadAsync(keyHash, ct).ConfigureAwait(false);
            if (head is null || KeyOf(head) is not { } key)
            {
                return promoted;
            }

            var snapshot = await ReadAsync(ct).ConfigureAwait(false);
            var live = LiveSlotsOf(snapshot, keyHash).Count(s => s != leavingSlot);
            if (live + facts.Pooled >= facts.EffectiveLimit(key.ConfiguredLimit))
            {
                // No room for one more of this key: the ones already in the pool's queue, and the
                // leases held, fill it.
                return promoted;
            }

            if (await _store.MoveQueuedAsync(head, LeaseItem.QueuePrefix + LeaseItem.QueueOrder(head.QueueKey), ct, facts.Pooled).ConfigureAwait(false))
            {
                promoted++;
            }
        }

        return promoted;
    }

    /// <summary>
    /// Keeps each key's order across the two queues after a waiter joined its key's own queue: two
    /// waiters of a key queueing at once may land the later arrival in the pool's queue (the key had
    /// room for one) and the earlier one in the key's queue. While a waiter of the key in the pool's
    /// queue arrived after the key queue's head, they swap places. Costs a read of the pool's queue
    /// from the head's place on (the waiters that arrived after it), only when the key has waiters in both.
    /// </summary>
    private async Task RebalanceKeyAsync(string keyHash, CancellationToken ct)
    {
        for (var i = 0; i < PromotionsPerCall; i++)
        {
            var head = await _store.KeyQueueHeadAsync(keyHash, ct).ConfigureAwait(false);
            if (head is null || (await _store.ReadKeyAsync(keyHash, ct).ConfigureAwait(false)).Pooled == 0)
            {
                return;
            }

            var latest = (await _store.PooledAfterAsync(keyHash, LeaseItem.QueueOrder(head.QueueKey), ct).ConfigureAwait(false))
                .MaxBy(e => LeaseItem.QueueOrder(e.QueueKey), StringComparer.Ordinal);
            if (latest is null || string.CompareOrdinal(LeaseItem.QueueOrder(latest.QueueKey), LeaseItem.QueueOrder(head.QueueKey)) < 0)
            {
                return;
            }

            if (await DemoteAsync(latest, ct).ConfigureAwait(false))
            {
                await _store.MoveQueuedAsync(head, LeaseItem.QueuePrefix + LeaseItem.QueueOrder(head.QueueKey), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The sweep's part for keys: every key with waiters in its own queue gets its heads let through while it has room (an expiry frees room without a release).</summary>
    private async Task PromoteAllKeyWaitersAsync(CancellationToken ct)
    {
        if (_options.MaxConcurrentLeasesPerKey is null)
        {
            return;
        }

        var waiting = await _store.KeyQueuesAsync(SweptKeyWaiters, ct).ConfigureAwait(false);
        foreach (var keyHash in waiting.Select(e => e.KeyHash).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await PromoteKeyWaitersAsync(keyHash, null, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The key of a queued waiter, as a claim for its hand-off; null for an unkeyed waiter.</summary>
    private KeyClaim? KeyOf(QueueEntry waiter) =>
        waiter.ConcurrencyKey is { } key && _options.KeyLimitFor(key) is { } limit ? new KeyClaim(key, waiter.KeyHash ?? OwnerKey.HashKey(key), limit) : null;

    /// <summary>Prunes the slots of a waiter's key whose leases ended; true if any went (the key may have room now).</summary>
    private async Task<bool> PruneEndedAsync(QueueEntry waiter, CancellationToken ct)
    {
        if (waiter.KeyHash is not { } keyHash)
        {
            return false;
        }

        var facts = await _store.ReadKeyAsync(keyHash, ct).ConfigureAwait(false);
        var snapshot = await ReadAsync(ct).ConfigureAwait(false);
        var live = LiveSlotsOf(snapshot, keyHash);
        var ended = facts.Slots.Where(s => !live.Contains(s)).Take(MaxPrunedPerCall).ToList();
        return ended.Count > 0 && await _store.PruneKeyAsync(keyHash, ended, snapshot.ReadAtMs, ct).ConfigureAwait(false);
    }

    /// <summary>The key hash of the lease a fence names, if it is keyed.</summary>
    private static string? KeyOfLease(SlotFence fence) =>
        fence.LeaseId is { } text && LeaseId.TryParse(text, out var id) ? id.Value.KeyHash : null;

    /// <summary>A hand-off found the waiter's key full: back to its key's own queue, in its place there.</summary>
    private Task<bool> DemoteAsync(QueueEntry waiter, CancellationToken ct) =>
        _store.MoveQueuedAsync(waiter, LeaseItem.KeyQueueItemKey(waiter.KeyHash!, LeaseItem.QueueOrder(waiter.QueueKey)), ct);
}
