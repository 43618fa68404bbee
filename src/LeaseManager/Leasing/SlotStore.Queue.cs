using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>
/// The waiter queue's items (callback strategy): queue items sorted so one Query reads the head, an
/// owner index per waiter so a re-ask keeps its place, and a marker counting the queue so a grant can
/// check "nobody is queued" in the same transaction that claims the slot.
/// </summary>
internal sealed partial class SlotStore
{
    /// <summary>Queue items outlive any wait Step Functions allows a task token (one year) only by accident; this only bounds leftovers.</summary>
    private const long QueueTtlMs = 7L * 24 * 3600 * 1000;

    private const string NobodyQueued = "attribute_not_exists(#pk) OR #waiting <= :zero";


    /// <summary>Every queue item, in queue order.</summary>
    public async Task<List<QueueEntry>> QueueAsync(CancellationToken ct)
    {
        var entries = new List<QueueEntry>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Call(() => _db.QueryAsync(QueueQuery(start, null), ct)).ConfigureAwait(false);
            entries.AddRange((page.Items ?? []).Select(ToQueueEntry).OfType<QueueEntry>());
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return entries;
    }

    /// <summary>
    /// The sort key of the queue item of this owner, if it is queued. A consistent Query of the one
    /// key rather than a GetItem: the function's role then needs no read action beyond Query.
    /// </summary>
    public async Task<string?> QueuedKeyOfAsync(string ownerHash, CancellationToken ct) =>
        GetString(await ReadOneAsync(WaiterItemKey(ownerHash), ct).ConfigureAwait(false), QueueKeyAttribute);

    /// <summary>One item of the pool by its sort key, read consistently with a Query (the role grants no GetItem); null when absent.</summary>
    private async Task<Dictionary<string, AttributeValue>?> ReadOneAsync(string sortKey, CancellationToken ct)
    {
        var request = new QueryRequest
        {
            TableName = _options.TableName,
            ConsistentRead = true,
            KeyConditionExpression = "#pk = :pk AND #sk = :sk",
            ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#sk"] = _options.RangeKeyAttribute },
            ExpressionAttributeValues = new() { [":pk"] = S(_poolKey), [":sk"] = S(sortKey) },
        };
        var page = await Call(() => _db.QueryAsync(request, ct)).ConfigureAwait(false);
        return page.Items is { Count: > 0 } items ? items[0] : null;
    }

    /// <summary>
    /// Queues <paramref name="entry"/> where its key says (the pool's queue, or its concurrency key's
    /// own): its item, its owner index and the queue's count in one transaction. A keyed waiter joins
    /// the pool's queue only while its key's own queue is empty, so it never overtakes one of its key.
    /// </summary>
    /// <param name="entry">The waiter and where it goes (its queue key).</param>
    /// <param name="ct">Abandons the call.</param>
    /// <param name="behindKeyWaiters">Check the key's own queue is empty (false only to put a passed-over waiter back in the place it had).</param>
    public async Task<EnqueueFacts> EnqueueAsync(QueueEntry entry, CancellationToken ct, bool behindKeyWaiters = true)
    {
        var ttl = N(TtlSeconds(entry.QueuedAtMs + QueueTtlMs));
        var index = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(WaiterItemKey(entry.OwnerHash)),
            [QueueKeyAttribute] = S(entry.QueueKey),
            [_options.TtlAttribute] = ttl,
        };
        var absent = new Dictionary<string, string> { ["#pk"] = _options.HashKeyAttribute };
        var items = new List<TransactWriteItem>
        {
            new() { Put = new Put { TableName = _options.TableName, Item = QueueItem(entry), ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = absent } },
            new() { Put = new Put { TableName = _options.TableName, Item = index, ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = absent } },
        };
        items.AddRange(CountQueued(entry, +1, behindKeyWaiters));

