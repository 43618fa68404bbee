namespace LeaseManager.Tests.Admin;

/// <summary>
/// A limit changed at run time, under concurrent acquirers on several instances (warm Lambdas):
/// raising admits at once; lowering never grants while the live leases are at or above the new
/// limit once the call has answered, and the leases above it end without being passed on.
/// </summary>
public sealed class SetLimitTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int Configured = 8;

    [Fact]
    public async Task Twenty_four_acquirers_on_four_instances_never_exceed_a_limit_lowered_under_them()
    {
        var instances = WarmPools(Pool);
        var admin = Pool();
        var holds = new List<(long Start, long End)>();
        var grantsAfter = 0;
        var held = new HeldCount();
        long loweredAt = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            var pool = instances[i % instances.Length];
            while (!stop.IsCancellationRequested)
            {
                var outcome = await pool.AcquireAsync(new AcquireRequest(Attempt: 0, LeaseDurationSeconds: 30));
                if (outcome.Lease is not { } lease)
                {
                    await Task.Delay(Random.Shared.Next(10, 40));
                    continue;
                }

                // The holder surely held from its answer until it asked to release: what overlaps
                // here overlapped in DynamoDB too, so a count above the limit is a real violation.
                var start = WallNowMs();
                held.Enter();
                await Task.Delay(Random.Shared.Next(150, 300));
                var end = WallNowMs();
                held.Leave();
                await pool.ReleaseAsync(lease.LeaseId);
                lock (holds)
                {
                    holds.Add((start, end));
                    grantsAfter += start > Volatile.Read(ref loweredAt) ? 1 : 0;
                }
            }
        })).ToArray();

        // The old limit in use first: 1.5 s, and until more than 3 were held at once (10 s at most: on a
        // loaded machine the workers get going slowly, and "before" would prove nothing).
        await Task.Delay(1500);
        await held.PeakReachedAsync(4, TimeSpan.FromSeconds(8.5));
        var lowered = await admin.SetLimitAsync(3);
        Volatile.Write(ref loweredAt, WallNowMs());
        await Task.Delay(3000);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        lowered.Should().BeEquivalentTo(new { PreviousLimit = Configured, Limit = 3, StoredLimit = 3, ConfiguredLimit = Configured });
        lowered.WaitedMs.Should().BeGreaterThanOrEqualTo(1900, "it waits out the instances' trust in their last read");
        var before = MaxOverlap(holds.Where(h => h.End < loweredAt));
        // After lowering, every grant must find fewer than 3 leases live: count, at each grant made
        // after the call answered, the leases live then (itself included). A lease of the old limit
        // still held then counts, but is no violation by itself (on a loaded machine an old holder's
        // 300 ms can outlast the call's wait), so overlaps are counted only at the new grants.
        var after = holds.Where(h => h.Start > loweredAt)
            .Select(h => holds.Count(g => g.Start <= h.Start && g.End > h.Start))
            .DefaultIfEmpty(0).Max();
        output.WriteLine($"{holds.Count} holds; max overlap {before} before, {after} after lowering to 3 ({grantsAfter} grants after)");
        before.Should().BeGreaterThan(3, "the old limit was in use, or the test proves nothing");
        after.Should().BeLessThanOrEqualTo(3);
        grantsAfter.Should().BeGreaterThanOrEqualTo(5, "the lowered limit still grants");
        (await admin.GetStatusAsync()).Should().BeEquivalentTo(new { Limit = 3, StoredLimit = 3, HeldCount = 0 });
    }

    [Fact]
    public async Task An_instance_idle_since_before_the_limit_was_lowered_does_not_grant_beyond_it()
    {
        // The idle instance read an empty pool of 8: it believes every slot free. Were that read
        // trusted for ever, its next acquire would write blind into a slot above the new limit.
        var idle = Pool();
        await using (await idle.AcquireAsync("warm-up"))
        {
        }

        var admin = Pool();
        await admin.SetLimitAsync(3);
        (await AcquireUntilFullAsync(admin)).Should().Be(3);

        var late = await idle.AcquireAsync(new AcquireRequest(Attempt: 0));

        late.Status.Should().Be(AcquireStatus.Wait, "three leases fill the lowered limit");
        late.MaxConcurrentLeases.Should().Be(3);
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().Be(3);
    }

    [Fact]
    public async Task Raising_admits_at_once_on_an_instance_that_saw_the_lower_limit_and_null_restores_the_configured_one()
    {
        var admin = Pool();
        (await admin.SetLimitAsync(2)).Should().BeEquivalentTo(new { PreviousLimit = Configured, Limit = 2, WaitedMs = 2000L }, o => o.Using<long>(c => c.Subject.Should().BeGreaterThanOrEqualTo(c.Expectation)).WhenTypeIs<long>());
        var worker = Pool();
        var granted = await AcquireUntilFullAsync(worker);
        granted.Should().Be(2);

        var raised = await admin.SetLimitAsync(5);

        raised.Should().BeEquivalentTo(new { PreviousLimit = 2, Limit = 5, StoredLimit = 5, HeldCount = 2, WaitedMs = 0L });
        (await AcquireUntilFullAsync(worker)).Should().Be(3, "the new room is granted on the next acquire, with no redeploy and no wait");
        (await admin.SetLimitAsync(null)).Should().BeEquivalentTo(new { PreviousLimit = 5, Limit = Configured, StoredLimit = (int?)null });
        (await AcquireUntilFullAsync(worker)).Should().Be(Configured - 5);
    }

    [Fact]
    public async Task Raising_the_limit_with_waiters_queued_hands_them_the_new_room_in_order()
    {
        var notifier = new RecordingNotifier();
        var options = Table.Options(4) with { HandOffToWaiters = true, LimitRefreshSeconds = 1 };
        var pool = new LeasePool(Table.Client, options, notifier: notifier);
        await pool.SetLimitAsync(1);
        await pool.AcquireAsync(new AcquireRequest("arn:exec:holder", "db", Attempt: 0));
        foreach (var name in new[] { "first", "second", "third", "fourth" })
        {
            await pool.WaitAsync(new WaitRequest($"t-{name}", $"arn:exec:{name}", "db"));
        }

        var raised = await pool.SetLimitAsync(4);

        raised.HandedOff.Should().Be(3);
        notifier.Deliveries.Select(d => d.Waiter.OwnerId).Should().Equal("arn:exec:first", "arn:exec:second", "arn:exec:third");
        (await pool.GetStatusAsync()).Should().BeEquivalentTo(new { HeldCount = 4, WaitingCount = 1 });
    }

    private LeasePool Pool() => new(Table.Client, Table.Options(Configured) with { LimitRefreshSeconds = 1 });

    private static async Task<int> AcquireUntilFullAsync(LeasePool pool)
    {
        var granted = 0;
        while ((await pool.AcquireAsync(new AcquireRequest())).Status == AcquireStatus.Acquired)
        {
            granted++;
        }

        return granted;
    }

    private static int MaxOverlap(IEnumerable<(long Start, long End)> holds)
    {
        var intervals = new HoldingIntervals();
        foreach (var (start, end) in holds)
        {
            intervals.Add(start, end);
        }

        return intervals.MaxOverlap();
    }
}
