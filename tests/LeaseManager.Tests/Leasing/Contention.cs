namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Many acquirers at once, each a holder that never releases: it records what it was granted and
/// stops asking until that lease has lapsed. Shared by the semantics suite and the counter-example,
/// so the check that passes for the lease is the very check that fails for count-then-write.
/// </summary>
internal static class Contention
{
    /// <param name="acquireOnce">One try by acquirer i: the granted lease's expiry (epoch ms), or null.</param>
    /// <param name="minimumGrants">
    /// Keep going past <paramref name="runFor"/> (up to three times as long) until this many grants were
    /// recorded, so a run slowed by a loaded machine still sees leases expire and be granted again.
    /// </param>
    public static async Task RunAsync(int acquirers, TimeSpan runFor, HoldingIntervals intervals, Func<int, Task<long?>> acquireOnce, int minimumGrants = 0)
    {
        using var stop = new CancellationTokenSource();
        using var start = new ManualResetEventSlim(false);
        var watch = Task.Run(async () =>
        {
            start.Wait();
            await Task.Delay(runFor);
            for (var waited = TimeSpan.Zero; intervals.Count < minimumGrants && waited < runFor * 2; waited += TimeSpan.FromMilliseconds(100))
            {
                await Task.Delay(100);
            }

            await stop.CancelAsync();
        });
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
        await Task.WhenAll(workers.Append(watch));
    }
}
