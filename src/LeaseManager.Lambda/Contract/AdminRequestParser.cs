using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>The operator's actions: the same rules as every event (typed fields, nothing written on bad input).</summary>
public static partial class LeaseRequestParser
{
    /// <summary>Longest <c>requested_by</c>: a person or tool name for the log, not an identity.</summary>
    public const int MaxRequestedByLength = 256;

    private static StatusCommand ParseStatus(JsonElement root) =>
        new(OptionalWholeNumber(root, "max_entries", 0, LeasePool.MaxStatusEntries) ?? 100);

    private static ForceReleaseCommand ParseForceRelease(JsonElement root)
    {
        var requestedBy = RequiredRequestedBy(root, "force_release");
        var leaseId = OptionalString(root, "lease_id");
        var ownerId = OptionalString(root, "owner_id");
        if ((leaseId is null) == (ownerId is null))
        {
            throw new InvalidRequestException("\"force_release\" needs exactly one of \"lease_id\" (one lease) or \"owner_id\" (every lease of that holder).");
        }

        if (leaseId is not null)
        {
            return new ForceReleaseCommand(LeaseRequestLimits.CheckLeaseId(leaseId), null, null, requestedBy);
        }

        var resourceId = OptionalResourceId(root);
        LeaseRequestLimits.CheckOwner(ownerId, resourceId);
        return new ForceReleaseCommand(null, ownerId, resourceId, requestedBy);
    }

    private static SetLimitCommand ParseSetLimit(JsonElement root)
    {
        var requestedBy = RequiredRequestedBy(root, "set_limit");
        if (!root.TryGetProperty("limit", out _))
        {
            throw new InvalidRequestException("\"set_limit\" needs \"limit\": a whole number from 1 to the configured max_concurrent_leases, or null for the configured limit.");
        }

        return new SetLimitCommand(OptionalWholeNumber(root, "limit", 1, LeasePoolOptions.MaxSlots), requestedBy, OptionalConcurrencyKey(root));
    }

    private static string RequiredRequestedBy(JsonElement root, string action)
    {
        var who = OptionalString(root, "requested_by");
        if (string.IsNullOrWhiteSpace(who) || who.Length > MaxRequestedByLength)
        {
            throw new InvalidRequestException($"\"{action}\" needs \"requested_by\": who asks (1-{MaxRequestedByLength} characters), for the log.");
        }

        return who;
    }

    private static int? OptionalWholeNumber(JsonElement root, string name, int min, int max)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            throw new InvalidRequestException($"\"{name}\" must be a whole number from {min} to {max}; got {Describe(value)}.");
        }

        return number;
    }
}
