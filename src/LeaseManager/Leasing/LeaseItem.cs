using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Leasing;

/// <summary>
/// Item layout of a pool. Slot items (<c>slot#0000</c>..) are the semaphore: at most one live lease
/// each, so a pool can never hold more than its slot count. Owner items (<c>owner#{hash}</c>) index
/// an owner's live lease so a repeated acquire finds it in the same round trip that would grant it.
/// </summary>
internal static class LeaseItem
{
    public const string LeaseIdAttribute = "lease_id";
    public const string ExpiresAtMsAttribute = "expires_at_ms";
    public const string AcquiredAtMsAttribute = "acquired_at_ms";

    /// <summary>When the acquire that wrote the lease was asked for (invocation or call start, before any I/O): reclaim and release compare it.</summary>
    public const string RequestedAtMsAttribute = "requested_at_ms";

    /// <summary>The gate item's version (see <see cref="GateKey"/>).</summary>
    public const string GateVersionAttribute = "gate_version";

    /// <summary>The limit an operator set at run time (on the gate item); absent: the configured limit applies.</summary>
    public const string LimitAttribute = "pool_limit";

    /// <summary>How many times the lease was renewed (diagnostic: a renewal whose answer was lost and retried may count twice).</summary>
    public const string RenewalsAttribute = "renewals";
    public const string OwnerHashAttribute = "owner_hash";
    public const string OwnerIdAttribute = "owner_id";
    public const string ResourceIdAttribute = "resource_id";
    /// <summary>On a slot (and its key item): the concurrency key in clear, for the operator's view.</summary>
    public const string ConcurrencyKeyAttribute = "concurrency_key";

    /// <summary>On a key item: the slots its leases occupy (a number set; may keep a slot whose lease ended until pruned).</summary>
    public const string HoldersAttribute = "slots";

    /// <summary>On a slot holding a keyed lease: the key's hash (what a prune checks).</summary>
    public const string KeyHashAttribute = "key_hash";

    /// <summary>On a key item: the key's limit an operator set at run time; absent: the configured one.</summary>
    public const string KeyLimitAttribute = "key_limit";

    /// <summary>On a key item with a stored limit: a string copied into the TTL attribute, which makes DynamoDB TTL skip the item.</summary>
    public const string KeyPinnedAttribute = "key_pinned";
    public const string SlotPrefix = "slot#";

    /// <summary>
    /// Key items (<c>key#{hash}</c>): one per concurrency key, under the pool's partition. 'k' sorts
    /// before "slot!gate", outside the pool read's range, so no pool read sees one.
    /// </summary>
    public const string KeyPrefix = "key#";
    public const string OwnerPrefix = "owner#";

    // The waiter queue (callback strategy, LeasePool.Queue.cs). 'w' sorts after "slot#~", so the
    // slot Query never reads a queue item, and "wait#" (queue items) is no prefix of "waiter#"
    // (owner index of waiters) nor of "wait!count" (the marker).
    public const string QueuePrefix = "wait#";

    /// <summary>
    /// A key's own queue (callback strategy with keys): waiters whose key was full, in the same order
    /// as the pool's queue, counted by <see cref="KeyWaitingAttribute"/> on the key item. "kwait#"
    /// sorts before "slot!gate" and is no prefix of "key#".
    /// </summary>
    public const string KeyQueuePrefix = "kwait#";

    /// <summary>On a key item: how many waiters are in the key's own queue (every grant of the key checks it is 0).</summary>
    public const string KeyWaitingAttribute = "key_waiting";

    /// <summary>On a key item: how many of the key's waiters are in the pool's queue (let through, to be handed slots).</summary>
    public const string KeyPooledAttribute = "key_pooled";
    public const string WaiterPrefix = "waiter#";
    public const string QueueMarkerKey = "wait!count";
    public const string WaitingAttribute = "waiting";
    public const string WakeTokenAttribute = "wake_token";
    public const string QueueKeyAttribute = "queue_key";
    public const string PriorityAttribute = "priority";
    public const string QueuedAtMsAttribute = "queued_at_ms";
    public const string LeaseDurationMsAttribute = "lease_duration_ms";

    /// <summary>On a queue item passed over because its token was closed: when (epoch ms). A re-ask clears it.</summary>
    public const string PassedOverAtMsAttribute = "passed_over_at_ms";

    /// <summary>
    /// The pool's gate: bumped by every claim made while a lease above the limit is live (a lowered
    /// limit). '!' sorts before '#', so one consistent Query from <see cref="GateKey"/> to
    /// <see cref="SlotRangeEnd"/> reads the gate first, then every slot, and no owner item.
    /// </summary>
    public const string GateKey = "slot!gate";
    public const string SlotRangeEnd = "slot#~";

    public static readonly IReadOnlySet<string> ReservedAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        LeaseIdAttribute, ExpiresAtMsAttribute, AcquiredAtMsAttribute, RequestedAtMsAttribute, GateVersionAttribute, OwnerHashAttribute, OwnerIdAttribute, ResourceIdAttribute,
        LimitAttribute, RenewalsAttribute, ConcurrencyKeyAttribute, HoldersAttribute, KeyHashAttribute, KeyWaitingAttribute, KeyPooledAttribute, KeyLimitAttribute, KeyPinnedAttribute, WaitingAttribute, WakeTokenAttribute, QueueKeyAttribute, PriorityAttribute, QueuedAtMsAttribute, LeaseDurationMsAttribute, PassedOverAtMsAttribute,
    };

    public static string SlotKey(int slot) => SlotPrefix + slot.ToString("D4", CultureInfo.InvariantCulture);

    public static string OwnerItemKey(string ownerHash) => OwnerPrefix + ownerHash;

    public static string KeyItemKey(string keyHash) => KeyPrefix + keyHash;

    public static string WaiterItemKey(string ownerHash) => WaiterPrefix + ownerHash;

    /// <summary>
    /// A queue item's sort key: one ascending Query reads the head. Higher priority first (stored
    /// inverted), then arrival, then a random tiebreak so two arrivals in one millisecond never collide.
    /// </summary>
    public static string QueueItemKey(int priority, long queuedAtMs, string nonce) =>
        string.Create(CultureInfo.InvariantCulture, $"{QueuePrefix}{LeaseRequestLimits.MaxPriority - priority:D4}#{queuedAtMs:D13}#{nonce}");

    /// <summary>A key queue item's sort key: <c>kwait#{key hash}#</c> and the same order as a pool queue item's.</summary>
    public static string KeyQueueItemKey(string keyHash, string order) => $"{KeyQueuePrefix}{keyHash}#{order}";

    /// <summary>The order part of a queue item's sort key (priority, arrival, nonce), the same in either queue.</summary>
    public static string QueueOrder(string queueKey) => queueKey.StartsWith(QueuePrefix, StringComparison.Ordinal)
        ? queueKey[QueuePrefix.Length..]
        : queueKey[(queueKey.IndexOf('#', KeyQueuePrefix.Length) + 1)..];

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    /// <summary>DynamoDB TTL works in whole seconds; round up so the item is never deleted while live.</summary>
    public static long TtlSeconds(long expiresAtMs) => (expiresAtMs + 999) / 1000;

    public static string? GetString(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var v) ? v.S : null;

    public static long? GetLong(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var v) && v.N is { } n
            && long.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
}
