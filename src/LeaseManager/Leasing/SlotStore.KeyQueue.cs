using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>
/// Keys' own queues (callback strategy with concurrency keys). A waiter whose key is full waits in
/// its key's queue, counted on the key item, so it holds up no other key: the pool's queue and
/// marker hold only waiters that a free slot could serve. A waiter moves between the two queues,
/// keeping its order (priority, arrival, nonce), in one transaction with both counts.
/// </summary>
internal sealed partial class SlotStore
{
    /// <summary>
    /// Moves a queued waiter to <paramref name="toQueueKey"/> (the other queue, same order): its item
    /// replaced (conditioned on the token read), its index repointed, both counts moved. False: it
    /// moved on (handed a slot, re-asked, reclaimed) or another call moved it first.
    /// </summary>
    /// <param name="entry">The waiter as read.</param>
    /// <param name="toQueueKey">Its item's key in the other queue.</param>
    /// <param name="ct">Abandons the call.</param>
    /// <param name="pooledSeen">For a move into the pool's queue decided on a read of the key item: the count of the key's waiters in the pool's queue that read saw. The move commits only while it is unchanged, so two moves decided on one read cannot both let a waiter through, and a move decided before a waiter came back to the key's queue (its place there ahead of this one) does not commit.</param>
    public async Task<bool> MoveQueuedAsync(QueueEntry entry, string toQueueKey, CancellationToken ct, int? pooledSeen = null)
    {
        var moved = entry with { QueueKey = toQueueKey };
        var counts = KeyCounts(entry.KeyHash!, moved.InPoolQueue ? -1 : +1, moved.InPoolQueue ? +1 : -1);
        if (pooledSeen is { } seen)
        {
            counts.ConditionExpression = seen == 0 ? "attribute_not_exists(#pooled) OR #pooled = :seen" : "#pooled = :seen";
            counts.ExpressionAttributeValues[":seen"] = N(seen);
        }

        var absent = new Dictionary<string, string> { ["#pk"] = _options.HashKeyAttribute };
        TransactWriteItem[] items =
        [
            new() { Delete = QueueItemDelete(entry) },
            new() { Put = new Put { TableName = _options.TableName, Item = QueueItem(moved), ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = absent } },
            new()
            {
                Update = new Update
                {
                    TableName = _options.TableName,
                    Key = Key(WaiterItemKey(entry.OwnerHash)),
                    UpdateExpression = "SET #qk = :to",
                    ConditionExpression = "#qk = :from",
                    ExpressionAttributeNames = new() { ["#qk"] = QueueKeyAttribute },
                    ExpressionAttributeValues = new() { [":to"] = S(toQueueKey), [":from"] = S(entry.QueueKey) },
                },
            },
            new() { Update = PoolMarkerCount(moved.InPoolQueue ? +1 : -1) },
            new() { Update = counts },
        ];
        try
        {
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [.. items], ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException e) when (e.CancellationReasons?.Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict") == true)
        {
            return false;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("queue move", e);
        }
    }

    /// <summary>The head of one key's own queue (a consistent read), or null when nobody waits there.</summary>
    public async Task<QueueEntry?> KeyQueueHeadAsync(string keyHash, CancellationToken ct)
    {
        var answer = await Call(() => _db.QueryAsync(QueueQuery(null, 1, $"{KeyQueuePrefix}{keyHash}#"), ct)).ConfigureAwait(false);
        return (answer.Items ?? []).Select(ToQueueEntry).OfType<QueueEntry>().FirstOrDefault();
    }

    /// <summary>
    /// The waiters of one key in the pool's queue that come after <paramref name="order"/>: one
    /// consistent Query of the pool's queue from that place to its end, filtered on the key. It reads
    /// only the waiters queued after that place (few: the swap it serves follows concurrent arrivals).
    /// </summary>
    public async Task<List<QueueEntry>> PooledAfterAsync(string keyHash, string order, CancellationToken ct)
    {
        var entries = new List<QueueEntry>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var request = new QueryRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :from AND :to",
                FilterExpression = "#kh = :kh",
                ExpressionAttributeNames = new() { ["#pk"] = _options.HashKeyAttribute, ["#sk"] = _options.RangeKeyAttribute, ["#kh"] = KeyHashAttribute },
                ExpressionAttributeValues = new() { [":pk"] = S(_poolKey), [":from"] = S(QueuePrefix + order), [":to"] = S(QueuePrefix + "~"), [":kh"] = S(keyHash) },
                ExclusiveStartKey = start,
            };
            var page = await Call(() => _db.QueryAsync(request, ct)).ConfigureAwait(false);
            entries.AddRange((page.Items ?? []).Select(ToQueueEntry).OfType<QueueEntry>());
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return entries;
    }

    /// <summary>Waiters in keys' own queues, by key then order, up to <paramref name="max"/> (null: all).</summary>
    public async Task<List<QueueEntry>> KeyQueuesAsync(int? max, CancellationToken ct)
    {
        var entries = new List<QueueEntry>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Call(() => _db.QueryAsync(QueueQuery(start, max, KeyQueuePrefix), ct)).ConfigureAwait(false);
            entries.AddRange((page.Items ?? []).Select(ToQueueEntry).OfType<QueueEntry>());
            start = page.LastEvaluatedKey is { Count: > 0 } next && (max is null || entries.Count < max) ? next : null;
        }
        while (start is not null);

        return entries;
    }

    /// <summary>
    /// The counts an entry moves when it joins (+1) or leaves (-1) its queue: the pool's marker for
    /// the pool's queue; on a keyed entry's key item, its waiters in the key's own queue
    /// (<c>key_waiting</c>) or in the pool's (<c>key_pooled</c>). Joining the pool's queue, a keyed
    /// entry checks that nobody of its key waits in the key's own queue.
    /// </summary>
    private List<TransactWriteItem> CountQueued(QueueEntry entry, int by, bool behindKeyWaiters = false, bool keyCounted = false)
    {
        var items = new List<TransactWriteItem>();
        if (entry.InPoolQueue)
        {
            items.Add(new() { Update = PoolMarkerCount(by) });
        }

        if (entry.KeyHash is { } keyHash && !keyCounted)
        {
            var update = KeyCounts(keyHash, entry.InPoolQueue ? 0 : by, entry.InPoolQueue ? by : 0);
            if (behindKeyWaiters && entry.InPoolQueue && by > 0)
            {
                update.ConditionExpression = "attribute_not_exists(#waiting) OR #waiting <= :zero";
                update.ExpressionAttributeValues[":zero"] = N(0);
            }

            items.Add(new() { Update = update });
        }

        return items;
    }

    private Update PoolMarkerCount(int by) => new()
    {
        TableName = _options.TableName,
        Key = Key(QueueMarkerKey),
        UpdateExpression = "ADD #waiting :by",
        ExpressionAttributeNames = new() { ["#waiting"] = WaitingAttribute },
        ExpressionAttributeValues = new() { [":by"] = N(by) },
    };

    /// <summary>Moves a key item's counts of its waiters: in the key's own queue, and in the pool's.</summary>
    private Update KeyCounts(string keyHash, int waitingBy, int pooledBy) => new()
    {
        TableName = _options.TableName,
        Key = Key(KeyItemKey(keyHash)),
        UpdateExpression = "ADD #waiting :w, #pooled :p",
        ExpressionAttributeNames = new() { ["#waiting"] = KeyWaitingAttribute, ["#pooled"] = KeyPooledAttribute },
        ExpressionAttributeValues = new() { [":w"] = N(waitingBy), [":p"] = N(pooledBy) },
    };
}
