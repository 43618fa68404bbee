using Amazon.DynamoDBv2;

namespace LeaseManager.Leasing;

/// <summary>
/// A counting semaphore with expiry, stored in DynamoDB. Safe under any number of concurrent
/// callers in any number of processes: the limit is enforced by conditional writes on a fixed set
/// of slot items, never by counting and then writing.
/// </summary>
public sealed partial class LeasePool
{
    private const int ClaimsPerSnapshot = 4;
    private const int MaxSnapshots = 3;
    private static readonly TimeSpan ReservationSpan = TimeSpan.FromSeconds(10);

    private readonly SlotStore _store;
    private readonly LeasePoolOptions _options;
    private readonly TimeProvider _clock;
    private readonly SlotHints _hints;
    private readonly ILeaseWaiterNotifier? _notifier;

    /// <summary>A pool over an existing table. Cheap: no I/O until the first call; one instance can serve every caller of a process.</summary>
    /// <param name="dynamoDb">The client to use; its retry settings apply to every call (the SDK's retries are what make a lost answer safe).</param>
    /// <param name="options">Where the pool lives and its limits; validated here.</param>
    /// <param name="clock">The clock expiry is judged by; tests pass a manual one. Defaults to the system clock.</param>
    /// <param name="notifier">How queued waiters are woken; required with <see cref="LeasePoolOptions.HandOffToWaiters"/>, unused without.</param>
    /// <exception cref="ConfigurationException">The options are invalid, or hand-off is on and no notifier is given.</exception>
    public LeasePool(IAmazonDynamoDB dynamoDb, LeasePoolOptions options, TimeProvider? clock = null, ILeaseWaiterNotifier? notifier = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        if (_options.HandOffToWaiters && notifier is null)
        {
            throw new ConfigurationException("The callback wait strategy (hand-off to queued waiters) needs a waiter notifier, and none is configured.");
        }

        _notifier = notifier;
        _store = new SlotStore(dynamoDb, _options);
        _clock = clock ?? TimeProvider.System;
        _hints = new SlotHints(_options.MaxConcurrentLeases, TimeSpan.FromSeconds(_options.LimitRefreshSeconds));
    }

    /// <summary>The validated options the pool runs with (the Lambda reads its settle time from here).</summary>
    public LeasePoolOptions Options => _options;

    /// <summary>
    /// One low-level acquire, no waiting: the primitive behind the Step Functions contract and
    /// <see cref="TryAcquireAsync"/>. With room and a known first attempt (<see cref="AcquireRequest.Attempt"/> 0,
    /// or no owner) it usually costs one conditional write; a full pool answers <see cref="AcquireStatus.Wait"/>.
    /// </summary>
    /// <param name="request">Who asks, for what, and for how long.</param>
    /// <param name="cancellationToken">Abandons the call; a write already sent may still land (a retry with the same owner finds it).</param>
    /// <returns>The lease, or <see cref="AcquireStatus.Wait"/> with the count that filled the pool.</returns>
    /// <exception cref="InvalidRequestException">The request is out of bounds; nothing was written.</exception>
    /// <exception cref="LeaseUnavailableException">The pool is full and <see cref="AcquireRequest.FailIfUnavailable"/> was set.</exception>
    /// <exception cref="TransientFailureException">DynamoDB kept failing after the SDK's retries.</exception>
    /// <exception cref="ConfigurationException">The table is missing or not accessible.</exception>
    public async Task<AcquireOutcome> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Taken before any I/O: a reclaim releases only leases asked for before the owner's end.
        var requestedAt = request.RequestedAtMs ?? NowMs();
        var durationMs = 1000L * LeaseRequestLimits.CheckDuration(request.LeaseDurationSeconds, _options.MaxLeaseDurationSeconds);
        LeaseRequestLimits.CheckOwner(request.OwnerId, request.ResourceId);
        var key = KeyOf(request.ConcurrencyKey);
        var ownerHash = request.OwnerId is null ? null : OwnerKey.Hash(request.OwnerId, request.ResourceId);
        var limit = _hints.Limit;

        // A repeat (or a caller that cannot say) must find the owner's live lease: look first, and
        // index the new lease by owner in the same transaction as the slot. A first attempt holds
        // nothing yet: the owner is recorded on the slot alone, in one write.
        var lookUp = ownerHash is not null && request.Attempt is not 0;
        var claimer = new Claimer(request, ownerHash, lookUp ? ownerHash : null, requestedAt, durationMs, key);

