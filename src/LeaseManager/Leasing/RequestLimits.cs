namespace LeaseManager.Leasing;

/// <summary>Input checks shared by the engine and the JSON contract; each failure is an <see cref="InvalidRequestException"/>.</summary>
public static class RequestLimits
{
    /// <summary>Step Functions execution ARNs run to about 300 characters; leave generous room.</summary>
    public const int MaxOwnerIdLength = 2048;

    public const int MaxResourceIdLength = 1024;

    public static int CheckDuration(int? requestedSeconds, int maxSeconds)
    {
        if (requestedSeconds is null)
        {
            return maxSeconds;
        }

        if (requestedSeconds < 1 || requestedSeconds > maxSeconds)
        {
            throw new InvalidRequestException(
                $"lease_duration_seconds must be between 1 and {maxSeconds} (the pool's max_lease_duration_seconds); got {requestedSeconds}.");
        }

        return requestedSeconds.Value;
    }

    public static void CheckOwner(string? ownerId, string? resourceId)
    {
        if (ownerId is not null && (ownerId.Length == 0 || ownerId.Length > MaxOwnerIdLength))
        {
            throw new InvalidRequestException($"owner_id must be 1-{MaxOwnerIdLength} characters; got {ownerId.Length}.");
        }

        if (resourceId is not null && resourceId.Length > MaxResourceIdLength)
        {
            throw new InvalidRequestException($"resource_id must be at most {MaxResourceIdLength} characters; got {resourceId.Length}.");
        }
    }

    public static LeaseId ParseLeaseId(string? leaseId)
    {
        if (string.IsNullOrEmpty(leaseId))
        {
            throw new InvalidRequestException("lease_id is required.");
        }

        if (!LeaseId.TryParse(leaseId, out var id))
        {
            var shown = leaseId.Length > 80 ? leaseId[..80] + "..." : leaseId;
            throw new InvalidRequestException($"lease_id '{shown}' is not a lease id issued by this lease manager.");
        }

        return id.Value;
    }
}
