namespace LeaseManager.Tests.Leasing;

/// <summary>
/// A full queue served to the end from several instances: each holder releases after a short hold,
/// each queued waiter, once woken, holds and releases in turn, and newcomers keep asking from every
/// instance until the given number of waiters was served (while the rest is still queued, so none of
/// them may be granted).
/// </summary>
internal static class QueueDrain
{
    /// <returns>How many newcomers were granted a lease (each released at once).</returns>
    public static async Task<int> RunAsync(
        LeasePool[] pools,
        RecordingNotifier notifier,
        IEnumerable<string> heldLeaseIds,
        IEnumerable<string> tokens,
        Func<int, AcquireRequest> newcomer,
        int newcomersUntilServed,
        TimeSpan wakeTimeout,
        (int Min, int Max) holdMs)
    {
        var newcomerGrants = 0;
        using var stopNewcomers = new CancellationTokenSource();
        var newcomers = Task.Run(async () =>
        {
            for (var n = 0; !stopNewcomers.IsCancellationRequested; n++)
            {
                if ((await pools[n % pools.Length].AcquireAsync(newcomer(n))).Lease is { } lease)
                {
                    Interlocked.Increment(ref newcomerGrants);
                    await Contention.RetryTransientAsync(() => pools[0].ReleaseAsync(lease.LeaseId));
                }

                await Task.Delay(3);
            }
        });
        var workers = heldLeaseIds.Select((lease, i) => ReleaseAfterHoldAsync(pools[i % pools.Length], lease))
            .Concat(tokens.Select(async (token, i) =>
            {
                var lease = await notifier.Expect(token).WaitAsync(wakeTimeout);
                if (notifier.Deliveries.Count >= newcomersUntilServed)
                {
                    await stopNewcomers.CancelAsync();
                }

                await ReleaseAfterHoldAsync(pools[(i + 1) % pools.Length], lease.LeaseId);
            }));
        await Task.WhenAll(workers);
        await stopNewcomers.CancelAsync();
        await newcomers;
        return newcomerGrants;

        async Task ReleaseAfterHoldAsync(LeasePool pool, string leaseId)
        {
            await Task.Delay(Random.Shared.Next(holdMs.Min, holdMs.Max));
            (await Contention.RetryTransientAsync(() => pool.ReleaseAsync(leaseId))).Released.Should().BeTrue();
        }
    }
}
