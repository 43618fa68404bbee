using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>
/// The callback strategy's slot writes: a release that frees only while nobody is queued, and the
/// hand-off that moves a slot to the head waiter in one transaction (never free in between).
/// </summary>
internal sealed partial class SlotStore
{
    /// <summary>
    /// Frees the slot <paramref name="fence"/> names if nobody is queued: the fenced delete and the
    /// marker check in one transaction, so a release racing a waiter's queue write either sees it
    /// (and hands on) or frees first (and the waiter's re-check finds the free slot).
    /// </summary>
    public async Task<FreeFacts> FreeIfNobodyQueuedAsync(int slot, SlotFence fence, CancellationToken ct)
    {
        List<TransactWriteItem> items = [new() { Delete = FenceDelete(slot, fence) }, new() { ConditionCheck = NobodyQueuedCheck() }];
        if (KeyHashOf(fence) is { } keyHash && LeaseId.TryParse(fence.LeaseId, out var id))
        {
            // The slot leaves its key's set with it, unless waiters of the key need the room.
            var release = KeyRelease(id.Value);
            release.ConditionExpression = "attribute_not_exists(#waiting) OR #waiting <= :zero";
            release.ExpressionAttributeNames["#waiting"] = KeyWaitingAttribute;
            release.ExpressionAttributeValues[":zero"] = N(0);
            items.Add(new() { Update = release });
        }

        try
        {
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [.. items], ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return FreeFacts.Freed;
        }
        catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed")
        {
            return FreeFacts.SlotNotHeld;
        }
        catch (TransactionCanceledException e) when (Code(e, 2) == "ConditionalCheckFailed")
        {
            // Waiters of the lease's key: they may be older than the pool's queue's head.
            return FreeFacts.KeyQueued;
        }
        catch (TransactionCanceledException e) when (Code(e, 1) == "ConditionalCheckFailed")
        {
            return FreeFacts.Queued;
        }
        catch (TransactionCanceledException e) when (e.CancellationReasons?.Any(r => r.Code == "TransactionConflict") == true)
        {
            return FreeFacts.Conflict;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("release", e);
        }
    }

    /// <summary>Frees the slot <paramref name="fence"/> names whether or not anyone is queued (a slot above the limit, or while the limit is exceeded).</summary>
    public async Task<bool> FreeAsync(int slot, SlotFence fence, CancellationToken ct)
    {
        var delete = FenceDelete(slot, fence);
        if (KeyHashOf(fence) is not null && LeaseId.TryParse(fence.LeaseId, out var id))
        {
            try
            {
                await Call(() => _db.TransactWriteItemsAsync(
                    new TransactWriteItemsRequest { TransactItems = [new() { Delete = delete }, new() { Update = KeyRelease(id.Value) }], ClientRequestToken = NewToken() },
                    ct)).ConfigureAwait(false);
                return true;
            }
            catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed")
            {
                return false;
            }
            catch (TransactionCanceledException e)
            {
                throw Transient("release", e);
            }
        }

        try
        {
            await Call(() => _db.DeleteItemAsync(Alone(delete), ct)).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// One transaction: the slot rewritten with <paramref name="grant"/> (fenced), the waiter's queue
    /// item and index deleted (conditioned on the token and key read), the marker counted down, and
    /// the gate bumped when the grant adds a live lease while one above the limit is live.
    /// </summary>
    public async Task<HandOffFacts> HandOffAsync(SlotClaim grant, SlotFence fence, QueueEntry waiter, CancellationToken ct)
    {
        var item = SlotItem(grant);
        item[WakeTokenAttribute] = S(waiter.WakeToken);
        var (condition, names, values) = FenceCondition(fence);
        var items = new List<TransactWriteItem>
        {
            new() { Put = new Put { TableName = _options.TableName, Item = item, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values } },
        };
        items.AddRange(Dequeue(waiter, keyCounted: grant.Key is not null));
        var gateIndex = -1;
        if (grant.GateVersion is { } gate)
        {
            gateIndex = items.Count;
            items.Add(new() { Update = GateBump(gate.Seen) });
        }

        var keyIndex = -1;
        if (grant.Key is { } key)
        {
            keyIndex = items.Count;
            items.Add(new() { Update = KeyGrant(grant, key, handedFromPoolQueue: true) });
        }

        if (KeyHashOf(fence) is { } oldKey && oldKey != grant.Key?.Hash && LeaseId.TryParse(fence.LeaseId, out var old))
        {
            // The slot leaves the old lease's key (within the same key it simply stays in the set).
            items.Add(new() { Update = KeyRelease(old.Value) });
        }

        try
        {
            await Call(() => _db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() }, ct)).ConfigureAwait(false);
            return HandOffFacts.Written;
        }
        catch (TransactionCanceledException e)
        {
            if (Code(e, 0) == "ConditionalCheckFailed")
            {
                return HandOffFacts.SlotLost;
            }

            if (Code(e, 1) == "ConditionalCheckFailed" || Code(e, 2) == "ConditionalCheckFailed")
            {
                return HandOffFacts.WaiterMoved;
            }

            if (gateIndex >= 0 && Code(e, gateIndex) == "ConditionalCheckFailed")
            {
                return HandOffFacts.GateMoved;
            }

            if (keyIndex >= 0 && Code(e, keyIndex) == "ConditionalCheckFailed")
            {
                return HandOffFacts.KeyFull;
            }

            if (e.CancellationReasons?.Any(r => r.Code == "TransactionConflict") == true)
            {
                return HandOffFacts.Conflict;
            }

            throw Transient("hand-off", e);
        }
    }