        try
        {
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return EnqueueFacts.Queued;
        }
        catch (TransactionCanceledException e) when (Code(e, 1) == "ConditionalCheckFailed")
        {
            return EnqueueFacts.AlreadyQueued;
        }
        catch (TransactionCanceledException e) when (entry.KeyHash is not null && entry.InPoolQueue && Code(e, items.Count - 1) == "ConditionalCheckFailed")
        {
            return EnqueueFacts.KeyHasWaiters;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("queue", e);
        }
    }

    private Dictionary<string, AttributeValue> QueueItem(QueueEntry entry)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [_options.HashKeyAttribute] = S(_poolKey),
            [_options.RangeKeyAttribute] = S(entry.QueueKey),
            [WakeTokenAttribute] = S(entry.WakeToken),
            [OwnerHashAttribute] = S(entry.OwnerHash),
            [OwnerIdAttribute] = S(entry.OwnerId),
            [PriorityAttribute] = N(entry.Priority),
            [QueuedAtMsAttribute] = N(entry.QueuedAtMs),
            [RequestedAtMsAttribute] = N(entry.RequestedAtMs),
            [LeaseDurationMsAttribute] = N(entry.LeaseDurationMs),
            [_options.TtlAttribute] = N(TtlSeconds(entry.QueuedAtMs + QueueTtlMs)),
        };
        if (entry.ResourceId is not null)
        {
            item[ResourceIdAttribute] = S(entry.ResourceId);
        }

        if (entry.PassedOverAtMs is { } passedOver)
        {
            item[PassedOverAtMsAttribute] = N(passedOver);
        }

        if (entry.KeyHash is not null)
        {
            item[ConcurrencyKeyAttribute] = S(entry.ConcurrencyKey!);
            item[KeyHashAttribute] = S(entry.KeyHash);
        }

        return item;
    }

    /// <summary>A re-ask's new token on its queue item, which keeps its key and so its place (and is no longer passed over). False: the item is gone (handed off or reclaimed).</summary>
    public async Task<bool> ReplaceTokenAsync(string queueKey, string wakeToken, CancellationToken ct)
    {
        try
        {
            await Call(() => _db.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(queueKey),
                    UpdateExpression = "SET #tok = :tok REMOVE #passed",
                    ConditionExpression = "attribute_exists(#pk)",
                    ExpressionAttributeNames = new() { ["#tok"] = WakeTokenAttribute, ["#pk"] = _options.HashKeyAttribute, ["#passed"] = PassedOverAtMsAttribute },
                    ExpressionAttributeValues = new() { [":tok"] = S(wakeToken) },
                },
                ct)).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Removes a queue item (reclaim of its owner), its index and its count, conditioned on the token read. False: it moved on.</summary>
    public async Task<bool> DequeueAsync(QueueEntry entry, CancellationToken ct)
    {
        try
        {
            await Call(() => _db.TransactWriteItemsAsync(
                new TransactWriteItemsRequest { TransactItems = [.. Dequeue(entry)], ClientRequestToken = NewToken() },
                ct)).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed" || Code(e, 1) == "ConditionalCheckFailed")
        {
            return false;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("dequeue", e);
        }
    }

    /// <summary>The check every grant carries with the callback strategy: nobody is queued.</summary>
    private ConditionCheck NobodyQueuedCheck() => new()
    {
        TableName = _options.TableName,
        Key = Key(QueueMarkerKey),
        ConditionExpression = NobodyQueued,
        ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#waiting"] = WaitingAttribute },
        ExpressionAttributeValues = new() { [":zero"] = N(0) },
    };

    /// <summary>A queue item's delete, conditioned on the token read (a re-ask replaced it: not this call's to delete).</summary>
    private Delete QueueItemDelete(QueueEntry entry) => new()
    {
        TableName = _options.TableName,
        Key = Key(entry.QueueKey),
        ConditionExpression = "#tok = :tok",
        ExpressionAttributeNames = new() { ["#tok"] = WakeTokenAttribute },
        ExpressionAttributeValues = new() { [":tok"] = S(entry.WakeToken) },
    };

    /// <summary>The queue item's and its index's deletes (conditioned on what was read) and the counts going down (the key's, unless <paramref name="keyCounted"/>: a hand-off counts it with its grant).</summary>
    private List<TransactWriteItem> Dequeue(QueueEntry entry, bool keyCounted = false) =>
    [
        new() { Delete = QueueItemDelete(entry) },
        new()
        {
            Delete = new Delete
            {
                TableName = _options.TableName,
                Key = Key(WaiterItemKey(entry.OwnerHash)),
                ConditionExpression = "#qk = :qk",
                ExpressionAttributeNames = new() { ["#qk"] = QueueKeyAttribute },
                ExpressionAttributeValues = new() { [":qk"] = S(entry.QueueKey) },
            },
        },
        .. CountQueued(entry, -1, keyCounted: keyCounted),
    ];

    private QueryRequest QueueQuery(Dictionary<string, AttributeValue>? start, int? limit, string prefix = QueuePrefix) => new()
    {
        TableName = _options.TableName,
        ConsistentRead = true,
        KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :queue)",
        ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#sk"] = _options.RangeKeyAttribute },
        ExpressionAttributeValues = new() { [":pk"] = S(_poolKey), [":queue"] = S(prefix) },
        ExclusiveStartKey = start,
        Limit = limit,
    };

    private QueueEntry? ToQueueEntry(Dictionary<string, AttributeValue> item)
    {
        var key = GetString(item, _options.RangeKeyAttribute);
        var token = GetString(item, WakeTokenAttribute);
        var hash = GetString(item, OwnerHashAttribute);
        var owner = GetString(item, OwnerIdAttribute);
        if (key is null || token is null || hash is null || owner is null)
        {
            return null;
        }

        var queuedAt = GetLong(item, QueuedAtMsAttribute) ?? 0;
        return new QueueEntry(
            key, token, owner, GetString(item, ResourceIdAttribute), hash, (int)(GetLong(item, PriorityAttribute) ?? 0), queuedAt,
            GetLong(item, RequestedAtMsAttribute) ?? queuedAt, GetLong(item, LeaseDurationMsAttribute) ?? 1000L * _options.MaxLeaseDurationSeconds,
            GetLong(item, PassedOverAtMsAttribute), GetString(item, ConcurrencyKeyAttribute), GetString(item, KeyHashAttribute));
    }
}

