using Amazon.DynamoDBv2.Model;
using static LeaseManager.Leasing.LeaseItem;

namespace LeaseManager.Leasing;

/// <summary>Fenced deletes and extensions: each conditioned on the lease id, so a re-granted slot is never touched.</summary>
internal sealed partial class SlotStore
{
    /// <summary>Deletes the slot and the owner item of an owned lease together, both fenced on its id.</summary>
    public async Task<DeleteFacts> DeleteWithOwnerIndexAsync(LeaseId id, string ownerHash, CancellationToken cancellationToken)
    {
        try
        {
            // The token makes the SDK's retry after a lost answer report the first try's success.
            List<TransactWriteItem> items = [new() { Delete = FencedDelete(SlotKey(id.Slot), id) }, new() { Delete = FencedDelete(OwnerItemKey(ownerHash), id) }];
            if (id.KeyHash is not null)
            {
                items.Add(new() { Update = KeyRelease(id) });
            }

            await Call(() => _db.TransactWriteItemsAsync(
                new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() },
                cancellationToken)).ConfigureAwait(false);
            return DeleteFacts.Deleted;
        }
        catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed")
        {
            return DeleteFacts.SlotNotHeld;
        }
        catch (TransactionCanceledException e) when (Code(e, 1) == "ConditionalCheckFailed")
        {
            return DeleteFacts.OwnerIndexMoved;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("release", e);
        }
    }

    /// <summary>Deletes the slot item alone, fenced on the lease id.</summary>
    public async Task<DeleteFacts> DeleteSlotAsync(LeaseId id, CancellationToken cancellationToken)
    {
        var delete = FencedDelete(SlotKey(id.Slot), id);
        if (id.KeyHash is not null)
        {
            try
            {
                // A keyed lease leaves its key's set in the same transaction (the key has room at once).
                await Call(() => _db.TransactWriteItemsAsync(
                    new TransactWriteItemsRequest { TransactItems = [new() { Delete = delete }, new() { Update = KeyRelease(id) }], ClientRequestToken = NewToken() },
                    cancellationToken)).ConfigureAwait(false);
                return DeleteFacts.Deleted;
            }
            catch (TransactionCanceledException e) when (Code(e, 0) == "ConditionalCheckFailed")
            {
                return DeleteFacts.SlotNotHeld;
            }
            catch (TransactionCanceledException e)
            {
                throw Transient("release", e);
            }
        }

        try
        {
            await Call(() => _db.DeleteItemAsync(Alone(delete), cancellationToken)).ConfigureAwait(false);
            return DeleteFacts.Deleted;
        }
        catch (ConditionalCheckFailedException)
        {
            return DeleteFacts.SlotNotHeld;
        }
    }

    /// <summary>
    /// Moves a live lease's expiry (and its owner item's, when it has one) to <paramref name="expiresAtMs"/>.
    /// False when the slot no longer carries a live lease with this id.
    /// </summary>
    public async Task<bool> ExtendAsync(LeaseId id, long nowMs, long expiresAtMs, CancellationToken cancellationToken)
    {
        var text = id.ToString();
        Update Extend(string sortKey, string condition) => new()
        {
            TableName = _options.TableName,
            Key = Key(sortKey),
            UpdateExpression = "SET #exp = :exp, #ttl = :ttl",
            ConditionExpression = condition,
            ExpressionAttributeNames = new() { ["#exp"] = ExpiresAtMsAttribute, ["#ttl"] = _options.TtlAttribute, ["#lease"] = LeaseIdAttribute },
            ExpressionAttributeValues = condition.Contains(":now", StringComparison.Ordinal)
                ? new() { [":exp"] = N(expiresAtMs), [":ttl"] = N(TtlSeconds(expiresAtMs)), [":lease"] = S(text), [":now"] = N(nowMs) }
                : new() { [":exp"] = N(expiresAtMs), [":ttl"] = N(TtlSeconds(expiresAtMs)), [":lease"] = S(text) },
        };

        // The slot counts its renewals for the operator's view; the owner index needs no count.
        var slotUpdate = Extend(SlotKey(id.Slot), "#lease = :lease AND #exp > :now");
        slotUpdate.UpdateExpression += " ADD #ren :one";
        slotUpdate.ExpressionAttributeNames["#ren"] = RenewalsAttribute;
        slotUpdate.ExpressionAttributeValues[":one"] = N(1);
        try
        {
            if (id.OwnerHash is not null || id.KeyHash is not null)
            {
                List<TransactWriteItem> items = [new() { Update = slotUpdate }];
                if (id.OwnerHash is { } owner)
                {
                    items.Add(new() { Update = Extend(OwnerItemKey(owner), "#lease = :lease") });
                }

                if (id.KeyHash is not null)
                {
                    items.Add(new() { Update = KeyRenewal(id, nowMs) });
                }

                await Call(() => _db.TransactWriteItemsAsync(
                    new TransactWriteItemsRequest { TransactItems = items, ClientRequestToken = NewToken() },
                    cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                await Call(() => _db.UpdateItemAsync(Alone(slotUpdate), cancellationToken)).ConfigureAwait(false);
            }

            return true;
        }
        catch (Exception e) when (e is ConditionalCheckFailedException
            || (e is TransactionCanceledException t && (Code(t, 0) == "ConditionalCheckFailed" || Code(t, 1) == "ConditionalCheckFailed")))
        {
            return false;
        }
        catch (TransactionCanceledException e)
        {
            throw Transient("renew", e);
        }
    }

    private Delete FencedDelete(string sortKey, LeaseId id) => new()
    {
        TableName = _options.TableName,
        Key = Key(sortKey),
        ConditionExpression = "#lease = :lease",
        ExpressionAttributeNames = new() { ["#lease"] = LeaseIdAttribute },
        ExpressionAttributeValues = new() { [":lease"] = S(id.ToString()) },
    };

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
            GetLong(item, ExpiresAtMsAttribute) ?? 0,
            GetLong(item, RequestedAtMsAttribute) ?? GetLong(item, AcquiredAtMsAttribute),
            GetLong(item, AcquiredAtMsAttribute),
            (int)Math.Clamp(GetLong(item, RenewalsAttribute) ?? 0, 0, int.MaxValue),
            GetString(item, ConcurrencyKeyAttribute),
            GetString(item, KeyHashAttribute));
    }

    private Dictionary<string, AttributeValue> Key(string sortKey) => new()
    {
        [_options.HashKeyAttribute] = S(_poolKey),
        [_options.RangeKeyAttribute] = S(sortKey),
    };

    private static string NewToken() => Guid.NewGuid().ToString("N");

    private static CancellationReason? Reason(TransactionCanceledException e, int index) =>
        e.CancellationReasons is { } reasons && reasons.Count > index ? reasons[index] : null;

    private static string? Code(TransactionCanceledException e, int index) => Reason(e, index)?.Code;

    // Cancellation reasons that say "not now" (contention, throttling) rather than "never": a retry
    // can succeed. ConditionalCheckFailed and None only appear here next to one of these, since a
    // plain condition failure is handled where the transaction is sent.
    private static readonly HashSet<string> RetryableCancellations = new(StringComparer.Ordinal)
    {
        "None", "ConditionalCheckFailed", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded",
    };

    /// <summary>
    /// A cancelled transaction the caller did not handle: retryable when every reason is contention or
    /// throttling; otherwise (a ValidationError, an item collection over its size limit) retrying the
    /// same request cannot help, so it is an internal error with the reasons in its message.
    /// </summary>
    internal static LeaseException Transient(string operation, TransactionCanceledException e)
    {
        var codes = e.CancellationReasons?.Select(r => r.Code ?? "None").ToList() ?? [];
        var reasons = string.Join(", ", codes);
        return codes.All(RetryableCancellations.Contains)
            ? new TransientFailureException($"DynamoDB cancelled the {operation} transaction ({reasons}); retry later.", e)
            : new InternalErrorException($"DynamoDB refused the {operation} transaction ({reasons}).", e);
    }

    private static Task<T> Call<T>(Func<Task<T>> call) => DynamoDbFaults.Guard(call);
}

