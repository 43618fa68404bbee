using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace LeaseManager.Leasing;

/// <summary>
/// A lease id names everything release and renew need, so each is one round trip:
/// <c>{slot:0000}.{owner hash | -}.{nonce}</c>, and for a lease under a concurrency key
/// <c>{slot:0000}.{owner hash | -}.{nonce}.{key hash}</c>. The nonce fences a stale id off a slot
/// that was re-granted to someone else.
/// </summary>
internal readonly record struct LeaseId(int Slot, string? OwnerHash, string Nonce, string? KeyHash = null)
{
    /// <summary>Longest id this library issues (a keyed, owned lease): 4 + 1 + 32 + 1 + 16 + 1 + 32.</summary>
    public const int MaxLength = 87;
    private const int NonceLength = 16;
    private const string Anonymous = "-";

    public bool HasOwner => OwnerHash is not null;

    public static LeaseId NewFor(int slot, string? ownerHash, string? keyHash = null) =>
        new(slot, ownerHash, Convert.ToHexString(RandomNumberGenerator.GetBytes(NonceLength / 2)).ToLowerInvariant(), keyHash);

    public override string ToString() => KeyHash is null
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Slot:D4}.{OwnerHash ?? Anonymous}.{Nonce}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Slot:D4}.{OwnerHash ?? Anonymous}.{Nonce}.{KeyHash}");

    public static bool TryParse(string? text, [NotNullWhen(true)] out LeaseId? id)
    {
        id = null;
        if (text is null || text.Length > MaxLength)
        {
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length is not (3 or 4) || parts[0].Length != 4 || !parts[0].All(char.IsAsciiDigit))
        {
            return false;
        }

        string? key = null;
        if (parts.Length == 4)
        {
            if (!OwnerKey.IsHash(parts[3]))
            {
                return false;
            }

            key = parts[3];
        }

        var owner = parts[1];
        if (owner != Anonymous && !OwnerKey.IsHash(owner))
        {
            return false;
        }

        if (parts[2].Length != NonceLength || !parts[2].All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        id = new LeaseId(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), owner == Anonymous ? null : owner, parts[2], key);
        return true;
    }
}

/// <summary>The identity that makes acquire idempotent: the caller's owner id plus the resource id.</summary>
internal static class OwnerKey
{
    private const int HashLength = 32;

    /// <summary>Stable hash of (owner, resource); length-prefixed so ("a","bc") and ("ab","c") differ.</summary>
    public static string Hash(string ownerId, string? resourceId)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        var material = $"{ownerId.Length}:{ownerId}|{resourceId ?? ""}";
        var digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(material));
        return Convert.ToHexString(digest, 0, HashLength / 2).ToLowerInvariant();
    }

    /// <summary>Stable hash of a concurrency key: names its key item, so no key can reach another item.</summary>
    public static string HashKey(string concurrencyKey)
    {
        ArgumentNullException.ThrowIfNull(concurrencyKey);
        var digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("key:" + concurrencyKey));
        return Convert.ToHexString(digest, 0, HashLength / 2).ToLowerInvariant();
    }

    public static bool IsHash(string text) =>
        text.Length == HashLength && text.All(char.IsAsciiHexDigitLower);
}
