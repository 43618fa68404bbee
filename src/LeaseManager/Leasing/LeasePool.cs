using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

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
    private const string SlotCondition = "attribute_not_exists(#pk) OR #exp <= :now";
    private static readonly TimeSpan ReservationSpan = TimeSpan.FromSeconds(10);

    private readonly IAmazonDynamoDB _db;
    private readonly LeasePoolOptions _options;
    private readonly TimeProvider _clock;
    private readonly SlotHints _hints;
    private readonly string _poolKey;
    private readonly Dictionary<string, string> _slotConditionNames;

    public LeasePool(IAmazonDynamoDB dynamoDb, LeasePoolOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(options);
        _db = dynamoDb;
        _options = options.Validate();
        _clock = clock ?? TimeProvider.System;
        _hints = new SlotHints(options.MaxConcurrentLeases);
        _poolKey = options.PoolKey;
        _slotConditionNames = new Dictionary<string, string>
        {
            ["#pk"] = options.HashKeyAttribute,
            ["#exp"] = ExpiresAtMsAttribute,
        };
    }

    public LeasePoolOptions Options => _options;

    public async Task<AcquireOutcome> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var durationMs = 1000L * RequestLimits.CheckDuration(request.LeaseDurationSeconds, _options.MaxLeaseDurationSeconds);
        RequestLimits.CheckOwner(request.OwnerId, request.ResourceId);
        var ownerHash = request.OwnerId is null ? null : OwnerKey.Hash(request.OwnerId, request.ResourceId);
        var limit = _options.MaxConcurrentLeases;

        // A repeat (or a caller that cannot say) must find the owner's live lease: look first, and
        // index the new lease by owner in the same transaction as the slot. A first attempt holds
        // nothing yet: the owner is recorded on the slot alone, in one write.
        var lookUp = ownerHash is not null && request.Attempt is not 0;
        var ownerItemHash = lookUp ? ownerHash : null;

        // Fast path: one write on a slot this instance believes is free.
        var now = NowMs();
        if (!lookUp && _hints.FastPathAllowed(now))
        {
            var slot = _hints.TryReserve(Random.Shared.Next(limit), now, now + (long)ReservationSpan.TotalMilliseconds, out var believedUntil);
            if (slot >= 0)
            {
                // A slot we last saw holding a lease that has since expired is reclaimed by this write.
                var reclaimed = believedUntil > 0;
                var claim = await ClaimAsync(slot, request, ownerHash, ownerItemHash, now, durationMs, cancellationToken).ConfigureAwait(false);
                if (claim.Outcome is { } done)
                {
                    return done with { ReclaimedExpired = done.ReclaimedExpired || reclaimed };
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

            if (ownerHash is not null
                && snapshot.Slots.FirstOrDefault(s => s.OwnerHash == ownerHash && s.IsLiveAt(now)) is { } mine)
            {
                return new AcquireOutcome(AcquireStatus.Acquired, new Lease(mine.LeaseId, mine.Slot, mine.ExpiresAtMs), running, limit, Reused: true);
            }

            if (running >= limit)
            {
                return Saturated(request, running);
            }

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
                var claim = await ClaimAsync(slot, request, ownerHash, ownerItemHash, NowMs(), durationMs, cancellationToken).ConfigureAwait(false);
                if (claim.Outcome is { } done)
                {
                    return done with { CurrentRunning = done.Reused ? done.CurrentRunning : running + 1, ReclaimedExpired = !done.Reused && expired.Contains(slot) };
                }
            }
        }

        // Every free slot we saw was taken by a concurrent caller first: the pool is busy, not broken.
        return Saturated(request, Math.Max(running, limit));
    }

    public async Task<ReleaseOutcome> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default)
    {
        var id = RequestLimits.ParseLeaseId(leaseId);
        var text = id.ToString();
        var slotDelete = new Delete
        {
            TableName = _options.TableName,
            Key = Key(SlotKey(id.Slot)),
            ConditionExpression = "#lease = :lease",
            ExpressionAttributeNames = new() { ["#lease"] = LeaseIdAttribute },
            ExpressionAttributeValues = new() { [":lease"] = S(text) },
        };

        if (id.OwnerHash is { } owner)
        {
            var ownerDelete = new Delete
            {
                TableName = _options.TableName,
                Key = Key(OwnerItemKey(owner)),
                ConditionExpression = "#lease = :lease",
                ExpressionAttributeNames = new() { ["#lease"] = LeaseIdAttribute },
                ExpressionAttributeValues = new() { [":lease"] = S(text) },
            };
            try
            {
                await Call(() => _db.TransactWriteItemsAsync(
                    new TransactWriteItemsRequest { TransactItems = [new() { Delete = slotDelete }, new() { Delete = ownerDelete }] },
                    cancellationToken)).ConfigureAwait(false);
                _hints.Freed(id.Slot);
                return new ReleaseOutcome(text, Released: true);
            }
            catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed")
            {
                // The slot no longer carries this lease: already released, or expired and re-granted.
                return new ReleaseOutcome(text, Released: false);
            }
            catch (TransactionCanceledException e) when (Code(e, 1) == "ConditionalCheckFailed")
            {
                // The owner index moved on (this lease expired and the owner acquired again); the slot
                // may still carry this lease, so clear it alone.
            }
            catch (TransactionCanceledException e)
            {
                throw Transient("release", e);
            }
        }

        try
        {
            await Call(() => _db.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = slotDelete.TableName,
                    Key = slotDelete.Key,
                    ConditionExpression = slotDelete.ConditionExpression,
                    ExpressionAttributeNames = slotDelete.ExpressionAttributeNames,
                    ExpressionAttributeValues = slotDelete.ExpressionAttributeValues,
                },
                cancellationToken)).ConfigureAwait(false);
            _hints.Freed(id.Slot);
            return new ReleaseOutcome(text, Released: true);
        }
        catch (ConditionalCheckFailedException)
        {
            return new ReleaseOutcome(text, Released: false);
        }
    }

    public async Task<RenewOutcome> RenewAsync(string leaseId, int? leaseDurationSeconds = null, CancellationToken cancellationToken = default)
    {
        var id = RequestLimits.ParseLeaseId(leaseId);
        var durationMs = 1000L * RequestLimits.CheckDuration(leaseDurationSeconds, _options.MaxLeaseDurationSeconds);
        var text = id.ToString();
        var now = NowMs();
        var expires = now + durationMs;
        Update Extend(string sortKey, string condition) => new()
        {
            TableName = _options.TableName,
            Key = Key(sortKey),
            UpdateExpression = "SET #exp = :exp, #ttl = :ttl",
            ConditionExpression = condition,
            ExpressionAttributeNames = new() { ["#exp"] = ExpiresAtMsAttribute, ["#ttl"] = _options.TtlAttribute, ["#lease"] = LeaseIdAttribute },
            ExpressionAttributeValues = condition.Contains(":now", StringComparison.Ordinal)
                ? new() { [":exp"] = N(expires), [":ttl"] = N(TtlSeconds(expires)), [":lease"] = S(text), [":now"] = N(now) }
                : new() { [":exp"] = N(expires), [":ttl"] = N(TtlSeconds(expires)), [":lease"] = S(text) },
        };

        // An expired lease is lost even if nobody has taken its slot yet: its holder ran uncounted.
        var slotUpdate = Extend(SlotKey(id.Slot), "#lease = :lease AND #exp > :now");
        try
        {
            if (id.OwnerHash is { } owner)
            {
                await Call(() => _db.TransactWriteItemsAsync(
                    new TransactWriteItemsRequest
                    {
                        TransactItems = [new() { Update = slotUpdate }, new() { Update = Extend(OwnerItemKey(owner), "#lease = :lease") }],
                    },
                    cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                await Call(() => _db.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = slotUpdate.TableName,
                        Key = slotUpdate.Key,
                        UpdateExpression = slotUpdate.UpdateExpression,
                        ConditionExpression = slotUpdate.ConditionExpression,
                        ExpressionAttributeNames = slotUpdate.ExpressionAttributeNames,
                        ExpressionAttributeValues = slotUpdate.ExpressionAttributeValues,
                    },
                    cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is ConditionalCheckFailedException
            || (e is TransactionCanceledException t && (Code(t, 0) == "ConditionalCheckFailed" || Code(t, 1) == "ConditionalCheckFailed")))
        {
            throw new LeaseLostException($"Lease '{text}' is no longer held (released, expired, or taken over); it cannot be renewed.");
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("renew", e);
        }

        _hints.Observe(id.Slot, expires);
        return new RenewOutcome(text, expires);
    }

    /// <summary>
    /// Releases every lease <paramref name="ownerId"/> (an ended execution's id) holds in this pool:
    /// one consistent read of the pool, then a lease-id-fenced release of each of its slots, so a
    /// slot that has meanwhile been granted to someone else is never touched. When
    /// <paramref name="settleUntilMs"/> is ahead, sweeps once more at that time, catching a lease
    /// written by an acquire that was still in flight when the execution ended.
    /// </summary>
    public async Task<ReclaimOutcome> ReclaimAsync(string ownerId, long? settleUntilMs = null, CancellationToken cancellationToken = default)
    {
        RequestLimits.CheckOwner(ownerId, null);
        var released = new List<string>();
        await SweepAsync(ownerId, released, cancellationToken).ConfigureAwait(false);
        var sweeps = 1;
        if (settleUntilMs is { } settle && settle > NowMs())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settle - NowMs()), _clock, cancellationToken).ConfigureAwait(false);
            await SweepAsync(ownerId, released, cancellationToken).ConfigureAwait(false);
            sweeps++;
        }

        return new ReclaimOutcome(ownerId, released, sweeps);
    }

    private async Task SweepAsync(string ownerId, List<string> released, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var slot in snapshot.Slots.Where(s => string.Equals(s.OwnerId, ownerId, StringComparison.Ordinal)))
        {
            if ((await ReleaseAsync(slot.LeaseId, cancellationToken).ConfigureAwait(false)).Released)
            {
                released.Add(slot.LeaseId);
            }
        }
    }

    /// <summary>A strongly consistent read of every slot item of this pool.</summary>
    public async Task<PoolSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        var slots = new List<SlotState>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :slot)",
                ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#sk"] = _options.RangeKeyAttribute },
                ExpressionAttributeValues = new() { [":pk"] = S(_poolKey), [":slot"] = S(SlotPrefix) },
                ExclusiveStartKey = startKey,
            };
            var page = await Call(() => _db.QueryAsync(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (ToSlotState(item) is { } state)
                {
                    slots.Add(state);
                }
            }

            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return new PoolSnapshot(slots, NowMs());
    }

    private async Task<ClaimResult> ClaimAsync(int slot, AcquireRequest request, string? ownerHash, string? ownerItemHash, long now, long durationMs, CancellationToken ct)
    {
        var expires = now + durationMs;

        // The lease id names the owner index item when there is one, so release and renew find it.
        var id = LeaseId.NewFor(slot, ownerItemHash);
        var text = id.ToString();
        var slotItem = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(SlotKey(slot)),
            [LeaseIdAttribute] = S(text),
            [ExpiresAtMsAttribute] = N(expires),
            [AcquiredAtMsAttribute] = N(now),
            [_options.TtlAttribute] = N(TtlSeconds(expires)),
        };
        if (ownerHash is not null)
        {
            slotItem[OwnerHashAttribute] = S(ownerHash);
            slotItem[OwnerIdAttribute] = S(request.OwnerId!);
        }

        if (request.ResourceId is not null)
        {
            slotItem[ResourceIdAttribute] = S(request.ResourceId);
        }

        var values = new Dictionary<string, AttributeValue> { [":now"] = N(now) };
        var granted = new AcquireOutcome(AcquireStatus.Acquired, new Lease(text, slot, expires), null, _options.MaxConcurrentLeases);

        if (ownerItemHash is null)
        {
            try
            {
                // Only a failed condition returns the item (who holds the slot, until when): a granted
                // write returns nothing, which keeps the hot path lean.
                await Call(() => _db.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = _options.TableName,
                        Item = slotItem,
                        ConditionExpression = SlotCondition,
                        ExpressionAttributeNames = _slotConditionNames,
                        ExpressionAttributeValues = values,
                        ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                    },
                    ct)).ConfigureAwait(false);
                _hints.Observe(slot, expires);
                return new ClaimResult(granted);
            }
            catch (ConditionalCheckFailedException e)
            {
                _hints.Observe(slot, GetLong(e.Item, ExpiresAtMsAttribute) ?? expires);
                return ClaimResult.SlotTaken;
            }
        }

        var ownerItem = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(OwnerItemKey(ownerItemHash)),
            [LeaseIdAttribute] = S(text),
            [ExpiresAtMsAttribute] = N(expires),
            [_options.TtlAttribute] = N(TtlSeconds(expires)),
        };
        try
        {
            await Call(() => _db.TransactWriteItemsAsync(
                new TransactWriteItemsRequest
                {
                    TransactItems =
                    [
                        new() { Put = new Put { TableName = _options.TableName, Item = slotItem, ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } },
                        new() { Put = new Put { TableName = _options.TableName, Item = ownerItem, ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } },
                    ],
                },
                ct)).ConfigureAwait(false);
            _hints.Observe(slot, expires);
            return new ClaimResult(granted);
        }
        catch (TransactionCanceledException e)
        {
            var ownerReason = Reason(e, 1);
            if (ownerReason?.Code == "ConditionalCheckFailed"
                && GetString(ownerReason.Item, LeaseIdAttribute) is { } existing
                && LeaseId.TryParse(existing, out var existingId))
            {
                // Same owner, lease still live: idempotent answer, nothing new written.
                _hints.Observe(slot, Code(e, 0) == "ConditionalCheckFailed" ? GetLong(Reason(e, 0)?.Item, ExpiresAtMsAttribute) ?? 0 : 0);
                var existingExpiry = GetLong(ownerReason.Item, ExpiresAtMsAttribute) ?? 0;
                return new ClaimResult(new AcquireOutcome(AcquireStatus.Acquired, new Lease(existing, existingId.Value.Slot, existingExpiry), null, _options.MaxConcurrentLeases, Reused: true));
            }

            var slotReason = Reason(e, 0);
            if (slotReason?.Code == "ConditionalCheckFailed")
            {
                _hints.Observe(slot, GetLong(slotReason.Item, ExpiresAtMsAttribute) ?? expires);
                return ClaimResult.SlotTaken;
            }

            if (e.CancellationReasons?.Any(r => r.Code == "TransactionConflict") == true)
            {
                // Another transaction touched the same slot at the same moment: treat it as taken.
                return ClaimResult.SlotTaken;
            }

            throw Transient("acquire", e);
        }
    }

    private AcquireOutcome Saturated(AcquireRequest request, int running)
    {
        if (request.FailIfUnavailable)
        {
            throw new LeaseUnavailableException(
                $"All {_options.MaxConcurrentLeases} leases of pool '{_options.LeasePrefix}' are held.", running, _options.MaxConcurrentLeases);
        }

        return new AcquireOutcome(AcquireStatus.Wait, null, running, _options.MaxConcurrentLeases);
    }

    private SlotState? ToSlotState(Dictionary<string, AttributeValue> item)
    {
        var sk = GetString(item, _options.RangeKeyAttribute);
        if (sk is null || !sk.StartsWith(SlotPrefix, StringComparison.Ordinal)
            || !int.TryParse(sk.AsSpan(SlotPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var slot))
        {
            return null;
        }

        return new SlotState(
            slot,
            GetString(item, LeaseIdAttribute) ?? "",
            GetString(item, OwnerHashAttribute),
            GetString(item, OwnerIdAttribute),
            GetString(item, ResourceIdAttribute),
            GetLong(item, ExpiresAtMsAttribute) ?? 0);
    }

    private Dictionary<string, AttributeValue> Key(string sortKey) => new()
    {
        [_options.HashKeyAttribute] = S(_poolKey),
        [_options.RangeKeyAttribute] = S(sortKey),
    };

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static CancellationReason? Reason(TransactionCanceledException e, int index) =>
        e.CancellationReasons is { } reasons && reasons.Count > index ? reasons[index] : null;

    private static string? Code(TransactionCanceledException e, int index) => Reason(e, index)?.Code;

    private static TransientFailureException Transient(string operation, TransactionCanceledException e) =>
        new($"DynamoDB cancelled the {operation} transaction ({string.Join(", ", e.CancellationReasons?.Select(r => r.Code) ?? [])}); retry later.", e);

    private static Task<T> Call<T>(Func<Task<T>> call) => DynamoDbFaults.Guard(call);

    private readonly record struct ClaimResult(AcquireOutcome? Outcome)
    {
        public static ClaimResult SlotTaken => default;
    }
}