/// <summary>One slot claim: the lease to write and, for a looked-up acquire, the owner item to index it by.</summary>
/// <param name="Slot">The slot to claim.</param>
/// <param name="LeaseId">The new lease's id, written on the slot (and owner item): what fences every later write.</param>
/// <param name="OwnerHash">The (owner, resource) hash stored on the slot, so a duplicate acquire is recognised; null: anonymous.</param>
/// <param name="OwnerId">The owner in clear, which reclaim matches on.</param>
/// <param name="ResourceId">What the lease is for.</param>
/// <param name="NowMs">The claim's time: a slot whose lease expired by then is free.</param>
/// <param name="ExpiresAtMs">The new lease's expiry.</param>
/// <param name="RequestedAtMs">When the acquire was asked for (reclaim compares it).</param>
/// <param name="OwnerItemHash">Set when the claim also writes the owner item (a repeat or unknown attempt).</param>
/// <param name="GateVersion">Set when the claim must bump the gate, conditioned on the version read.</param>
/// <param name="CheckQueue">Callback strategy: the claim also checks that nobody is queued.</param>
/// <param name="Key">The concurrency key the lease also counts against, in the same transaction.</param>
internal sealed record SlotClaim(int Slot, string LeaseId, string? OwnerHash, string? OwnerId, string? ResourceId, long NowMs, long ExpiresAtMs, long RequestedAtMs, string? OwnerItemHash, GateSeen? GateVersion, bool CheckQueue = false, KeyClaim? Key = null);

/// <summary>The gate version a claim is conditioned on (null: the gate item did not exist in the read).</summary>
internal sealed record GateSeen(long? Seen);

/// <summary>What an item that failed a claim's condition held.</summary>
internal sealed record ItemHolder(string? LeaseId, string? OwnerHash, long? ExpiresAtMs);

/// <summary>What a claim found: written, or which conditions failed and on what.</summary>
/// <param name="IsWritten">The claim's writes were applied.</param>
/// <param name="SlotHeldBy">The slot's condition failed: what holds it.</param>
/// <param name="OwnerIndexHeldBy">The owner item's condition failed: the owner's live lease.</param>
/// <param name="GateFailed">The gate's version was no longer the one read.</param>
/// <param name="Conflict">Another transaction touched one of the items at the same moment.</param>
/// <param name="Queued">The queue marker says waiters are queued: they come first.</param>
/// <param name="KeyFull">The key's set was at its limit: what it held.</param>
internal sealed record ClaimFacts(bool IsWritten, ItemHolder? SlotHeldBy, ItemHolder? OwnerIndexHeldBy, bool GateFailed, bool Conflict, bool Queued = false, KeyFacts? KeyFull = null)
{
    public static ClaimFacts Written { get; } = new(true, null, null, false, false);
}

internal enum DeleteFacts
{
    Deleted,
    SlotNotHeld,
    OwnerIndexMoved,
}
