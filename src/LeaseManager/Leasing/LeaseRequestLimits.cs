namespace LeaseManager.Leasing;

/// <summary>
/// The input limits every entry point enforces, public so a front end (the Lambda's JSON contract)
/// rejects a bad request with the same words before it reaches the pool. Each check throws
/// <see cref="InvalidRequestException"/>: retrying the same input cannot succeed, and nothing is written.
/// </summary>
public static class LeaseRequestLimits
{
    /// <summary>Longest owner id. Step Functions execution ARNs run to about 300 characters; this leaves generous room.</summary>
    public const int MaxOwnerIdLength = 2048;

    /// <summary>Longest resource id: it is stored on every lease item, so it is bounded like any key material.</summary>
    public const int MaxResourceIdLength = 1024;

    /// <summary>Highest waiter priority (callback strategy); 0 is the default and the lowest.</summary>
    public const int MaxPriority = 1000;

    /// <summary>
    /// Longest wake token: Step Functions' documented maximum length of a task token (the
    /// SendTaskSuccess API reference gives 1..2048 today; older SDK models said 1024, and a longer
    /// valid token refused here would leave its execution unable to queue at all).
    /// </summary>
    public const int MaxWakeTokenLength = 2048;

    /// <summary>
    /// Longest concurrency key, in UTF-8 bytes. The key is stored in clear on its key item and every
    /// lease under it (for the operator's view); items are addressed by its hash, so no key, however
    /// written, can name another pool's items or another key's.
    /// </summary>
    public const int MaxConcurrencyKeyBytes = 256;

    /// <summary>Rejects a concurrency key that is empty or longer than <see cref="MaxConcurrencyKeyBytes"/>.</summary>
    /// <param name="concurrencyKey">The key; <see langword="null"/> is allowed (no key).</param>
    /// <exception cref="InvalidRequestException">The key is empty or too long.</exception>
    public static void CheckConcurrencyKey(string? concurrencyKey)
    {
        if (concurrencyKey is null)
        {
            return;
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(concurrencyKey);
        if (bytes is 0 or > MaxConcurrencyKeyBytes)
        {
            throw new InvalidRequestException($"concurrency_key must be 1-{MaxConcurrencyKeyBytes} bytes of UTF-8 text; got {bytes}.");
        }
    }

    /// <summary>Rejects a wake token that is empty or too long, or a priority outside 0..<see cref="MaxPriority"/>.</summary>
    /// <param name="wakeToken">The waiter's task token.</param>
    /// <param name="priority">The waiter's priority.</param>
    /// <exception cref="InvalidRequestException">A value is outside the limits above.</exception>
    public static void CheckWaiter(string? wakeToken, int priority)
    {
        if (string.IsNullOrEmpty(wakeToken) || wakeToken.Length > MaxWakeTokenLength)
        {
            throw new InvalidRequestException($"task_token must be 1-{MaxWakeTokenLength} characters; got {wakeToken?.Length ?? 0}.");
        }

        if (priority is < 0 or > MaxPriority)
        {
            throw new InvalidRequestException($"priority must be a whole number from 0 to {MaxPriority}; got {priority}.");
        }
    }

    /// <summary>Rejects an owner id that is empty or too long, or a resource id that is too long.</summary>
    /// <param name="ownerId">The caller's identity (a Step Functions execution ARN); <see langword="null"/> is allowed (an anonymous lease).</param>
    /// <param name="resourceId">What the lease is for; <see langword="null"/> is allowed.</param>
    /// <exception cref="InvalidRequestException">A value is outside the limits above.</exception>
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

    /// <summary>
    /// Checks that <paramref name="leaseId"/> has the shape of an id this library issues, so a typo
    /// or a forged value is refused before any DynamoDB request is built from it.
    /// </summary>
    /// <param name="leaseId">The id as the caller sent it.</param>
    /// <returns>The same id, now known to be well formed.</returns>
    /// <exception cref="InvalidRequestException">The id is missing or not one this library issues.</exception>
    public static string CheckLeaseId(string? leaseId) => ParseLeaseId(leaseId).ToString();

    /// <summary>The requested duration in seconds, or the pool's longest when none was asked for.</summary>
    internal static int CheckDuration(int? requestedSeconds, int maxSeconds)
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

    internal static LeaseId ParseLeaseId(string? leaseId)
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