    /// <summary>
    /// Puts a re-ask's new token on the slot it was handed, so a late "waiter gone" answer for the
    /// old token can no longer take the grant back. False: the slot no longer carries this live lease.
    /// </summary>
    public async Task<bool> StampTokenAsync(int slot, string leaseId, string wakeToken, long nowMs, CancellationToken ct)
    {
        try
        {
            await Call(() => _db.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(SlotKey(slot)),
                    UpdateExpression = "SET #tok = :tok",
                    ConditionExpression = "#lease = :lease AND #exp > :now",
                    ExpressionAttributeNames = new() { ["#tok"] = WakeTokenAttribute, ["#lease"] = LeaseIdAttribute, ["#exp"] = ExpiresAtMsAttribute },
                    ExpressionAttributeValues = new() { [":tok"] = S(wakeToken), [":lease"] = S(leaseId), [":now"] = N(nowMs) },
                },
                ct)).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Deletes an owned lease's owner item, fenced on its id (a no-op once it moved on).</summary>
    public async Task DeleteOwnerItemAsync(LeaseId id, string ownerHash, CancellationToken ct)
    {
        var delete = FencedDelete(OwnerItemKey(ownerHash), id);
        try
        {
            await Call(() => _db.DeleteItemAsync(Alone(delete), ct)).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Already gone, or it indexes the owner's newer lease: either way not this lease's to delete.
        }
    }

    private Delete FenceDelete(int slot, SlotFence fence)
    {
        var (condition, names, values) = FenceCondition(fence);
        return new Delete { TableName = _options.TableName, Key = Key(SlotKey(slot)), ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values };
    }

    private (string Condition, Dictionary<string, string> Names, Dictionary<string, AttributeValue> Values) FenceCondition(SlotFence fence)
    {
        if (fence.LeaseId is null)
        {
            return (SlotCondition, new(_slotConditionNames), new() { [":now"] = N(fence.NowMs) });
        }

        var names = new Dictionary<string, string> { ["#lease"] = LeaseIdAttribute };
        var values = new Dictionary<string, AttributeValue> { [":lease"] = S(fence.LeaseId) };
        if (fence.WakeToken is null)
        {
            return ("#lease = :lease", names, values);
        }

        names["#tok"] = WakeTokenAttribute;
        values[":tok"] = S(fence.WakeToken);
        return ("#lease = :lease AND #tok = :tok", names, values);
    }
}

/// <summary>
/// What a slot write is fenced on: a lease id (and, for a grant whose waiter is gone, the token it
/// was handed with), or — with no lease id — the slot being free or expired at <see cref="NowMs"/>.
/// </summary>
internal sealed record SlotFence(string? LeaseId, string? WakeToken, long NowMs)
{
    public static SlotFence Held(string leaseId, string? wakeToken = null) => new(leaseId, wakeToken, 0);

    public static SlotFence FreeAt(long nowMs) => new(null, null, nowMs);
}

internal enum FreeFacts
{
    Freed,
    SlotNotHeld,
    Queued,

    /// <summary>Nobody in the pool's queue, but waiters in the freed lease's key's own queue: they get the room.</summary>
    KeyQueued,
    Conflict,
}

internal enum HandOffFacts
{
    Written,
    SlotLost,
    WaiterMoved,
    GateMoved,

    /// <summary>The waiter's key has no room (it filled since the waiter joined the pool's queue).</summary>
    KeyFull,
    Conflict,
}
