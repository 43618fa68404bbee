namespace LeaseManager.Leasing;

/// <summary>The operator's actions: see who holds and who waits, release by hand, change the limit without a deploy.</summary>
public sealed partial class LeasePool
{
    /// <summary>Most leases and waiters one status lists (each): the counts and the oldest wait always cover all of them.</summary>
    public const int MaxStatusEntries = 1000;

    /// <summary>
    /// The pool as an operator needs it: limits, live leases, queued waiters and the oldest wait.
    /// One consistent read of the slots, plus one of the queue with the callback strategy; the lists
    /// are bounded by <paramref name="maxEntries"/>, the counts and the oldest wait are not.
    /// </summary>
    /// <param name="maxEntries">How many leases and how many waiters to list (0 to <see cref="MaxStatusEntries"/>).</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The pool's state as of the read.</returns>
    /// <exception cref="InvalidRequestException"><paramref name="maxEntries"/> is out of bounds.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing.</exception>
    public async Task<PoolStatus> GetStatusAsync(int maxEntries = 100, CancellationToken cancellationToken = default)
    {
        if (maxEntries is < 0 or > MaxStatusEntries)
        {
            throw new InvalidRequestException($"max_entries {maxEntries} must be between 0 and {MaxStatusEntries}.");
        }

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        _hints.Refresh(snapshot);
        var now = snapshot.ReadAtMs;
        var limit = snapshot.EffectiveLimit(_options.MaxConcurrentLeases);
        var live = snapshot.Slots.Where(s => s.IsLiveAt(now)).OrderBy(s => s.AcquiredAtMs ?? s.RequestedAtMs ?? 0).ThenBy(s => s.Slot).ToList();
        var leases = live.Take(maxEntries)
            .Select(s => new HeldLease(s.LeaseId, s.Slot, s.OwnerId, s.ResourceId, s.AcquiredAtMs, s.ExpiresAtMs, s.Renewals, s.Slot >= limit, s.ConcurrencyKey))
            .ToList();

        // Both queues, in the one order they share: waiters for a slot and waiters for room in their key.
        var queue = _options.HandOffToWaiters ? await _store.QueueAsync(cancellationToken).ConfigureAwait(false) : [];
        if (_options.HandOffToWaiters && _options.MaxConcurrentLeasesPerKey is not null)
        {
            queue = [.. queue.Concat(await _store.KeyQueuesAsync(null, cancellationToken).ConfigureAwait(false)).OrderBy(e => LeaseItem.QueueOrder(e.QueueKey), StringComparer.Ordinal)];
        }

        var waiters = queue.Take(maxEntries)
            .Select((e, i) => new WaitingOwner(i + 1, e.OwnerId, e.ResourceId, e.Priority, e.QueuedAtMs, e.ConcurrencyKey, !e.InPoolQueue))
            .ToList();
        long? oldest = queue.Count > 0 ? Math.Max(0, now - queue.Min(e => e.QueuedAtMs)) : null;
        return new PoolStatus(_options.MaxConcurrentLeases, snapshot.StoredLimit, limit, live.Count, leases, queue.Count, waiters, oldest, now);
    }

