namespace LeaseManager.Leasing;

/// <summary>Release, renew and reclaim: fenced on the lease id, so they never touch a re-granted slot.</summary>
public sealed partial class LeasePool
{
    /// <summary>
    /// Frees the lease. A lease taken by a looked-up acquire (a retry; its id carries the owner hash)
    /// also frees the owner's other live leases that were asked for before it: the first attempt's
    /// write may still have been in flight when the retry looked, and landed afterwards.
    /// </summary>
    /// <remarks>
    /// <see cref="ReleaseOutcome.Released"/> is false when the lease was no longer held: already
    /// released (by an earlier call, a reclaim, or this call's own first try whose answer was lost),
    /// or expired and re-granted. Either way it no longer holds capacity.
    /// </remarks>
    /// <param name="leaseId">The id an acquire returned.</param>
    /// <param name="cancellationToken">Abandons the call; a delete already sent may still land, which a repeat then reports as not released.</param>
    /// <returns>Whether this call freed the lease.</returns>
    /// <exception cref="InvalidRequestException">The id is not one this library issues; nothing was written.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; the release is safe to repeat.</exception>
    public async Task<ReleaseOutcome> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var id = LeaseRequestLimits.ParseLeaseId(leaseId);
        if (id.OwnerHash is { } owner)
        {
            await ReleaseEarlierLeasesOfAsync(id, owner, cancellationToken).ConfigureAwait(false);
        }

        return await ReleaseExactAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Item 5 of issue 12: frees the owner's other live slots asked for no later than this lease (a
    /// late first attempt), each fenced on its own lease id. Runs before this lease's own release, so
    /// a release re-invoked after a crash still finds the bound. A late write that lands after this
    /// read is not seen here: it holds its slot until a reclaim of the owner or its expiry.
    /// </summary>
    private async Task ReleaseEarlierLeasesOfAsync(LeaseId id, string ownerHash, CancellationToken cancellationToken)
    {
        var text = id.ToString();
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.Slots.FirstOrDefault(s => s.LeaseId == text)?.RequestedAtMs is not { } bound)
        {
            return;
        }

