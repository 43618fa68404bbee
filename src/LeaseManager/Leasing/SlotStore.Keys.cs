using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>
/// Concurrency keys. A key item holds the set of slot numbers its leases occupy: every slot holding a
/// live lease of the key is in the set, so the key never holds more live leases than the set has
/// members. A keyed grant adds its slot in the same transaction as the slot's write, conditioned on
/// the set staying within the key's limit, so the pool and the key are taken together or not at all.
/// A slot leaves the set with its lease's release, or, when it was left behind (an expiry, a slot
/// re-granted to another key), by a prune that checks in the same transaction that the slot holds no
/// live lease of the key.
/// </summary>
internal sealed partial class SlotStore
{
    // Room in the key: adding a new slot keeps the set below the limit; re-granting a slot already
    // in the set (its old lease of this key ended) keeps its size, which must not be above the limit
    // (a lowered limit). The stored limit wins over the configured one; a missing set is empty.
    private const string KeyRoomCondition =
        "attribute_not_exists(#h)"
        + " OR (contains(#h, :slot) AND ((attribute_not_exists(#kl) AND size(#h) <= :lim) OR (attribute_exists(#kl) AND size(#h) <= #kl)))"
        + " OR (attribute_not_exists(#kl) AND size(#h) < :lim) OR (attribute_exists(#kl) AND size(#h) < #kl)";

    // How long past its last write a key item is kept: every lease under it expires within the
    // pool's longest duration of its grant or renewal, and a day covers any skew between clocks.
    private const long KeyItemMarginMs = 86_400_000;

