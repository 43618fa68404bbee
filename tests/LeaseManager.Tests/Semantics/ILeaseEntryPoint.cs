namespace LeaseManager.Tests.Semantics;

/// <summary>
/// One way into a pool (the library, the JSON handler, the packaged binary), reduced to what every
/// entry point can say, so the semantics suite is written once. Failures come back as
/// <see cref="LeaseCallFailedException"/> carrying the contract's error type, whatever the entry point.
/// </summary>
public interface ILeaseEntryPoint : IAsyncDisposable
{
    Task<Acquisition> AcquireAsync(string? owner = null, string? resource = null, int? attempt = null, int? durationSeconds = null, bool failIfUnavailable = false);

    Task<bool> ReleaseAsync(string leaseId);

    /// <returns>The new expiry, epoch ms (whole seconds for the JSON entry points).</returns>
    Task<long> RenewAsync(string leaseId, int? durationSeconds = null);

    Task<IReadOnlyList<string>> ReclaimAsync(string ownerId);
}

/// <summary>An acquire's answer as every entry point gives it.</summary>
/// <param name="ExpiresAtMs">Epoch ms; the JSON entry points answer whole seconds, rounded down, so a holder never overstays.</param>
public sealed record Acquisition(bool Acquired, string? LeaseId, long? ExpiresAtMs, int? CurrentRunning, int MaxConcurrentLeases);

/// <summary>A failure as the caller sees it: the contract's error type.</summary>
public sealed class LeaseCallFailedException(string errorType, string message) : Exception($"{errorType}: {message}")
{
    public string ErrorType { get; } = errorType;
}

/// <summary>The pool an entry point is opened on.</summary>
/// <param name="Instances">How many independent instances (engines, handlers, execution environments) serve it.</param>
/// <param name="RealTime">Run on the wall clock even where the entry point could take a manual one (concurrency runs).</param>
public sealed record PoolShape(int Limit, string Prefix = "", int MaxDurationSeconds = 600, int Instances = 1, bool RealTime = false);
