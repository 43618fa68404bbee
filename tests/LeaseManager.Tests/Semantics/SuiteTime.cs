namespace LeaseManager.Tests.Semantics;

/// <summary>
/// Time as a suite case sees it: a manual clock where the entry point runs in this process (expiry
/// without sleeping), the wall clock for the packaged binary (its own process reads its own clock).
/// </summary>
public sealed class SuiteTime(bool manual)
{
    public ManualClock? Manual { get; } = manual ? new ManualClock() : null;

    public TimeProvider Provider => (TimeProvider?)Manual ?? TimeProvider.System;

    public long NowMs => Provider.GetUtcNow().ToUnixTimeMilliseconds();

    public Task PassAsync(TimeSpan span)
    {
        if (Manual is { } clock)
        {
            clock.Advance(span);
            return Task.CompletedTask;
        }

        return Task.Delay(span);
    }
}