    /// <summary>
    /// Releases a lease by hand, fenced like any release (a lease already gone or re-granted is left
    /// alone); with the callback strategy the slot goes to the head of the queue.
    /// </summary>
    /// <param name="leaseId">The lease to free (from <see cref="GetStatusAsync"/>).</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The lease when this call freed it; empty when it was no longer held.</returns>
    /// <exception cref="InvalidRequestException">The id is not one this library issues.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; safe to repeat.</exception>
    public async Task<ForceReleaseOutcome> ForceReleaseAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var released = await ReleaseAsync(leaseId, cancellationToken).ConfigureAwait(false);
        return new ForceReleaseOutcome(released.Released ? [released.LeaseId] : []);
    }

    /// <summary>
    /// Releases every live lease of an owner (for one resource, when given), each fenced on its own
    /// id. Unlike a reclaim, the owner's queued waits stay queued: it may still be running.
    /// </summary>
    /// <param name="ownerId">The holder (an execution ARN) whose leases to free.</param>
    /// <param name="resourceId">Only its lease for this resource; null: all of them.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The leases this call freed.</returns>
    /// <exception cref="InvalidRequestException">The owner or resource is out of bounds.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; safe to repeat.</exception>
    public async Task<ForceReleaseOutcome> ForceReleaseOwnerAsync(string ownerId, string? resourceId = null, CancellationToken cancellationToken = default)
    {
        LeaseRequestLimits.CheckOwner(ownerId, resourceId);
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var released = new List<string>();
        foreach (var slot in snapshot.Slots.Where(s => s.IsLiveAt(snapshot.ReadAtMs)
            && string.Equals(s.OwnerId, ownerId, StringComparison.Ordinal)
            && (resourceId is null || string.Equals(s.ResourceId, resourceId, StringComparison.Ordinal))))
        {
            if (LeaseId.TryParse(slot.LeaseId, out var id) && (await ReleaseExactAsync(id.Value, cancellationToken).ConfigureAwait(false)).Released)
            {
                released.Add(slot.LeaseId);
            }
        }

        return new ForceReleaseOutcome(released);
    }

    /// <summary>
    /// Stores the pool's limit in the table, in force from the next acquire without a redeploy; null
    /// goes back to the configured limit. Raising admits at once (with the callback strategy, queued
    /// waiters get the new room now). Lowering never grants a lease while the live ones are at or
    /// above the new limit: the leases above it end (released or expired) and are not passed on.
    /// A lowered limit reaches each instance at its next read of the pool, which blind one-write
    /// grants put off by <see cref="LeasePoolOptions.LimitRefreshSeconds"/> at most: so this call
    /// waits that long, plus a second, before it answers, and then every instance honours it.
    /// </summary>
    /// <param name="limit">The new limit, 1 to the configured limit (the upper bound); null: the configured limit.</param>
    /// <param name="cancellationToken">Abandons the call (a stored limit stays stored).</param>
    /// <returns>The limits before and after, and what the change did.</returns>
    /// <exception cref="InvalidRequestException">The limit is out of bounds; nothing was written.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; setting the same limit again is safe.</exception>
    public async Task<SetLimitOutcome> SetLimitAsync(int? limit, CancellationToken cancellationToken = default)
    {
        var configured = _options.MaxConcurrentLeases;
        if (limit is < 1 || limit > configured)
        {
            throw new InvalidRequestException(
                $"limit {limit} must be between 1 and {configured}, the configured max_concurrent_leases (the upper bound a limit set at run time may not exceed).");
        }

        var previousStored = await _store.StoreLimitAsync(limit, cancellationToken).ConfigureAwait(false);
        var previous = Math.Min(previousStored ?? configured, configured);
        var now = limit ?? configured;
        long waited = 0;
        if (now < previous)
        {
            // Measured on the clock the instances' trust is judged by (a timer may fire a little
            // early by it): wait again for whatever is left, a few times at most.
            var started = NowMs();
            var until = started + (1000L * (_options.LimitRefreshSeconds + 1));
            for (var i = 0; i < 3 && NowMs() < until; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, until - NowMs())), _clock, cancellationToken).ConfigureAwait(false);
            }

            waited = NowMs() - started;
        }

        var handed = now > previous && _options.HandOffToWaiters ? (await FillFreeSlotsAsync(cancellationToken).ConfigureAwait(false)).HandedOff : 0;
        var after = await ReadAsync(cancellationToken).ConfigureAwait(false);
        _hints.Refresh(after);
        return new SetLimitOutcome(previous, after.EffectiveLimit(configured), after.StoredLimit, configured, after.LiveCount, handed, waited);
    }
}
