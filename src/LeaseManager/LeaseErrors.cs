namespace LeaseManager;

/// <summary>
/// A failure with a stable <see cref="ErrorType"/>: the name Step Functions matches in
/// <c>Retry</c>/<c>Catch</c> <c>ErrorEquals</c>. These names are public API.
/// </summary>
public abstract class LeaseException : Exception
{
    protected LeaseException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public abstract string ErrorType { get; }
}

/// <summary>The request is malformed; retrying it unchanged cannot succeed. Nothing was written.</summary>
public sealed class InvalidRequestException(string message) : LeaseException(message)
{
    public const string Name = "LeaseManager.InvalidRequest";

    public override string ErrorType => Name;
}

/// <summary>The pool is saturated and the caller asked to fail rather than wait.</summary>
public sealed class LeaseUnavailableException(string message, int currentRunning, int maxConcurrentLeases)
    : LeaseException(message)
{
    public const string Name = "LeaseManager.LeaseUnavailable";

    public int CurrentRunning { get; } = currentRunning;

    public int MaxConcurrentLeases { get; } = maxConcurrentLeases;

    public override string ErrorType => Name;
}

/// <summary>The lease is no longer held (it expired, was released, or its slot was taken over).</summary>
public sealed class LeaseLostException(string message) : LeaseException(message)
{
    public const string Name = "LeaseManager.LeaseLost";

    public override string ErrorType => Name;
}

/// <summary>DynamoDB throttled or failed after the SDK's own retries; retrying later is safe.</summary>
public sealed class TransientFailureException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    public const string Name = "LeaseManager.TransientFailure";

    public override string ErrorType => Name;
}

/// <summary>The function's environment or the table it points at is wrong; an operator must fix it.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    public const string Name = "LeaseManager.ConfigurationError";

    public override string ErrorType => Name;
}

/// <summary>
/// A bug or a failure nobody anticipated. Not retryable: retrying an unknown failure blindly could
/// repeat it forever. The answer carries no .NET detail; the exception type, message and stack go to
/// the function's log, under the same request id.
/// </summary>
public sealed class InternalErrorException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    public const string Name = "LeaseManager.InternalError";

    public override string ErrorType => Name;
}

/// <summary>The contract's closed set of error types: every failure leaves the function as one of these.</summary>
public static class LeaseErrors
{
    /// <summary>Every <see cref="LeaseException.ErrorType"/> the function can answer with.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        InvalidRequestException.Name,
        LeaseUnavailableException.Name,
        LeaseLostException.Name,
        TransientFailureException.Name,
        ConfigurationException.Name,
        InternalErrorException.Name,
    };

    /// <summary>
    /// The contract error for any failure: typed ones as they are, DynamoDB and network faults sorted
    /// by <see cref="Leasing.DynamoDbFaults"/>, anything else <see cref="InternalErrorException"/>.
    /// </summary>
    public static LeaseException From(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            LeaseException lease => lease,
            _ => Leasing.DynamoDbFaults.Classify(e)
                ?? new InternalErrorException("The lease manager failed unexpectedly; the function's log has the details under this request id.", e),
        };
    }
}
