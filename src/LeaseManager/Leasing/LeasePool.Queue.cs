namespace LeaseManager.Leasing;

/// <summary>
/// The callback strategy's entry points: queue a waiter, sweep expired slots to waiters, and the
/// release and reclaim paths that hand slots on instead of freeing them while anyone is queued.
/// </summary>
public sealed partial class LeasePool
{
    /// <summary>Rounds of "look, then write" a queueing call makes before it reports contention.</summary>
    private const int WaitRounds = 4;

    /// <summary>
    /// Queues a waiter (a Step Functions execution parked on a task token). Idempotent per owner: an
    /// owner that already holds a live lease gets it delivered again (G2); an owner already queued
    /// keeps its place and only its token is replaced. After queueing, free slots are handed to the
    /// head of the queue (a release may have freed one just before this waiter's item landed).
    /// </summary>
    /// <param name="request">Who waits, with which token, priority and lease duration.</param>
    /// <param name="cancellationToken">Abandons the call; a queue write already sent may still land (a re-ask finds it).</param>
    /// <returns>Queued, or delivered (the owner's lease was sent to the notifier).</returns>
    /// <exception cref="InvalidRequestException">The request is out of bounds; nothing was written.</exception>
    /// <exception cref="ConfigurationException">The pool does not hand off to waiters.</exception>
    /// <exception cref="TransientFailureException">DynamoDB or the notifier kept failing; the call is safe to repeat.</exception>
    public async Task<WaitOutcome> WaitAsync(WaitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireHandOff("wait");
        var requestedAt = request.RequestedAtMs ?? NowMs();
        if (string.IsNullOrEmpty(request.OwnerId))
        {
            throw new InvalidRequestException("owner_id is required to wait: it is how a re-ask finds its place and its lease.");
        }

        LeaseRequestLimits.CheckOwner(request.OwnerId, request.ResourceId);
        LeaseRequestLimits.CheckWaiter(request.WakeToken, request.Priority);
        var key = KeyOf(request.ConcurrencyKey);

        var durationMs = 1000L * LeaseRequestLimits.CheckDuration(request.LeaseDurationSeconds, _options.MaxLeaseDurationSeconds);
        var ownerHash = OwnerKey.Hash(request.OwnerId, request.ResourceId);

        for (var round = 0; round < WaitRounds; round++)
        {
            var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
            _hints.Refresh(snapshot);
            if (snapshot.Slots.FirstOrDefault(s => s.OwnerHash == ownerHash && s.IsLiveAt(snapshot.ReadAtMs)) is { } mine)
            {
                // Handed to this owner already (its notification was lost, or it re-asked while being
                // woken). Stamp the new token on the slot first: a late "waiter gone" for the old
                // token then cannot take the lease back.
                if (!await _store.StampTokenAsync(mine.Slot, mine.LeaseId, request.WakeToken, NowMs(), cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var lease = new Lease(mine.LeaseId, mine.Slot, mine.ExpiresAtMs);
                var waiter = new QueuedWaiter(request.WakeToken, request.OwnerId, request.ResourceId, request.Priority, requestedAt);
                await _notifier!.NotifyGrantedAsync(waiter, new AcquireOutcome(AcquireStatus.Acquired, lease, snapshot.LiveCount, _hints.Limit, Reused: true), cancellationToken).ConfigureAwait(false);
                return new WaitOutcome(WaitStatus.Delivered, lease);
            }

            var queuedKey = await _store.QueuedKeyOfAsync(ownerHash, cancellationToken).ConfigureAwait(false);
            if (queuedKey is not null)
            {
                // A re-ask (its task timed out): same item, same place, new token.
                if (!await _store.ReplaceTokenAsync(queuedKey, request.WakeToken, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
            }
            else
            {
                var nonce = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
                var entry = new QueueEntry(
                    LeaseItem.QueueItemKey(request.Priority, requestedAt, nonce), request.WakeToken, request.OwnerId, request.ResourceId, ownerHash, request.Priority, requestedAt, requestedAt, durationMs,
                    ConcurrencyKey: key?.Key, KeyHash: key?.Hash);
                if (key is not null && await KeyIsBusyAsync(key, snapshot, cancellationToken).ConfigureAwait(false))
                {
                    // Its key is full (or others of its key wait): it waits in the key's own queue and
                    // holds up no other key.
                    entry = entry with { QueueKey = LeaseItem.KeyQueueItemKey(key.Hash, LeaseItem.QueueOrder(entry.QueueKey)) };
                }

                var queued = await _store.EnqueueAsync(entry, cancellationToken).ConfigureAwait(false);
                if (queued == EnqueueFacts.KeyHasWaiters)
                {
                    // Others of its key queued in its key's own queue meanwhile: behind them.
                    queued = await _store.EnqueueAsync(entry with { QueueKey = LeaseItem.KeyQueueItemKey(key!.Hash, LeaseItem.QueueOrder(entry.QueueKey)) }, cancellationToken).ConfigureAwait(false);
                }

                if (queued == EnqueueFacts.AlreadyQueued)
                {
                    // A concurrent call of the same owner queued first: replace its token instead.
                    continue;
                }
            }

            // The lost wake-up: a release that checked the marker before this item landed freed its
            // slot instead of handing it on (or, for a key, freed room in the key). Hand any free slot
            // to the head now, after letting the key's head into the pool's queue if its key has room.
            if (key is not null)
            {
                await RebalanceKeyAsync(key.Hash, cancellationToken).ConfigureAwait(false);
                await PromoteKeyWaitersAsync(key.Hash, null, cancellationToken).ConfigureAwait(false);
            }

            await FillFreeSlotsAsync(cancellationToken).ConfigureAwait(false);
            return new WaitOutcome(WaitStatus.Queued, null);
        }

        throw new TransientFailureException("The waiter's lease and queue item kept changing while it queued; retry.");
    }

    /// <summary>
    /// The scheduled sweep: hands every expired (or free) slot below the limit to queued waiters,
    /// so a holder that crashed without releasing delays the queue by at most its lease's expiry
    /// plus the sweep's period. Without hand-off (no queue) it does nothing and answers zeros.
    /// </summary>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>What the sweep found and handed on.</returns>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; the next sweep tries again.</exception>
    public Task<SweepOutcome> SweepAsync(CancellationToken cancellationToken = default)
    {
        // Without hand-off nobody can be queued, and an acquire takes an expired slot over itself.
        return _options.HandOffToWaiters ? SweepQueuesAsync(cancellationToken) : Task.FromResult(new SweepOutcome(0, 0, 0));
    }

    private async Task<SweepOutcome> SweepQueuesAsync(CancellationToken cancellationToken)
    {
        await PromoteAllKeyWaitersAsync(cancellationToken).ConfigureAwait(false);
        return await FillFreeSlotsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Release with the callback strategy: free when nobody is queued, else hand the slot to the head.</summary>
    private async Task<ReleaseOutcome> ReleaseToWaitersAsync(LeaseId id, CancellationToken cancellationToken)
    {
        var text = id.ToString();
        if (id.OwnerHash is { } owner)
        {
            // A retried acquire's owner item would otherwise keep naming this lease after the slot
            // went to a waiter. Deleted first: a crash here leaves the slot, which a repeat releases.
            await _store.DeleteOwnerItemAsync(id, owner, cancellationToken).ConfigureAwait(false);
        }

        var passed = await PassOnAsync(id.Slot, SlotFence.Held(text), null, cancellationToken).ConfigureAwait(false);
        if (passed.End == PassOnEnd.GaveUp && !passed.Released)
        {
            throw new TransientFailureException($"The release of lease '{text}' kept losing races with other hand-offs; it is safe to repeat.");
        }

        return new ReleaseOutcome(text, passed.Released);
    }

    /// <summary>Removes the queue items of an ended owner that were asked for no later than <paramref name="askedBy"/> (a redriven execution's are kept).</summary>
    private async Task DequeueOwnerAsync(string ownerId, long askedBy, CancellationToken cancellationToken)
    {
        var keyQueued = _options.MaxConcurrentLeasesPerKey is null ? [] : await _store.KeyQueuesAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var entry in (await _store.QueueAsync(cancellationToken).ConfigureAwait(false)).Concat(keyQueued))
        {
            if (string.Equals(entry.OwnerId, ownerId, StringComparison.Ordinal) && entry.RequestedAtMs <= askedBy)
            {
                await _store.DequeueAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void RequireHandOff(string action)
    {
        if (!_options.HandOffToWaiters)
        {
            throw new ConfigurationException($"'{action}' needs the callback wait strategy (hand-off to queued waiters), which this function does not run.");
        }
    }
}
