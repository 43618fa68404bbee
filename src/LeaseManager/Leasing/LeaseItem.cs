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
    public const string OwnerHashAttribute = "owner_hash";
    public const string OwnerIdAttribute = "owner_id";
    public const string ResourceIdAttribute = "resource_id";
    public const string SlotPrefix = "slot#";
    public const string OwnerPrefix = "owner#";

    public static readonly IReadOnlySet<string> ReservedAttributes = new HashSet<string>(StringComparer.Ordinal)
    {
        LeaseIdAttribute, ExpiresAtMsAttribute, AcquiredAtMsAttribute, OwnerHashAttribute, OwnerIdAttribute, ResourceIdAttribute,
    };

    public static string SlotKey(int slot) => SlotPrefix + slot.ToString("D4", CultureInfo.InvariantCulture);

    public static string OwnerItemKey(string ownerHash) => OwnerPrefix + ownerHash;

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
