using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace LeaseManager.Leasing;

/// <summary>
/// Sorts DynamoDB failures into the contract's error types once the SDK's own retries are spent:
/// throttling, 5xx and network faults are transient; a missing table or denied access is configuration.
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

    public static LeaseException? Classify(Exception e) => e switch
    {
        // Outcomes the engine handles itself.
        ConditionalCheckFailedException or TransactionCanceledException => null,
        ProvisionedThroughputExceededException or RequestLimitExceededException or InternalServerErrorException
            or LimitExceededException or TransactionInProgressException
            => new TransientFailureException($"DynamoDB is throttling or failing ({e.GetType().Name}); retry later.", e),
        ResourceNotFoundException => new ConfigurationException($"The lease table does not exist or is not active: {e.Message}", e),
        AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } or AmazonServiceException { ErrorCode: "AccessDeniedException" }
            => new ConfigurationException($"The function may not use the lease table: {e.Message}", e),
        AmazonServiceException { ErrorCode: "ThrottlingException" or "ThrottlingError" } s
            => new TransientFailureException($"DynamoDB is throttling ({s.ErrorCode}); retry later.", e),
        AmazonServiceException s when (int)s.StatusCode >= 500
            => new TransientFailureException($"DynamoDB returned {(int)s.StatusCode} ({s.ErrorCode}); retry later.", e),
        AmazonClientException or HttpRequestException or IOException or TimeoutException
            => new TransientFailureException($"DynamoDB could not be reached ({e.GetType().Name}: {e.Message}); retry later.", e),
        TaskCanceledException { CancellationToken.IsCancellationRequested: false }
            => new TransientFailureException("A DynamoDB request timed out; retry later.", e),
        _ => null,
    };
}
