namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Many acquirers at once. <see cref="RunAsync"/>: each a holder that never releases: it records what
/// it was granted and stops asking until that lease has lapsed. Shared by the semantics suite and the
/// counter-example, so the check that passes for the lease is the very check that fails for
/// count-then-write. The concurrency tests start their own callers with <see cref="AllAtOnceAsync"/>.
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

    /// <summary>
    /// <paramref name="call"/>, repeated after a <see cref="TransientFailureException"/> as the exported
    /// Tasks' Retry repeats LeaseManager.TransientFailure (up to 6 attempts): the contract calls it safe to
    /// repeat, and under heavy contention a release may lose every race of its hand-off attempts.
    /// </summary>
    public static async Task<T> RetryTransientAsync<T>(Func<Task<T>> call, int attempts = 6)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (TransientFailureException) when (attempt < attempts)
            {
                await Task.Delay(Random.Shared.Next(10, 50) * attempt);
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0 to <paramref name="count"/> - 1 on the thread pool, all let go at the same moment, and waits for every run.</summary>
    public static async Task AllAtOnceAsync(int count, Func<int, Task> body)
    {
        using var start = new ManualResetEventSlim(false);
        var runs = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await body(i);
        })).ToArray();
        start.Set();
        await Task.WhenAll(runs);
    }

    /// <summary>
    /// A holder that asks <paramref name="pool"/> until it is granted (or <paramref name="giveUp"/> fires),
    /// holds for a random while in <paramref name="holdMs"/>, releases, and records its holding from the
    /// grant until the release was sent (never past the lease's expiry).
    /// </summary>
    public static async Task AcquireHoldReleaseAsync(LeasePool pool, AcquireRequest request, HoldingIntervals intervals, (int Min, int Max) holdMs, CancellationTokenSource giveUp)
    {
        while (!giveUp.IsCancellationRequested)
        {
            if ((await pool.AcquireAsync(request)).Lease is { } lease)
            {
                var granted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await Task.Delay(Random.Shared.Next(holdMs.Min, holdMs.Max));
                var released = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await pool.ReleaseAsync(lease.LeaseId);
                intervals.Add(granted, Math.Min(released + 1, lease.ExpiresAtMs));
                return;
            }

            await Task.Delay(Random.Shared.Next(5, 25));
        }
    }
}
