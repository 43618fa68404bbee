using System.Net;
using Amazon;
using Amazon.Runtime;

namespace LeaseManager.StepFunctions;

/// <summary>
/// <see cref="IStepFunctionsTaskClient"/> over <see cref="StepFunctionsServiceClient"/>: the SDK
/// retries throttling, 5xx and network faults; this class turns what is left into a
/// <see cref="TaskTokenResult"/> or a contract error.
/// </summary>
public sealed class StepFunctionsTaskClient : IStepFunctionsTaskClient, IDisposable
{
    /// <summary>The SDK's service-specific endpoint variable for Step Functions (service id <c>SFN</c>); how the local runner points the function at its endpoint.</summary>
    public const string EndpointVariable = "AWS_ENDPOINT_URL_SFN";

    /// <summary>Step Functions error codes that mean "the waiter is gone".</summary>
    private static readonly Dictionary<string, TaskTokenResult> WaiterGone = new(StringComparer.Ordinal)
    {
        ["TaskTimedOut"] = TaskTokenResult.TaskTimedOut,
        ["InvalidToken"] = TaskTokenResult.InvalidToken,
        ["TaskDoesNotExist"] = TaskTokenResult.TaskDoesNotExist,
    };

    /// <summary>Codes that a later call can get past, in case one outlives the SDK's retries.</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled",
        "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalServerError", "RequestTimeout", "RequestTimeoutException",
    };

    private readonly StepFunctionsServiceClient _client;

    private StepFunctionsTaskClient(StepFunctionsServiceClient client) => _client = client;

    /// <summary>
    /// The client of the process. Region and credentials come from the Lambda environment (the SDK's
    /// chain); the endpoint from <c>AWS_ENDPOINT_URL_SFN</c> or <c>AWS_ENDPOINT_URL</c> when set.
    /// </summary>
    /// <param name="region">The region, usually <c>AWS_REGION</c>; null leaves it to the SDK.</param>
    /// <param name="maxErrorRetry">Retries after the first attempt (standard mode: exponential backoff with jitter, throttling included).</param>
    /// <param name="timeout">Per HTTP attempt.</param>
    public static StepFunctionsTaskClient Create(string? region, int maxErrorRetry = 4, TimeSpan? timeout = null) =>
        Create(region, credentials: null, maxErrorRetry, timeout);

    /// <summary>As <see cref="Create(string?, int, TimeSpan?)"/>, with explicit credentials instead of the SDK's chain (tests).</summary>
    internal static StepFunctionsTaskClient Create(string? region, AWSCredentials? credentials, int maxErrorRetry = 4, TimeSpan? timeout = null)
    {
        var config = new StepFunctionsClientConfig
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = maxErrorRetry,
            Timeout = timeout ?? TimeSpan.FromSeconds(5),
        };
        if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new StepFunctionsTaskClient(credentials is null ? new StepFunctionsServiceClient(config) : new StepFunctionsServiceClient(credentials, config));
    }

    /// <summary>The endpoint the SDK resolved for this client (for logs and tests).</summary>
    public Uri ResolvedEndpoint => new(_client.Config.DetermineServiceOperationEndpoint(
        new Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters(new TaskTokenRequest { Operation = TaskTokenRequest.SendTaskHeartbeat, TaskToken = "-" })).URL);

    /// <inheritdoc/>
    public Task<TaskTokenResult> SendTaskSuccessAsync(string taskToken, string outputJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outputJson);
        return SendAsync(new TaskTokenRequest { Operation = TaskTokenRequest.SendTaskSuccess, TaskToken = taskToken, Output = outputJson }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<TaskTokenResult> SendTaskFailureAsync(string taskToken, string error, string cause, CancellationToken cancellationToken) =>
        SendAsync(new TaskTokenRequest { Operation = TaskTokenRequest.SendTaskFailure, TaskToken = taskToken, Error = error, Cause = cause }, cancellationToken);

    /// <inheritdoc/>
    public Task<TaskTokenResult> SendTaskHeartbeatAsync(string taskToken, CancellationToken cancellationToken) =>
        SendAsync(new TaskTokenRequest { Operation = TaskTokenRequest.SendTaskHeartbeat, TaskToken = taskToken }, cancellationToken);

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private async Task<TaskTokenResult> SendAsync(TaskTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.TaskToken);
        try
        {
            await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return TaskTokenResult.Accepted;
        }
        catch (AmazonServiceException e) when (e.ErrorCode is { } code && WaiterGone.TryGetValue(code, out var gone))
        {
            return gone;
        }
        catch (Exception e) when (Classify(request.Operation, e, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The contract error for a failure left after the SDK's retries; null for the caller's own cancellation.</summary>
    internal static LeaseException? Classify(string operation, Exception e, CancellationToken cancellationToken) => e switch
    {
        LeaseException lease => lease,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        AmazonServiceException s when (s.ErrorCode is { } code && TransientCodes.Contains(code)) || (int)s.StatusCode >= 500
            => new TransientFailureException($"Step Functions {operation} is throttled or failing ({s.ErrorCode ?? ((int)s.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}); retry later.", e),
        // InvalidOutput, AccessDeniedException, ValidationException, an unknown code: the request or
        // the function's role is wrong, which no retry fixes.
        AmazonServiceException s
            => new InternalErrorException($"Step Functions rejected {operation} ({s.ErrorCode ?? "no error code"}, HTTP {(int)s.StatusCode}); the function's log has the details under this request id.", e),
        AmazonClientException or HttpRequestException or IOException or TimeoutException or OperationCanceledException or WebException
            => new TransientFailureException($"Step Functions could not be reached for {operation}; retry later.", e),
        _ => new InternalErrorException($"Step Functions {operation} failed unexpectedly; the function's log has the details under this request id.", e),
    };
}
