namespace LeaseManager.Leasing;

/// <summary>
/// How <see cref="LeasePool.TryAcquireAsync"/> paces its tries while the pool is full: a random delay
/// between zero and the current backoff ("full jitter"), the backoff growing by <see cref="Multiplier"/>
/// up to <see cref="MaxDelay"/>. Full jitter spreads waiters out so a freed slot is not stormed.
/// </summary>
public sealed record LeaseWaitPolicy
{
    /// <summary>The defaults: 50 ms, doubling, at most 2 s between tries.</summary>
    public static LeaseWaitPolicy Default { get; } = new();

    /// <summary>Upper bound of the first delay.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Growth of the upper bound after each try.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>Largest upper bound.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    internal LeaseWaitPolicy Validate()
    {
        if (InitialDelay <= TimeSpan.Zero || MaxDelay < InitialDelay || Multiplier < 1 || double.IsNaN(Multiplier))
        {
            throw new ArgumentException("LeaseWaitPolicy needs InitialDelay > 0, MaxDelay >= InitialDelay and Multiplier >= 1.");
        }

        return this;
    }
}