        foreach (var stray in snapshot.Slots.Where(s => s.OwnerHash == ownerHash && s.LeaseId != text
            && s.IsLiveAt(snapshot.ReadAtMs) && s.RequestedAtMs is { } asked && asked <= bound))
        {
            if (LeaseId.TryParse(stray.LeaseId, out var strayId))
            {
                await ReleaseExactAsync(strayId.Value, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<ReleaseOutcome> ReleaseExactAsync(LeaseId id, CancellationToken cancellationToken)
    {
        var text = id.ToString();
        if (_options.HandOffToWaiters)
        {
            return await ReleaseToWaitersAsync(id, cancellationToken).ConfigureAwait(false);
        }

        var facts = id.OwnerHash is { } owner
            ? await _store.DeleteWithOwnerIndexAsync(id, owner, cancellationToken).ConfigureAwait(false)
            : DeleteFacts.OwnerIndexMoved;
        if (facts == DeleteFacts.OwnerIndexMoved)
        {
            // No owner item, or it moved on (this lease expired and the owner acquired again): the
            // slot may still carry this lease, so clear it alone. A plain delete whose answer is lost
            // is retried by the SDK and then finds nothing: the lease is gone, the answer says false.
            facts = await _store.DeleteSlotAsync(id, cancellationToken).ConfigureAwait(false);
        }

        if (facts == DeleteFacts.Deleted)
        {
            _hints.Freed(id.Slot);
            return new ReleaseOutcome(text, Released: true);
        }

        // The slot no longer carries this lease: already released, or expired and re-granted.
        return new ReleaseOutcome(text, Released: false);
    }

    /// <summary>
    /// Extends a live lease. Idempotent under the SDK's retries: the plain update's condition (this
    /// lease id, still live) holds again for a retry of an applied update, and the transaction (owned
    /// leases) carries a client request token.
    /// </summary>
    /// <param name="leaseId">The lease to extend.</param>
    /// <param name="leaseDurationSeconds">The new duration from now; null: the pool's longest.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    /// <returns>The new expiry.</returns>
    /// <exception cref="LeaseLostException">The lease expired, was released, or its slot was re-granted: stop the work it guarded.</exception>
    /// <exception cref="InvalidRequestException">The id or duration is out of bounds; nothing was written.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; renewing again before expiry is safe.</exception>
    public async Task<RenewOutcome> RenewAsync(string leaseId, int? leaseDurationSeconds = null, CancellationToken cancellationToken = default)
    {
        var id = LeaseRequestLimits.ParseLeaseId(leaseId);
        var durationMs = 1000L * LeaseRequestLimits.CheckDuration(leaseDurationSeconds, _options.MaxLeaseDurationSeconds);
        var text = id.ToString();
        var now = NowMs();
        var expires = now + durationMs;

        // An expired lease is lost even if nobody has taken its slot yet: its holder ran uncounted.
        if (!await _store.ExtendAsync(id, now, expires, cancellationToken).ConfigureAwait(false))
        {
            throw new LeaseLostException($"Lease '{text}' is no longer held (released, expired, or taken over); it cannot be renewed.");
        }

        _hints.Observe(id.Slot, expires);
        return new RenewOutcome(text, expires);
    }

    /// <summary>
    /// Releases the leases <paramref name="ownerId"/> (an ended execution's id) asked for no later than
    /// <paramref name="endedAtMs"/>: one consistent read of the pool, then a lease-id-fenced release of
    /// each, so a slot meanwhile granted to someone else is never touched. A lease asked for after the
    /// end belongs to a redriven execution (RedriveExecution keeps the ARN) and is never released, however
    /// late the reclaim arrives. Without an end time (a manual reclaim) the bound is this call's start.
    /// When <paramref name="settleUntilMs"/> is ahead, sweeps once more at that time, catching a lease
    /// written by an acquire that was still in flight when the execution ended.
    /// </summary>
    /// <param name="ownerId">The owner (execution ARN) whose leases to free.</param>
    /// <param name="endedAtMs">When the owner ended (epoch ms); leases asked for later are left alone.</param>
    /// <param name="settleUntilMs">When a late acquire can no longer land (epoch ms); null or past: one sweep.</param>
    /// <param name="cancellationToken">Abandons the call, including the wait before the second sweep.</param>
    /// <returns>The leases this call released, and how many sweeps it made.</returns>
    /// <exception cref="InvalidRequestException">The owner id is out of bounds.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing; a reclaim is safe to repeat.</exception>
    public async Task<ReclaimOutcome> ReclaimAsync(string ownerId, long? endedAtMs = null, long? settleUntilMs = null, CancellationToken cancellationToken = default)
    {
        LeaseRequestLimits.CheckOwner(ownerId, null);
        var askedBy = endedAtMs ?? NowMs();
        var released = new List<string>();
        await ReclaimSweepAsync(ownerId, askedBy, released, cancellationToken).ConfigureAwait(false);
        var sweeps = 1;
        if (settleUntilMs is { } settle && settle > NowMs())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settle - NowMs()), _clock, cancellationToken).ConfigureAwait(false);
            await ReclaimSweepAsync(ownerId, askedBy, released, cancellationToken).ConfigureAwait(false);
            sweeps++;
        }

        return new ReclaimOutcome(ownerId, released, sweeps);
    }

    private async Task ReclaimSweepAsync(string ownerId, long askedBy, List<string> released, CancellationToken cancellationToken)
    {
        if (_options.HandOffToWaiters)
        {
            // The ended execution's queue items go first, so none of its freed slots is handed to it.
            await DequeueOwnerAsync(ownerId, askedBy, cancellationToken).ConfigureAwait(false);
        }

        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var slot in snapshot.Slots.Where(s => string.Equals(s.OwnerId, ownerId, StringComparison.Ordinal)
            && s.RequestedAtMs is { } asked && asked <= askedBy))
        {
            if (LeaseId.TryParse(slot.LeaseId, out var id) && (await ReleaseExactAsync(id.Value, cancellationToken).ConfigureAwait(false)).Released)
            {
                released.Add(slot.LeaseId);
            }
        }
    }
}
