using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>
/// The primitive under <see cref="LeasePool"/>: how a pool's items are read and written in DynamoDB.
/// It builds the Query, Put, Delete, Update and transaction requests and turns their failures into
/// facts (who holds the slot, whether the gate moved) or contract errors; it decides nothing. Which
/// slot to try, when to look an owner up, and what a fact means are the pool's decisions.
/// </summary>
internal sealed partial class SlotStore
{
    private const string SlotCondition = "attribute_not_exists(#pk) OR #exp <= :now";

    private readonly IAmazonDynamoDB _db;
    private readonly LeasePoolOptions _options;
    private readonly string _poolKey;
    private readonly Dictionary<string, string> _slotConditionNames;

    public SlotStore(IAmazonDynamoDB db, LeasePoolOptions options)
    {
        _db = db;
        _options = options;
        _poolKey = options.PoolKey;
        _slotConditionNames = new Dictionary<string, string> { ["#pk"] = options.HashKeyAttribute, ["#exp"] = ExpiresAtMsAttribute };
    }

    /// <summary>A strongly consistent read of every slot item of this pool; <paramref name="startedAtMs"/> is when the caller began it.</summary>
    public async Task<PoolSnapshot> ReadAsync(long startedAtMs, CancellationToken cancellationToken)
    {
        var slots = new List<SlotState>();
        long? gateVersion = null;
        int? storedLimit = null;
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            // The gate sorts first, so it is read before any slot (see LeasePool.AcquireAsync for why that order matters).
            var request = new QueryRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :gate AND :end",
                ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#sk"] = _options.RangeKeyAttribute },
                ExpressionAttributeValues = new() { [":pk"] = S(_poolKey), [":gate"] = S(GateKey), [":end"] = S(SlotRangeEnd) },
                ExclusiveStartKey = startKey,
            };
            var page = await Call(() => _db.QueryAsync(request, cancellationToken)).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (ToSlotState(item) is { } state)
                {
                    slots.Add(state);
                }
                else if (GetString(item, _options.RangeKeyAttribute) == GateKey)
                {
                    gateVersion = GetLong(item, GateVersionAttribute);
                    storedLimit = GetLong(item, LimitAttribute) is { } limit ? (int)Math.Clamp(limit, 1, LeasePoolOptions.MaxSlots) : null;
                }
            }

            startKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return new PoolSnapshot(slots, startedAtMs, gateVersion, storedLimit);
    }

    /// <summary>
    /// Writes <paramref name="claim"/> if its slot is free or expired: one conditional Put when it
    /// indexes no owner and passes no gate, else one transaction with the owner item and gate bump.
    /// </summary>
    public async Task<ClaimFacts> ClaimAsync(SlotClaim claim, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue> { [":now"] = N(claim.NowMs) };
        var slotPut = new Put { TableName = _options.TableName, Item = SlotItem(claim), ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD };
        if (claim.OwnerItemHash is null && claim.GateVersion is null && !claim.CheckQueue && claim.Key is null)
        {
            try
            {
                // Only a failed condition returns the item (who holds the slot, until when): a granted
                // write returns nothing, which keeps the hot path lean.
                await Call(() => _db.PutItemAsync(Alone(slotPut), ct)).ConfigureAwait(false);
                return ClaimFacts.Written;
            }
            catch (ConditionalCheckFailedException e)
            {
                return new ClaimFacts(false, Holder(e.Item), null, false, false);
            }
        }

        var items = new List<TransactWriteItem> { new() { Put = slotPut } };
        var ownerIndex = -1;
        if (claim.OwnerItemHash is not null)
        {
            ownerIndex = items.Count;
            var expires = claim.ExpiresAtMs;
            var ownerItem = new Dictionary<string, AttributeValue>
            {
                [_options.HashKeyAttribute] = S(_poolKey),
                [_options.RangeKeyAttribute] = S(OwnerItemKey(claim.OwnerItemHash)),
                [LeaseIdAttribute] = S(claim.LeaseId),
                [ExpiresAtMsAttribute] = N(expires),
                [_options.TtlAttribute] = N(TtlSeconds(expires)),
            };
            items.Add(new() { Put = new Put { TableName = _options.TableName, Item = ownerItem, ConditionExpression = SlotCondition, ExpressionAttributeNames = _slotConditionNames, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD } });
        }

        var gateIndex = -1;
        if (claim.GateVersion is { } gate)
        {
            gateIndex = items.Count;
            items.Add(new() { Update = GateBump(gate.Seen) });
        }

        var queueIndex = -1;
        if (claim.CheckQueue)
        {
            // Callback strategy: no grant while anyone is queued (G7); still this one round trip.
            queueIndex = items.Count;
            items.Add(new() { ConditionCheck = NobodyQueuedCheck() });
        }

        var keyIndex = -1;
        if (claim.Key is { } key)
        {
            // The key counts the lease in the same transaction as the slot: both or neither.
            keyIndex = items.Count;
            items.Add(new() { Update = KeyGrant(claim, key) });
        }

        try
        {
            // One token per logical claim: the SDK's retry of a transaction whose answer was lost then
            // answers with the first try's success instead of failing against its own writes.
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return ClaimFacts.Written;
        }
        catch (TransactionCanceledException e)
        {
            var slot = Reason(e, 0);
            var owner = ownerIndex >= 0 ? Reason(e, ownerIndex) : null;
            var facts = new ClaimFacts(
                false,
                slot?.Code == "ConditionalCheckFailed" ? Holder(slot.Item) : null,
                owner?.Code == "ConditionalCheckFailed" ? Holder(owner.Item) : null,
                gateIndex >= 0 && Code(e, gateIndex) == "ConditionalCheckFailed",
                e.CancellationReasons?.Any(r => r.Code == "TransactionConflict") == true,
                queueIndex >= 0 && Code(e, queueIndex) == "ConditionalCheckFailed",
                keyIndex >= 0 && Reason(e, keyIndex) is { Code: "ConditionalCheckFailed" } full ? KeyFacts.From(full.Item) : null);
            if (facts.SlotHeldBy is null && facts.OwnerIndexHeldBy is null && !facts.GateFailed && !facts.Conflict && !facts.Queued && facts.KeyFull is null)
            {
                throw Transient("acquire", e);
            }

            return facts;
        }
    }

    private Dictionary<string, AttributeValue> SlotItem(SlotClaim claim)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(SlotKey(claim.Slot)),
            [LeaseIdAttribute] = S(claim.LeaseId),
            [ExpiresAtMsAttribute] = N(claim.ExpiresAtMs),
            [AcquiredAtMsAttribute] = N(claim.NowMs),
            [RequestedAtMsAttribute] = N(claim.RequestedAtMs),
            [_options.TtlAttribute] = N(TtlSeconds(claim.ExpiresAtMs)),
        };
        if (claim.OwnerHash is not null)
        {
            item[OwnerHashAttribute] = S(claim.OwnerHash);
            item[OwnerIdAttribute] = S(claim.OwnerId!);
        }

        if (claim.ResourceId is not null)
        {
            item[ResourceIdAttribute] = S(claim.ResourceId);
        }

        if (claim.Key is not null)
        {
            item[ConcurrencyKeyAttribute] = S(claim.Key.Key);
            item[KeyHashAttribute] = S(claim.Key.Hash);
        }

        return item;
    }

    private Update GateBump(long? seen)
    {
        var names = new Dictionary<string, string> { ["#v"] = GateVersionAttribute };
        var values = new Dictionary<string, AttributeValue> { [":next"] = N((seen ?? 0) + 1) };
        string condition;
        if (seen is { } version)
        {
            condition = "#v = :seen";
            values[":seen"] = N(version);
        }
        else
        {
            condition = "attribute_not_exists(#pk)";
            names["#pk"] = _options.HashKeyAttribute;
        }

        return new Update { TableName = _options.TableName, Key = Key(GateKey), UpdateExpression = "SET #v = :next", ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values };
    }

    private static ItemHolder Holder(Dictionary<string, AttributeValue>? item) =>
        new(GetString(item, LeaseIdAttribute), GetString(item, OwnerHashAttribute), GetLong(item, ExpiresAtMsAttribute));
}
