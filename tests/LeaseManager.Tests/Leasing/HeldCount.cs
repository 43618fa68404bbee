using System.Diagnostics;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// How many of a test's workers hold a lease now, and the most that ever did. A worker can wait until
/// that peak reaches a number, so that a check that the pool was filled does not depend on how fast
/// a loaded machine hands out the grants; a pool that cannot fill still shows when the wait times out.
/// </summary>
internal sealed class HeldCount
{
    private int _now;
    private int _peak;

    public int Peak => Volatile.Read(ref _peak);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _now);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    public void Leave() => Interlocked.Decrement(ref _now);

    /// <summary>Returns once <paramref name="count"/> were held at once, or after <paramref name="atMost"/>.</summary>
    public async Task PeakReachedAsync(int count, TimeSpan atMost)
    {
        var waited = Stopwatch.StartNew();
        while (Peak < count && waited.Elapsed < atMost)
        {
            await Task.Delay(10);
        }
    }
}
