namespace LeaseManager.Leasing;

/// <summary>Concurrency keys: a lease counts against the pool and against its key, taken in one transaction.</summary>
public sealed partial class LeasePool
{
    private const int MaxPrunedPerCall = 48;

    /// <summary>The key a request names, checked; null without one.</summary>
    private KeyClaim? KeyOf(string? concurrencyKey)
    {
        if (concurrencyKey is null)
        {
            return null;
        }

        LeaseRequestLimits.CheckConcurrencyKey(concurrencyKey);
        var limit = _options.KeyLimitFor(concurrencyKey)
            ?? throw new InvalidRequestException($"Pool '{_options.LeasePrefix}' has no per-key limit (max_concurrent_leases_per_key), so it takes no concurrency_key.");
        return new KeyClaim(concurrencyKey, OwnerKey.HashKey(concurrencyKey), limit);
    }

    /// <summary>
    /// A grant found its key's set at the limit. The set may still count slots whose leases ended
    /// (expired, or handed to another key): those are pruned, each checked against its slot in the
    /// same transaction, and the caller tries again (null). When live leases fill the key, the answer
    /// is "wait" on the key.
    /// </summary>
    private async Task<AcquireOutcome?> KeyRoomAsync(Claimer claimer, KeyFacts full, CancellationToken cancellationToken)
    {
        var key = claimer.Key!;
        var limit = full.EffectiveLimit(key.ConfiguredLimit);
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var live = LiveSlotsOf(snapshot, key.Hash);
        var ended = full.Slots.Where(s => !live.Contains(s)).ToList();
        var counted = full.Slots.Count - ended.Count;

        if (counted >= limit || full.Waiting > 0)
        {
            // Full, or (callback strategy) waiters of this key queued first: they come first.
            return KeyBusy(claimer.Request, counted, limit);
        }

        if (ended.Count > 0)
        {
            await _store.PruneKeyAsync(key.Hash, ended.Take(MaxPrunedPerCall).ToList(), snapshot.ReadAtMs, cancellationToken).ConfigureAwait(false);
        }

        // Pruned, or the set changed since the failed grant read it: either way, try again.
        return null;
    }

    private static HashSet<int> LiveSlotsOf(PoolSnapshot snapshot, string keyHash) =>
        snapshot.Slots.Where(s => s.KeyHash == keyHash && s.IsLiveAt(snapshot.ReadAtMs)).Select(s => s.Slot).ToHashSet();

    private AcquireOutcome KeyBusy(AcquireRequest request, int running, int limit)
    {
        if (request.FailIfUnavailable)
        {
            throw new LeaseUnavailableException(
                $"All {limit} leases of concurrency key '{Shorten(request.ConcurrencyKey!)}' in pool '{_options.LeasePrefix}' are held.", running, limit);
        }

        return new AcquireOutcome(AcquireStatus.Wait, null, running, limit, LimitedBy: LeaseLimit.Key);
    }

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "..." : text;

    /// <summary>
    /// Stores a limit for one concurrency key in the table, in force from the next grant of any
    /// instance (every keyed grant's condition reads it); null goes back to the configured limit.
    /// Lowering never grants while the key's live leases are at or above the new limit.
    /// </summary>
    /// <param name="concurrencyKey">The key.</param>
    /// <param name="limit">1 to the pool's limit; null: the configured one.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The key as it stands after the change.</returns>
    /// <exception cref="InvalidRequestException">The key or limit is out of bounds, or the pool takes no keys; nothing was written.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; setting the same limit again is safe.</exception>
    public async Task<KeyStatus> SetKeyLimitAsync(string concurrencyKey, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(concurrencyKey);
        var key = KeyOf(concurrencyKey)!;
        if (limit is < 1 || limit > _options.MaxConcurrentLeases)
        {
            throw new InvalidRequestException($"A key's limit must be between 1 and {_options.MaxConcurrentLeases} (the pool's max_concurrent_leases); got {limit}.");
        }

        await _store.SetKeyLimitAsync(key.Key, key.Hash, limit, NowMs(), cancellationToken).ConfigureAwait(false);
        return await GetKeyStatusAsync(concurrencyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many leases a concurrency key holds and its limit: one read of the key item and one of the pool.</summary>
    /// <param name="concurrencyKey">The key.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The key's live leases and limits.</returns>
    /// <exception cref="InvalidRequestException">The key is out of bounds, or the pool takes no keys.</exception>
    public async Task<KeyStatus> GetKeyStatusAsync(string concurrencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(concurrencyKey);
        var key = KeyOf(concurrencyKey)!;
        var facts = await _store.ReadKeyAsync(key.Hash, cancellationToken).ConfigureAwait(false);
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return new KeyStatus(concurrencyKey, LiveSlotsOf(snapshot, key.Hash).Count, facts.EffectiveLimit(key.ConfiguredLimit), facts.StoredLimit, key.ConfiguredLimit);
    }
}
