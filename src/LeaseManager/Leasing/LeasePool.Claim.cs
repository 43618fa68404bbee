using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>One conditional claim of one slot: the write every grant goes through.</summary>
public sealed partial class LeasePool
{
    private async Task<ClaimResult> ClaimAsync(int slot, Claimer claimer, Gate? gate, CancellationToken ct)
    {
        var now = NowMs();
        var expires = now + claimer.DurationMs;

        // The lease id names the owner index item when there is one, so release and renew find it.
        var id = LeaseId.NewFor(slot, claimer.OwnerItemHash);
        var text = id.ToString();
        var slotItem = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(SlotKey(slot)),
            [LeaseIdAttribute] = S(text),
            [ExpiresAtMsAttribute] = N(expires),
            [AcquiredAtMsAttribute] = N(now),
            [RequestedAtMsAttribute] = N(claimer.RequestedAtMs),
            [_options.TtlAttribute] = N(TtlSeconds(expires)),
        };
        if (claimer.OwnerHash is not null)
        {
            slotItem[OwnerHashAttribute] = S(claimer.OwnerHash);
            slotItem[OwnerIdAttribute] = S(claimer.Request.OwnerId!);
        }

        if (claimer.Request.ResourceId is not null)
        {
            slotItem[ResourceIdAttribute] = S(claimer.Request.ResourceId);
        }

        var values = new Dictionary<string, AttributeValue> { [":now"] = N(now) };
        var granted = new AcquireOutcome(AcquireStatus.Acquired, new Lease(text, slot, expires), null, _options.MaxConcurrentLeases);

        if (claimer.OwnerItemHash is null && gate is null)
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
                return Taken(slot, e.Item, text, claimer, now, granted, expires);
            }
        }

        var items = new List<TransactWriteItem>
        {
            new() { Put = new Put { TableName = _options.TableName, Item = slotItem, ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } },
        };
        var ownerIndex = -1;
        if (claimer.OwnerItemHash is not null)
        {
            ownerIndex = items.Count;
            var ownerItem = new Dictionary<string, AttributeValue>
            {
                [_options.HashKeyAttribute] = S(_poolKey),
                [_options.RangeKeyAttribute] = S(OwnerItemKey(claimer.OwnerItemHash)),
                [LeaseIdAttribute] = S(text),
                [ExpiresAtMsAttribute] = N(expires),
                [_options.TtlAttribute] = N(TtlSeconds(expires)),
            };
            items.Add(new() { Put = new Put { TableName = _options.TableName, Item = ownerItem, ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } });
        }

        var gateIndex = -1;
        if (gate is not null)
        {
            gateIndex = items.Count;
            items.Add(new() { Update = GateBump(gate) });
        }

        try
        {
            // One token per logical claim: the SDK's retry of a transaction whose answer was lost then
            // answers with the first try's success instead of failing against its own writes.
            await Call(() => _db.TransactWriteItemsAsync(
                new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() },
                ct)).ConfigureAwait(false);
            _hints.Observe(slot, expires);
            return new ClaimResult(granted);
        }
        catch (TransactionCanceledException e)
        {
            var slotReason = Reason(e, 0);
            if (slotReason?.Code == "ConditionalCheckFailed" && GetString(slotReason.Item, LeaseIdAttribute) == text)
            {
                // Our own write, applied by a try whose answer was lost (a retry without the token's help).
                _hints.Observe(slot, expires);
                return new ClaimResult(granted);
            }

            var ownerReason = ownerIndex >= 0 ? Reason(e, ownerIndex) : null;
            if (ownerReason?.Code == "ConditionalCheckFailed"
                && GetString(ownerReason.Item, LeaseIdAttribute) is { } existing
                && LeaseId.TryParse(existing, out var existingId))
            {
                // Same owner, lease still live: idempotent answer, nothing new written.
                _hints.Observe(slot, slotReason?.Code == "ConditionalCheckFailed" ? GetLong(slotReason.Item, ExpiresAtMsAttribute) ?? 0 : 0);
                var existingExpiry = GetLong(ownerReason.Item, ExpiresAtMsAttribute) ?? 0;
                return new ClaimResult(new AcquireOutcome(AcquireStatus.Acquired, new Lease(existing, existingId.Value.Slot, existingExpiry), null, _options.MaxConcurrentLeases, Reused: true));
            }

            if (slotReason?.Code == "ConditionalCheckFailed")
            {
                var taken = Taken(slot, slotReason.Item, text, claimer, now, granted, expires);
                return gateIndex >= 0 && Code(e, gateIndex) == "ConditionalCheckFailed" ? taken with { GateMoved = true } : taken;
            }

            if (gateIndex >= 0 && e.CancellationReasons?.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict") == true)
            {
                // The gate moved on (or is moving): another claim committed since our read.
                return new ClaimResult(null, GateMoved: true);
            }

            if (e.CancellationReasons?.Any(r => r.Code == "TransactionConflict") == true)
            {
                // Another transaction touched the same slot at the same moment: treat it as taken.
                return ClaimResult.SlotTaken;
            }

            throw Transient("acquire", e);
        }
    }

    /// <summary>The slot's condition failed; <paramref name="item"/> is what holds it.</summary>
    private ClaimResult Taken(int slot, Dictionary<string, AttributeValue>? item, string text, Claimer claimer, long now, AcquireOutcome granted, long expires)
    {
        if (GetString(item, LeaseIdAttribute) == text)
        {
            // Our own write: DynamoDB applied it, its answer was lost, and the SDK's retry of the very
            // same request (same lease id) failed against it. That is a grant, not a taken slot.
            _hints.Observe(slot, expires);
            return new ClaimResult(granted);
        }

        var heldUntil = GetLong(item, ExpiresAtMsAttribute) ?? expires;
        _hints.Observe(slot, heldUntil);
        if (claimer.OwnerHash is not null
            && GetString(item, OwnerHashAttribute) == claimer.OwnerHash
            && heldUntil > now
            && GetString(item, LeaseIdAttribute) is { } existing
            && LeaseId.TryParse(existing, out _))
        {
            // This owner already holds this slot (a duplicate of its own acquire): the same lease (G2).
            return new ClaimResult(new AcquireOutcome(AcquireStatus.Acquired, new Lease(existing, slot, heldUntil), null, _options.MaxConcurrentLeases, Reused: true));
        }

        return ClaimResult.SlotTaken;
    }

    private Update GateBump(Gate gate)
    {
        var names = new Dictionary<string, string> { ["#v"] = GateVersionAttribute };
        var values = new Dictionary<string, AttributeValue> { [":next"] = N((gate.Version ?? 0) + 1) };
        string condition;
        if (gate.Version is { } seen)
        {
            condition = "#v = :seen";
            values[":seen"] = N(seen);
        }
        else
        {
            condition = "attribute_not_exists(#pk)";
            names["#pk"] = _options.HashKeyAttribute;
        }

        return new Update
        {
            TableName = _options.TableName,
            Key = Key(GateKey),
            UpdateExpression = "SET #v = :next",
            ConditionExpression = condition,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }

    private static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>Who is claiming: fixed for the whole acquire.</summary>
    private sealed record Claimer(AcquireRequest Request, string? OwnerHash, string? OwnerItemHash, long RequestedAtMs, long DurationMs);

    /// <summary>The gate version a claim is conditioned on (null: the gate item did not exist in the read).</summary>
    private sealed record Gate(long? Version);

    private readonly record struct ClaimResult(AcquireOutcome? Outcome, bool GateMoved = false)
    {
        public static ClaimResult SlotTaken => default;
    }
}
