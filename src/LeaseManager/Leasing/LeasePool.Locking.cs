namespace LeaseManager.Leasing;

/// <summary>
/// The lock-style surface: take a lease, hold it through a <see cref="LeaseHandle"/>, give it back by
/// disposing the handle. Waiting for a full pool backs off exponentially with full jitter.
/// </summary>
public sealed partial class LeasePool
{
    private readonly LeaseWaitPolicy _waitPolicy = LeaseWaitPolicy.Default;

    /// <summary>How <see cref="TryAcquireAsync"/> paces its tries while the pool is full.</summary>
    public LeaseWaitPolicy WaitPolicy
    {
        get => _waitPolicy;
        init => _waitPolicy = (value ?? throw new ArgumentNullException(nameof(value))).Validate();
    }

    /// <summary>
    /// Takes a lease, waiting up to <paramref name="timeout"/> for room (zero: one try; <see cref="Timeout.InfiniteTimeSpan"/>:
    /// until cancelled). Returns <see langword="null"/> when the pool stayed full.
    /// </summary>
    /// <param name="resourceId">What the lease is for (logged and stored with it); optional.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <param name="cancellationToken">Stops the wait; a lease taken before it fired is released again.</param>
    /// <returns>The handle, or <see langword="null"/> if no lease could be had in time.</returns>
    /// <exception cref="TransientFailureException">DynamoDB kept failing until the timeout.</exception>
    public async Task<LeaseHandle?> TryAcquireAsync(string? resourceId = null, TimeSpan timeout = default, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Use a non-negative timeout or Timeout.InfiniteTimeSpan.");
        }

        // One owner per call: a retry after a failure whose write may have landed finds that lease
        // instead of taking a second one. A first try (and every try after a plain "full") writes once.
        var owner = "lease-handle:" + Guid.NewGuid().ToString("N");
        var started = _clock.GetTimestamp();
        var attempt = 0;
        var backoff = _waitPolicy.InitialDelay;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AcquireOutcome? outcome = null;
            TransientFailureException? transient = null;
            try
            {
                outcome = await AcquireAsync(new AcquireRequest(owner, resourceId, Attempt: attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (TransientFailureException e)
            {
                transient = e;
                attempt++;
            }

            if (outcome is { Status: AcquireStatus.Acquired, Lease: { } lease })
            {
                return new LeaseHandle(this, lease, resourceId, _clock);
            }

            var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - _clock.GetElapsedTime(started);
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                if (transient is not null)
                {
                    throw transient;
                }

                return null;
            }

            var delay = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds);
            if (left != Timeout.InfiniteTimeSpan && delay > left)
            {
                delay = left;
            }

            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * _waitPolicy.Multiplier, _waitPolicy.MaxDelay.TotalMilliseconds));
        }
    }

    /// <summary>Like <see cref="TryAcquireAsync"/>, but throws when no lease could be had in time.</summary>
    /// <param name="resourceId">What the lease is for; optional.</param>
    /// <param name="timeout">How long to wait for room; <see langword="null"/> waits until cancelled.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The handle of the lease.</returns>
    /// <exception cref="LeaseUnavailableException">The pool stayed full for <paramref name="timeout"/>.</exception>
    public async Task<LeaseHandle> AcquireAsync(string? resourceId = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var wait = timeout ?? Timeout.InfiniteTimeSpan;
        return await TryAcquireAsync(resourceId, wait, cancellationToken).ConfigureAwait(false)
            ?? throw new LeaseUnavailableException(
                $"No lease of pool '{_options.LeasePrefix}' became free within {wait.TotalSeconds:0.###} s.", _hints.Limit, _hints.Limit);
    }
}
