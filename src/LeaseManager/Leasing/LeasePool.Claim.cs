namespace LeaseManager.Leasing;

/// <summary>One conditional claim of one slot, and what its answer means: the write every grant goes through.</summary>
public sealed partial class LeasePool
{
    private async Task<ClaimResult> ClaimAsync(int slot, Claimer claimer, GateSeen? gate, CancellationToken ct)
    {
        var now = NowMs();
        var expires = now + claimer.DurationMs;

        // The lease id names the owner index item when there is one, so release and renew find it.
        var text = LeaseId.NewFor(slot, claimer.OwnerItemHash, claimer.Key?.Hash).ToString();
        var granted = new AcquireOutcome(AcquireStatus.Acquired, new Lease(text, slot, expires), null, _hints.Limit);
        var facts = await _store.ClaimAsync(
            new SlotClaim(slot, text, claimer.OwnerHash, claimer.Request.OwnerId, claimer.Request.ResourceId, now, expires, claimer.RequestedAtMs, claimer.OwnerItemHash, gate, _options.HandOffToWaiters, claimer.Key),
            ct).ConfigureAwait(false);
        if (facts.IsWritten)
        {
            _hints.Observe(slot, expires);
            return new ClaimResult(granted);
        }

        if (facts.SlotHeldBy?.LeaseId == text)
        {
            // Our own write: DynamoDB applied it, its answer was lost, and the SDK's retry of the very
            // same request (same lease id) failed against it. That is a grant, not a taken slot.
            _hints.Observe(slot, expires);
            return new ClaimResult(granted);
        }

        if (facts.OwnerIndexHeldBy is { LeaseId: { } existing } owner && LeaseId.TryParse(existing, out var existingId))
        {
            // Same owner, lease still live: idempotent answer, nothing new written.
            _hints.Observe(slot, facts.SlotHeldBy?.ExpiresAtMs ?? 0);
            return new ClaimResult(new AcquireOutcome(AcquireStatus.Acquired, new Lease(existing, existingId.Value.Slot, owner.ExpiresAtMs ?? 0), null, _hints.Limit, Reused: true));
        }

        if (facts.KeyFull is { } keyFull)
        {
            // The key is at its limit (or its set still counts leases that ended): unless this owner
            // already holds the slot, the pool's room is not this caller's.
            return facts.SlotHeldBy is { } mine && Taken(slot, mine, claimer, now, expires).Outcome is { } same
                ? new ClaimResult(same)
                : new ClaimResult(null, KeyFull: keyFull);
        }

        if (facts.SlotHeldBy is { } holder)
        {
            var taken = Taken(slot, holder, claimer, now, expires);
            if (taken.Outcome is null && facts.Queued)
            {
                return new ClaimResult(null, Queued: true);
            }

            return facts.GateFailed ? taken with { GateMoved = true } : taken;
        }

        if (facts.Queued)
        {
            // Waiters are queued: they get freed slots first, so this caller waits (and queues) too.
            return new ClaimResult(null, Queued: true);
        }

        if (gate is not null)
        {
            // The gate moved on (or is moving): another claim committed since our read.
            return new ClaimResult(null, GateMoved: true);
        }

        if (facts.Conflict)
        {
            // Another transaction touched the same slot at the same moment: treat it as taken.
            return ClaimResult.SlotTaken;
        }

        // Only an owner item that fails its condition without naming a lease is left: not a state
        // this library writes, so not one to decide on; a later retry reads the pool afresh.
        throw new TransientFailureException("DynamoDB refused the claim on an owner item that names no lease; retry later.");
    }

    /// <summary>The slot's condition failed; <paramref name="holder"/> is what holds it.</summary>
    private ClaimResult Taken(int slot, ItemHolder holder, Claimer claimer, long now, long expires)
    {
        var heldUntil = holder.ExpiresAtMs ?? expires;
        _hints.Observe(slot, heldUntil);
        if (claimer.OwnerHash is not null
            && holder.OwnerHash == claimer.OwnerHash
            && heldUntil > now
            && holder.LeaseId is { } existing
            && LeaseId.TryParse(existing, out _))
        {
            // This owner already holds this slot (a duplicate of its own acquire): the same lease (G2).
            return new ClaimResult(new AcquireOutcome(AcquireStatus.Acquired, new Lease(existing, slot, heldUntil), null, _hints.Limit, Reused: true));
        }

        return ClaimResult.SlotTaken;
    }

    /// <summary>Who is claiming: fixed for the whole acquire.</summary>
    private sealed record Claimer(AcquireRequest Request, string? OwnerHash, string? OwnerItemHash, long RequestedAtMs, long DurationMs, KeyClaim? Key = null);

    private readonly record struct ClaimResult(AcquireOutcome? Outcome, bool GateMoved = false, bool Queued = false, KeyFacts? KeyFull = null)
    {
        public static ClaimResult SlotTaken => default;
    }
}