        // Fast path: one write on a slot this instance believes is free.
        var now = NowMs();
        if (!lookUp && _hints.FastPathAllowed(now))
        {
            var slot = _hints.TryReserve(Random.Shared.Next(limit), now, now + (long)ReservationSpan.TotalMilliseconds, out var believedUntil);
            if (slot >= 0)
            {
                // A slot we last saw holding a lease that has since expired is reclaimed by this write.
                var reclaimed = believedUntil > 0;
                var claim = await ClaimAsync(slot, claimer, null, cancellationToken).ConfigureAwait(false);
                if (claim.Outcome is { } done)
                {
                    return done with { ReclaimedExpired = done.ReclaimedExpired || reclaimed };
                }

                if (claim.KeyFull is { } keyFull && await KeyRoomAsync(claimer, keyFull, cancellationToken).ConfigureAwait(false) is { } keyBusy)
                {
                    return keyBusy;
                }

                if (claim.Queued)
                {
                    return Saturated(request, limit, limit);
                }
            }
        }

        // Slow path: read the pool once, then try the slots that are free in that read.
        var running = 0;
        for (var round = 0; round < MaxSnapshots; round++)
        {
            var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
            _hints.Refresh(snapshot);
            now = snapshot.ReadAtMs;
            running = snapshot.LiveCount;
            limit = snapshot.EffectiveLimit(_options.MaxConcurrentLeases);

            if (ownerHash is not null
                && snapshot.Slots.FirstOrDefault(s => s.OwnerHash == ownerHash && s.IsLiveAt(now)) is { } mine)
            {
                return new AcquireOutcome(AcquireStatus.Acquired, new Lease(mine.LeaseId, mine.Slot, mine.ExpiresAtMs), running, limit, Reused: true);
            }

            if (running >= limit)
            {
                return Saturated(request, running, limit);
            }

            // A lowered limit (G1): while a lease sits live in a slot at or above the limit, slot
            // conditions alone no longer bound the pool (those leases are outside the slots we
            // claim), and "running < limit" in this read is a count-then-write. So every claim made
            // in this state also bumps the gate item, conditioned on the version this read saw
            // first. Why that is enough:
            //  * Gated claims commit one at a time (each moves the gate on). The read saw gate v
            //    BEFORE any slot, so every gated claim up to v is in the slots it read; a claim
            //    conditioned on v commits only if no gated claim came after. Leases live at our
            //    commit are therefore ones this read counted (or saw free and expired, which
            //    cannot come back: liveness is judged at the read's start, and renew needs a live
            //    lease) plus ungated ones: at most running + 1 <= limit.
            //  * Ungated claims (this path with no live lease beyond the limit, and the fast path,
            //    which SlotHints allows only after such a read) happen only once every lease above
            //    the limit has expired for good; from then on the limit's slots bound the pool.
            // Only pools of this limit may write: an instance still running an older, larger
            // limit can write beyond it (a deploy window), which no condition here can see. A limit
            // stored at run time reaches every instance at its next read; blind writes trust a read
            // for LimitRefreshSeconds at most, and SetLimitAsync waits that out when it lowers.
            var gate = snapshot.HasLiveBeyond(limit) ? new GateSeen(snapshot.GateVersion) : null;
            var held = snapshot.Slots.Where(s => s.IsLiveAt(now)).Select(s => s.Slot).ToHashSet();
            var expired = snapshot.Slots.Where(s => !s.IsLiveAt(now)).Select(s => s.Slot).ToHashSet();
            var start = Random.Shared.Next(limit);
            var tried = 0;
            for (var i = 0; i < limit && tried < ClaimsPerSnapshot; i++)
            {
                var slot = (start + i) % limit;
                if (held.Contains(slot))
                {
                    continue;
                }

                tried++;
                var claim = await ClaimAsync(slot, claimer, gate, cancellationToken).ConfigureAwait(false);
                if (claim.Outcome is { } done)
                {
                    return done with { CurrentRunning = done.Reused ? done.CurrentRunning : running + 1, ReclaimedExpired = !done.Reused && expired.Contains(slot) };
                }

                if (claim.KeyFull is { } keyFull)
                {
                    // Room was made in the key (ended leases pruned from its set): read and try again.
                    if (await KeyRoomAsync(claimer, keyFull, cancellationToken).ConfigureAwait(false) is { } keyBusy)
                    {
                        return keyBusy;
                    }

                    break;
                }

                if (claim.Queued)
                {
                    return Saturated(request, running, limit);
                }

                if (claim.GateMoved)
                {
                    // Someone claimed since our read: what we counted may be stale. Read again.
                    break;
                }
            }
        }

        // Every free slot we saw was taken by a concurrent caller first: the pool is busy, not broken.
        return Saturated(request, Math.Max(running, limit), limit);
    }

    /// <summary>A strongly consistent read of every slot item of this pool.</summary>
    internal Task<PoolSnapshot> ReadAsync(CancellationToken cancellationToken = default) => _store.ReadAsync(NowMs(), cancellationToken);

    private AcquireOutcome Saturated(AcquireRequest request, int running, int limit)
    {
        if (request.FailIfUnavailable)
        {
            throw new LeaseUnavailableException(
                $"All {limit} leases of pool '{_options.LeasePrefix}' are held.", running, limit);
        }

        return new AcquireOutcome(AcquireStatus.Wait, null, running, limit, LimitedBy: LeaseLimit.Pool);
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();
}
