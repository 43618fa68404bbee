namespace LeaseManager;

/// <summary>
/// A failure with a stable <see cref="ErrorType"/>: the name Step Functions matches in
/// <c>Retry</c>/<c>Catch</c> <c>ErrorEquals</c>. These names are public API.
/// </summary>
public abstract class LeaseException : Exception
{
    /// <summary>Only the closed family below derives from this: an error type outside it would break callers' <c>ErrorEquals</c> lists.</summary>
    /// <param name="message">What went wrong, for a human; never parsed.</param>
    /// <param name="inner">The DynamoDB or .NET failure behind it, kept for the log.</param>
    protected LeaseException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>
    /// The stable name of this failure (<c>LeaseManager.*</c>): what a caller matches on, because a
    /// .NET type name or a message may change between versions and this may not.
    /// </summary>
    public abstract string ErrorType { get; }
}

/// <summary>The request is malformed; retrying it unchanged cannot succeed. Nothing was written.</summary>
public sealed class InvalidRequestException(string message) : LeaseException(message)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of a request that cannot succeed as sent.</summary>
    public const string Name = "LeaseManager.InvalidRequest";

    /// <inheritdoc/>
    public override string ErrorType => Name;
}

/// <summary>The pool is saturated and the caller asked to fail rather than wait.</summary>
public sealed class LeaseUnavailableException(string message, int currentRunning, int maxConcurrentLeases)
    : LeaseException(message)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of a full pool, when the caller asked to fail rather than wait.</summary>
    public const string Name = "LeaseManager.LeaseUnavailable";

    /// <summary>How many leases were live when the pool was found full: lets a caller log how busy it was.</summary>
    public int CurrentRunning { get; } = currentRunning;

    /// <summary>The pool's limit at the time, so the message and a dashboard agree on the denominator.</summary>
    public int MaxConcurrentLeases { get; } = maxConcurrentLeases;

    /// <inheritdoc/>
    public override string ErrorType => Name;
}

/// <summary>The lease is no longer held (it expired, was released, or its slot was taken over).</summary>
public sealed class LeaseLostException(string message) : LeaseException(message)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of a lease that is no longer held.</summary>
    public const string Name = "LeaseManager.LeaseLost";

    /// <inheritdoc/>
    public override string ErrorType => Name;
}

/// <summary>DynamoDB throttled or failed after the SDK's own retries; retrying later is safe.</summary>
public sealed class TransientFailureException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of a DynamoDB fault that a later retry can get past.</summary>
    public const string Name = "LeaseManager.TransientFailure";

    /// <inheritdoc/>
    public override string ErrorType => Name;
}

/// <summary>The function's environment or the table it points at is wrong; an operator must fix it.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of a pool pointed at a table it cannot use.</summary>
    public const string Name = "LeaseManager.ConfigurationError";

    /// <inheritdoc/>
    public override string ErrorType => Name;
}

/// <summary>
/// A bug or a failure nobody anticipated. Not retryable: retrying an unknown failure blindly could
/// repeat it forever. The answer carries no .NET detail; the exception type, message and stack go to
/// the function's log, under the same request id.
/// </summary>
public sealed class InternalErrorException(string message, Exception? inner = null) : LeaseException(message, inner)
{
    /// <summary>The <see cref="LeaseException.ErrorType"/> of an unanticipated failure.</summary>
    public const string Name = "LeaseManager.InternalError";

    /// <inheritdoc/>
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