/// <summary>One queue item.</summary>
/// <param name="QueueKey">Its sort key: its place in the queue.</param>
/// <param name="WakeToken">The token it was last asked with.</param>
/// <param name="OwnerId">Who waits.</param>
/// <param name="ResourceId">What for.</param>
/// <param name="OwnerHash">The (owner, resource) hash: names its index item and goes on the slot it is handed.</param>
/// <param name="Priority">Higher first.</param>
/// <param name="QueuedAtMs">When it first queued.</param>
/// <param name="RequestedAtMs">When the wait was asked for (reclaim compares it with the execution's end).</param>
/// <param name="LeaseDurationMs">The lease it asked for.</param>
/// <param name="PassedOverAtMs">When a hand-off found its token closed and passed it over (it keeps its place until it re-asks or the grace ends); null otherwise.</param>
/// <param name="ConcurrencyKey">The key the waiter's lease will count against; null: none.</param>
/// <param name="KeyHash">That key's hash.</param>
internal sealed record QueueEntry(string QueueKey, string WakeToken, string OwnerId, string? ResourceId, string OwnerHash, int Priority, long QueuedAtMs, long RequestedAtMs, long LeaseDurationMs, long? PassedOverAtMs = null, string? ConcurrencyKey = null, string? KeyHash = null)
{
    /// <summary>In the pool's queue (handed slots), not in its key's own queue (waiting for room in the key).</summary>
    public bool InPoolQueue => QueueKey.StartsWith(LeaseItem.QueuePrefix, StringComparison.Ordinal);

    public QueuedWaiter ToWaiter() => new(WakeToken, OwnerId, ResourceId, Priority, QueuedAtMs);
}

/// <summary>How a queue write ended.</summary>
internal enum EnqueueFacts
{
    Queued,

    /// <summary>The owner is queued already (a concurrent call of the same owner came first).</summary>
    AlreadyQueued,

    /// <summary>A keyed waiter meant for the pool's queue found waiters in its key's own queue: it queues behind them.</summary>
    KeyHasWaiters,
}
