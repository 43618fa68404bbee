namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Many acquirers at once, each a holder that never releases: it records what it was granted and
/// stops asking until that lease has lapsed. Shared by the semantics suite and the counter-example,
/// so the check that passes for the lease is the very check that fails for count-then-write.
/// </summary>
internal static class Contention
{
    /// <param name="acquireOnce">One try by acquirer i: the granted lease's expiry (epoch ms), or null.</param>
    public static async Task RunAsync(int acquirers, TimeSpan runFor, HoldingIntervals intervals, Func<int, Task<long?>> acquireOnce)
    {
        using var stop = new CancellationTokenSource(runFor);
        using var start = new ManualResetEventSlim(false);
        var workers = Enumerable.Range(0, acquirers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            while (!stop.IsCancellationRequested)
            {
                if (await acquireOnce(i) is { } expiresAt)
                {
                    intervals.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), expiresAt);
                    var left = expiresAt - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, left) + Random.Shared.Next(50)));
                }
                else
                {
                    await Task.Delay(Random.Shared.Next(5, 25));
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);
    }
}
