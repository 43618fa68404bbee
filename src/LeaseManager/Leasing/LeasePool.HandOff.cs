namespace LeaseManager.Leasing;

/// <summary>
/// The callback strategy's hand-off: a slot leaving its holder (release, reclaim) or found free or
/// expired (a waiter's re-check, the sweep) goes to the head of the queue in one transaction, then
/// the waiter is notified. See docs/design.md, "Callback hand-off".
/// </summary>
public sealed partial class LeasePool
{
    /// <summary>Hand-off attempts per slot: each lost race (a waiter re-asked, a transaction conflict, a dead waiter) costs one.</summary>
    private const int HandOffTries = 12;

    /// <summary>Waiters a hand-off may move back to their keys' queues without spending a try (each one leaves the pool's queue).</summary>
    private const int MaxDemotions = 32;

    /// <summary>
    /// Passes <paramref name="slot"/> on. With a held fence (a release): frees it when nobody is
    /// queued, else hands it to the head. With a free fence (re-check, sweep): hands it to the head,
    /// or leaves it when the queue is empty. A dead waiter's grant is passed on again.
    /// </summary>
    private async Task<PassOn> PassOnAsync(int slot, SlotFence fence, GateSeen? gate, CancellationToken ct)
    {
        var passed = new PassOn(PassOnEnd.GaveUp, 0, 0, 0, false);
        var demotions = 0;
        for (var i = 0; i < HandOffTries; i++)
        {
            if (i > 1)
            {
                // Lost races (concurrent hand-offs reading the same head, transactions meeting on the
                // queue marker): spread the retries out, with full jitter, up to about 100 ms.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 << Math.Min(i, 6))), _clock, ct).ConfigureAwait(false);
            }

            if (fence.LeaseId is not null)
            {
                if (slot >= _hints.Limit)
                {
                    // Above a lowered limit: never re-granted, just freed.
                    return await FreeWhileQueuedAsync(slot, fence, passed, ct).ConfigureAwait(false);
                }

                var freed = await _store.FreeIfNobodyQueuedAsync(slot, fence, ct).ConfigureAwait(false);
                if (freed == FreeFacts.Freed)
                {
                    _hints.Freed(slot);
                    return passed with { End = PassOnEnd.Freed, Released = true };
                }

                if (freed == FreeFacts.SlotNotHeld)
                {
                    return passed with { End = PassOnEnd.NotHeld };
                }

                if (freed == FreeFacts.Conflict)
                {
                    continue;
                }

                if (freed == FreeFacts.KeyQueued)
                {
                    // The freed lease's key has waiters of its own: its head goes into the pool's
                    // queue (the key has room once this lease is gone), at its arrival's place, and
                    // the slot goes to the pool's head below, which may be it. When none could go (a
                    // lowered key limit, or the key's room is spoken for) and nobody else is queued,
                    // the slot is freed there.
                    await PromoteKeyWaitersAsync(KeyOfLease(fence), slot, ct).ConfigureAwait(false);
                }

                // A hand-off is a grant: none while a lease above a lowered limit is live (G1). Once
                // a read has shown none, none comes back (see SlotHints), so this read is rare.
                if (!_hints.FastPathAllowed(NowMs()))
                {
                    var snapshot = await ReadAsync(ct).ConfigureAwait(false);
                    _hints.Refresh(snapshot);
                    if (slot >= _hints.Limit || snapshot.HasLiveBeyond(_hints.Limit))
                    {
                        return await FreeWhileQueuedAsync(slot, fence, passed, ct).ConfigureAwait(false);
                    }
                }
            }

            var head = await _store.QueueHeadAsync(NowMs(), ct).ConfigureAwait(false);
            if (head is null)
            {
                // Free fence: nobody to hand to. Held fence: the marker counted a waiter that a
                // concurrent hand-off has served since (or a leftover TTL removed): free the slot,
                // then the fill pass hands it to anyone who queued meanwhile.
                return fence.LeaseId is null ? passed with { End = PassOnEnd.QueueEmpty } : await FreeWhileQueuedAsync(slot, fence, passed, ct).ConfigureAwait(false);
            }

            var now = NowMs();
            var expires = now + head.LeaseDurationMs;
            var leaseId = LeaseId.NewFor(slot, null, head.KeyHash).ToString();
            var grant = new SlotClaim(slot, leaseId, head.OwnerHash, head.OwnerId, head.ResourceId, now, expires, head.RequestedAtMs, null, fence.LeaseId is null ? gate : null, Key: KeyOf(head));
            var facts = await _store.HandOffAsync(grant, fence.LeaseId is null ? SlotFence.FreeAt(now) : fence, head, ct).ConfigureAwait(false);
            switch (facts)
            {
                case HandOffFacts.SlotLost:
                    return passed with { End = PassOnEnd.NotHeld };
                case HandOffFacts.GateMoved:
                    return passed with { End = PassOnEnd.GateMoved };
                case HandOffFacts.KeyFull:
                    // Its key's set counts a slot whose lease ended (pruned: try again), or the key
                    // filled up after the waiter joined the pool's queue: back to its key's queue,
                    // and the slot goes to the next waiter.
                    if (!await PruneEndedAsync(head, ct).ConfigureAwait(false) && await DemoteAsync(head, ct).ConfigureAwait(false))
                    {
                        // Its key's later waiters must not stay ahead of it in the pool's queue
                        // (two promotions at once can let one too many through).
                        await RebalanceKeyAsync(head.KeyHash!, ct).ConfigureAwait(false);
                        if (++demotions <= MaxDemotions)
                        {
                            // A waiter moved out of the pool's queue is progress, not a lost race.
                            i--;
                        }
                    }

                    continue;
                case HandOffFacts.WaiterMoved or HandOffFacts.Conflict:
                    // The head re-asked (new token), was reclaimed, or was handed a slot by a
                    // concurrent hand-off: read the head again.
                    continue;
            }

            _hints.Observe(slot, expires);
            passed = passed with { Handed = passed.Handed + 1, Released = true };
            if (KeyOfLease(fence) is { } oldKey && oldKey != head.KeyHash)
            {
                // The slot left its lease's key for another: that key has room for a waiter of its own.
                await PromoteKeyWaitersAsync(oldKey, null, ct).ConfigureAwait(false);
            }

            var outcome = new AcquireOutcome(AcquireStatus.Acquired, new Lease(leaseId, slot, expires), null, _hints.Limit);
            WaiterNotification notification;
            try
            {
                notification = await _notifier!.NotifyGrantedAsync(head.ToWaiter(), outcome, ct).ConfigureAwait(false);
            }
            catch (LeaseException)
            {
                // The grant stays with the waiter: its task's timeout re-asks, and WaitAsync then
                // finds this lease and delivers it. Nothing is lost; the wake-up is late.
                return passed with { End = PassOnEnd.Handed, Unnotified = passed.Unnotified + 1 };
            }

            if (notification == WaiterNotification.Delivered)
            {
                return passed with { End = PassOnEnd.Handed };
            }

            // The waiter's token is closed: its execution ended, or its Task timed out a moment ago
            // and re-asks within a second. Take the grant back, fenced on it and on the token it was
            // handed with (a re-ask stamps its new token), and serve the next waiter; the waiter
            // keeps its place, passed over, so once it re-asks the next freed slot is its
            // (SlotStore.PassedOver.cs). An ended execution's place goes after a short grace.
            passed = passed with { Gone = passed.Gone + 1 };
            if (!await _store.FreeAsync(slot, SlotFence.Held(leaseId, head.WakeToken), ct).ConfigureAwait(false))
            {
                // It re-asked meanwhile and holds the lease under its new token.
                return passed with { End = PassOnEnd.Handed };
            }

            _hints.Freed(slot);
            await _store.PassOverAsync(head, NowMs(), ct).ConfigureAwait(false);
            fence = SlotFence.FreeAt(NowMs());
        }

        return passed;
    }

