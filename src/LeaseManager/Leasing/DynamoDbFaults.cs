using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace LeaseManager.Leasing;

/// <summary>
/// Sorts DynamoDB failures into the contract's error types once the SDK's own retries are spent:
/// throttling, contention, 5xx and network faults are transient; a missing table or denied access is
/// configuration; any other DynamoDB answer is an internal error (the request was wrong).
/// </summary>
internal static class DynamoDbFaults
{
    public static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (Classify(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>DynamoDB error codes that say "try again": contention, throttling, a write in flight.</summary>
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "ThrottlingError", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "TransactionConflictException", "TransactionConflict", "TransactionInProgressException", "ReplicatedWriteConflictException",
        "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout",
        "RequestTimeoutException", "LimitExceededException",
    };

    /// <summary>
    /// The contract error for a DynamoDB or network failure, or null for the outcomes the engine handles
    /// itself (a failed condition, a cancelled transaction) and for failures that are not DynamoDB's.
    /// </summary>
    public static LeaseException? Classify(Exception e) => e switch
    {
        // Outcomes the engine handles itself.
        ConditionalCheckFailedException or TransactionCanceledException => null,
        // A plain write that meets an ongoing transaction on the same item, a write racing a global
        // table's replication, throttling, a server fault: all go away on their own.
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException
            or LimitExceededException or TransactionInProgressException or TransactionConflictException
            or ReplicatedWriteConflictException or ThrottlingException
            => new TransientFailureException($"DynamoDB is busy or failing ({(e as AmazonServiceException)?.ErrorCode ?? "throttled"}); retry later.", e),
        ResourceNotFoundException => new ConfigurationException($"The lease table does not exist or is not active: {e.Message}", e),
        AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } or AmazonServiceException { ErrorCode: "AccessDeniedException" or "UnrecognizedClientException" }
            => new ConfigurationException($"The function may not use the lease table: {e.Message}", e),
        AmazonServiceException s when s.ErrorCode is { } code && RetryableCodes.Contains(code)
            => new TransientFailureException($"DynamoDB answered {code}; retry later.", e),
        AmazonServiceException s when (int)s.StatusCode >= 500
            => new TransientFailureException($"DynamoDB returned {(int)s.StatusCode} ({s.ErrorCode}); retry later.", e),
        // Any other answer from DynamoDB (ValidationException, ItemCollectionSizeLimitExceeded, ...)
        // means the request itself is wrong: a bug, not something a retry fixes.
        AmazonServiceException s
            => new InternalErrorException($"DynamoDB rejected a request ({s.ErrorCode ?? "no error code"}); the function's log has the details under this request id.", e),
        AmazonClientException or HttpRequestException or IOException or TimeoutException
            => new TransientFailureException("DynamoDB could not be reached; retry later.", e),
        TaskCanceledException { CancellationToken.IsCancellationRequested: false }
            => new TransientFailureException("A DynamoDB request timed out; retry later.", e),
        _ => null,
    };
}