    /// <summary>
    /// The transaction item that counts <paramref name="claim"/>'s lease against its key. A newcomer's
    /// grant with the callback strategy (<see cref="SlotClaim.CheckQueue"/>) also finds the key's own
    /// queue empty; a hand-off serves a waiter that queue has already let through.
    /// </summary>
    /// <param name="claim">The grant.</param>
    /// <param name="key">Its key.</param>
    /// <param name="handedFromPoolQueue">A hand-off to a waiter of the key from the pool's queue: the key's count of such waiters goes down in the same write.</param>
    private Update KeyGrant(SlotClaim claim, KeyClaim key, bool handedFromPoolQueue = false)
    {
        var update = new Update
        {
            TableName = _options.TableName,
            Key = Key(KeyItemKey(key.Hash)),
            UpdateExpression = "ADD #h :slots SET #ck = :ck, #ttl = if_not_exists(#pin, :ttl)",
            ConditionExpression = KeyRoomCondition,
            ExpressionAttributeNames = new() { ["#h"] = HoldersAttribute, ["#kl"] = KeyLimitAttribute, ["#ck"] = ConcurrencyKeyAttribute, ["#ttl"] = _options.TtlAttribute, ["#pin"] = KeyPinnedAttribute },
            ExpressionAttributeValues = new()
            {
                [":slots"] = SlotSet([claim.Slot]), [":slot"] = N(claim.Slot), [":lim"] = N(key.ConfiguredLimit), [":ck"] = S(key.Key), [":ttl"] = N(KeyItemTtl(claim.NowMs)),
            },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
        if (handedFromPoolQueue)
        {
            update.UpdateExpression = "ADD #h :slots, #pooled :less SET #ck = :ck, #ttl = if_not_exists(#pin, :ttl)";
            update.ExpressionAttributeNames["#pooled"] = KeyPooledAttribute;
            update.ExpressionAttributeValues[":less"] = N(-1);
        }

        if (claim.CheckQueue)
        {
            update.ConditionExpression = $"({KeyRoomCondition}) AND (attribute_not_exists(#kw) OR #kw <= :zero)";
            update.ExpressionAttributeNames["#kw"] = KeyWaitingAttribute;
            update.ExpressionAttributeValues[":zero"] = N(0);
        }

        return update;
    }

    /// <summary>Takes a released lease's slot out of its key's set, in the release's transaction (which deletes the slot, fenced on the lease).</summary>
    private Update KeyRelease(LeaseId id) => new()
    {
        TableName = _options.TableName,
        Key = Key(KeyItemKey(id.KeyHash!)),
        UpdateExpression = "DELETE #h :slots",
        ExpressionAttributeNames = new() { ["#h"] = HoldersAttribute },
        ExpressionAttributeValues = new() { [":slots"] = SlotSet([id.Slot]) },
    };

    /// <summary>The key hash of the lease a fence names, if it is keyed.</summary>
    private static string? KeyHashOf(SlotFence fence) =>
        fence.LeaseId is { } text && LeaseId.TryParse(text, out var id) ? id.Value.KeyHash : null;

    private static AttributeValue SlotSet(IEnumerable<int> slots) =>
        new() { NS = slots.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList() };

    /// <summary>Keeps a renewed lease's key item from expiring under it (DynamoDB TTL must never drop a set that counts a live lease).</summary>
    private Update KeyRenewal(LeaseId id, long nowMs) => new()
    {
        TableName = _options.TableName,
        Key = Key(KeyItemKey(id.KeyHash!)),
        UpdateExpression = "SET #ttl = if_not_exists(#pin, :ttl)",
        ExpressionAttributeNames = new() { ["#ttl"] = _options.TtlAttribute, ["#pin"] = KeyPinnedAttribute },
        ExpressionAttributeValues = new() { [":ttl"] = N(KeyItemTtl(nowMs)) },
    };

    private long KeyItemTtl(long nowMs) => TtlSeconds(nowMs + (1000L * _options.MaxLeaseDurationSeconds) + KeyItemMarginMs);

    /// <summary>
    /// Drops <paramref name="ended"/> (slots in the key's set that hold no live lease of the key) from
    /// the set: one transaction that checks each of those slots still holds none. False when one was
    /// granted to the key again in between, or another transaction touched the set at that moment.
    /// </summary>
    public async Task<bool> PruneKeyAsync(string keyHash, IReadOnlyList<int> ended, long nowMs, CancellationToken ct)
    {
        var items = new List<TransactWriteItem>
        {
            new()
            {
                Update = new Update
                {
                    TableName = _options.TableName,
                    Key = Key(KeyItemKey(keyHash)),
                    UpdateExpression = "DELETE #h :ids",
                    ExpressionAttributeNames = new() { ["#h"] = HoldersAttribute },
                    ExpressionAttributeValues = new() { [":ids"] = SlotSet(ended) },
                },
            },
        };
        foreach (var slot in ended)
        {
            items.Add(new()
            {
                ConditionCheck = new ConditionCheck
                {
                    TableName = _options.TableName,
                    Key = Key(SlotKey(slot)),
                    ConditionExpression = "attribute_not_exists(#pk) OR #exp <= :now OR attribute_not_exists(#kh) OR #kh <> :kh",
                    ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#exp"] = ExpiresAtMsAttribute, ["#kh"] = KeyHashAttribute },
                    ExpressionAttributeValues = new() { [":kh"] = S(keyHash), [":now"] = N(nowMs) },
                },
            });
        }

        try
        {
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException e) when (e.CancellationReasons?.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict") == true)
        {
            return false;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("prune", e);
        }
    }

    /// <summary>
    /// A consistent read of one key item: its set, its stored limit, its waiters. A Query of the one
    /// key rather than a GetItem: the function's role needs no read action beyond Query.
    /// </summary>
    public async Task<KeyFacts> ReadKeyAsync(string keyHash, CancellationToken ct) =>
        KeyFacts.From(await ReadOneAsync(KeyItemKey(keyHash), ct).ConfigureAwait(false));

    /// <summary>Stores (or, with null, clears) an operator's limit for one key.</summary>
    public async Task SetKeyLimitAsync(string key, string keyHash, int? limit, long nowMs, CancellationToken ct)
    {
        var request = new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = Key(KeyItemKey(keyHash)),
            ExpressionAttributeNames = new() { ["#kl"] = KeyLimitAttribute, ["#pin"] = KeyPinnedAttribute, ["#ttl"] = _options.TtlAttribute, ["#ck"] = ConcurrencyKeyAttribute },
        };
        if (limit is { } value)
        {
            // A stored limit must outlive every lease: the TTL attribute becomes a string, which
            // DynamoDB TTL ignores, and grants copy the pin instead of a time while it is there.
            request.UpdateExpression = "SET #kl = :kl, #pin = :pin, #ttl = :pin, #ck = :ck";
            request.ExpressionAttributeValues = new() { [":kl"] = N(value), [":pin"] = S("pinned"), [":ck"] = S(key) };
        }
        else
        {
            request.UpdateExpression = "REMOVE #kl, #pin SET #ttl = :ttl, #ck = :ck";
            request.ExpressionAttributeValues = new() { [":ttl"] = N(KeyItemTtl(nowMs)), [":ck"] = S(key) };
        }

        await Call(() => _db.UpdateItemAsync(request, ct)).ConfigureAwait(false);
    }
}

/// <summary>What a keyed claim counts against: the key, its item's hash, and the limit this process is configured with for it.</summary>
internal sealed record KeyClaim(string Key, string Hash, int ConfiguredLimit);

/// <summary>A key item as read (or as returned by a failed grant): the slots counted against it, and an operator's limit.</summary>
internal sealed record KeyFacts(IReadOnlyList<int> Slots, int? StoredLimit, int Waiting = 0, int Pooled = 0)
{
    public static KeyFacts From(Dictionary<string, AttributeValue>? item) => new(
        item is not null && item.TryGetValue(HoldersAttribute, out var set) && set.NS is { } slots
            ? slots.Select(s => int.Parse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [],
        GetLong(item, KeyLimitAttribute) is { } stored ? (int)Math.Clamp(stored, 1, LeasePoolOptions.MaxSlots) : null,
        (int)Math.Clamp(GetLong(item, KeyWaitingAttribute) ?? 0, 0, int.MaxValue),
        (int)Math.Clamp(GetLong(item, KeyPooledAttribute) ?? 0, 0, int.MaxValue));

    /// <summary>The limit in force for a key configured with <paramref name="configured"/>: the stored one wins.</summary>
    public int EffectiveLimit(int configured) => StoredLimit ?? configured;
}