    /// <summary>Frees a held slot although waiters may be queued (above the limit, or while it is exceeded), then fills free slots within the limit.</summary>
    private async Task<PassOn> FreeWhileQueuedAsync(int slot, SlotFence fence, PassOn passed, CancellationToken ct)
    {
        if (!await _store.FreeAsync(slot, fence, ct).ConfigureAwait(false))
        {
            return passed with { End = PassOnEnd.NotHeld };
        }

        _hints.Freed(slot);
        if (KeyOfLease(fence) is { } keyHash)
        {
            // The key has room now: its own queue's head may go to the pool's queue.
            await PromoteKeyWaitersAsync(keyHash, null, ct).ConfigureAwait(false);
        }

        var filled = await FillFreeSlotsAsync(ct).ConfigureAwait(false);
        return passed with { End = PassOnEnd.Freed, Released = true, Handed = passed.Handed + filled.HandedOff, Gone = passed.Gone + filled.WaitersGone };
    }

    /// <summary>
    /// Hands every free or expired slot below the limit to queued waiters while the pool has room:
    /// a waiter's re-check after queueing (the lost wake-up) and the scheduled sweep. Under a lowered
    /// limit each grant bumps the gate like a claim (see <see cref="AcquireAsync(AcquireRequest, CancellationToken)"/>).
    /// </summary>
    private async Task<SweepOutcome> FillFreeSlotsAsync(CancellationToken ct)
    {
        var expired = -1;
        var handed = 0;
        var gone = 0;
        for (var round = 0; round < MaxSnapshots; round++)
        {
            var snapshot = await ReadAsync(ct).ConfigureAwait(false);
            _hints.Refresh(snapshot);
            var now = snapshot.ReadAtMs;
            var running = snapshot.LiveCount;
            var limit = snapshot.EffectiveLimit(_options.MaxConcurrentLeases);
            var live = snapshot.Slots.Where(s => s.IsLiveAt(now)).Select(s => s.Slot).ToHashSet();
            if (expired < 0)
            {
                expired = snapshot.Slots.Count(s => s.Slot < limit && !s.IsLiveAt(now));
            }

            var gate = snapshot.HasLiveBeyond(limit) ? new GateSeen(snapshot.GateVersion) : null;
            var readAgain = false;
            for (var slot = 0; slot < limit && running < limit && !readAgain; slot++)
            {
                if (live.Contains(slot))
                {
                    continue;
                }

                var passed = await PassOnAsync(slot, SlotFence.FreeAt(now), gate, ct).ConfigureAwait(false);
                handed += passed.Handed;
                gone += passed.Gone;
                switch (passed.End)
                {
                    case PassOnEnd.QueueEmpty:
                        return new SweepOutcome(expired, handed, gone);
                    case PassOnEnd.Handed or PassOnEnd.NotHeld:
                        // Held now, by our waiter or someone else. A gated grant moved the gate on.
                        running++;
                        readAgain = gate is not null && passed.End == PassOnEnd.Handed;
                        break;
                    case PassOnEnd.GateMoved:
                        readAgain = true;
                        break;
                }
            }

            if (!readAgain)
            {
                break;
            }
        }

        return new SweepOutcome(Math.Max(expired, 0), handed, gone);
    }

    private enum PassOnEnd
    {
        /// <summary>The slot is free (nobody was queued, or it could not be granted).</summary>
        Freed,

        /// <summary>A waiter holds it now.</summary>
        Handed,

        /// <summary>The fence failed: the slot is not (or no longer) what the caller thought.</summary>
        NotHeld,

        /// <summary>A free slot, and nobody to hand it to.</summary>
        QueueEmpty,

        /// <summary>A gated grant lost to another grant: read the pool again.</summary>
        GateMoved,

        /// <summary>Every try lost a race; the slot stays as it is (the sweep and the waiters' re-asks come back to it).</summary>
        GaveUp,
    }

    /// <param name="End">Where the slot ended.</param>
    /// <param name="Handed">Grants written.</param>
    /// <param name="Gone">Dead waiters whose grants were taken back.</param>
    /// <param name="Unnotified">Grants whose notification failed (left with the waiter).</param>
    /// <param name="Released">The held fence's lease is gone (freed or replaced by a grant).</param>
    private readonly record struct PassOn(PassOnEnd End, int Handed, int Gone, int Unnotified, bool Released);
}
