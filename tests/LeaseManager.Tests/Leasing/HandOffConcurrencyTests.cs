using System.Collections.Concurrent;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// The callback strategy under concurrency (several pool instances = several warm Lambdas): the
/// limit holds, every waiter is woken, nobody queued is passed over, and nothing is left behind.
/// </summary>
public sealed class HandOffConcurrencyTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int Limit = 4;
    private static readonly TimeSpan WakeTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sixty_waiters_with_concurrent_releasers_are_never_served_while_one_ahead_is_still_queued()
    {
        var notifier = new RecordingNotifier();
        var counter = new LocalPeers.CountingHttpClientFactory();
        var pools = WarmPools(() => Table.HandOffPool(Limit, notifier, counter: counter));
        var holders = new List<string>();
        for (var i = 0; i < Limit; i++)
        {
            holders.Add((await pools[0].AcquireAsync(new AcquireRequest($"arn:exec:holder-{i}", "db", Attempt: 0))).Lease!.LeaseId);
        }

        // At each delivery, no queue item may sort ahead of the waiter served (higher priority, or
        // same priority and earlier). Checked against the table, so notification order does not matter.
        var overtaken = new ConcurrentQueue<string>();
        notifier.BeforeDelivery = async (waiter, _) =>
        {
            foreach (var item in await Table.QueueItemsAsync())
            {
                var priority = int.Parse(item["priority"].N, System.Globalization.CultureInfo.InvariantCulture);
                var at = long.Parse(item["queued_at_ms"].N, System.Globalization.CultureInfo.InvariantCulture);
                if (priority > waiter.Priority || (priority == waiter.Priority && at < waiter.QueuedAtMs))
                {
                    overtaken.Enqueue($"{item["owner_id"].S} still queued when {waiter.OwnerId} was served");
                }
            }
        };

        // Sixty waiters queue concurrently, from every instance, with mixed priorities.
        var tokens = Enumerable.Range(0, 60).Select(i => $"token-{i}").ToArray();
        await Task.WhenAll(tokens.Select((token, i) => pools[i % Instances].WaitAsync(new WaitRequest(token, $"arn:exec:w{i}", "db", Priority: i % 7 == 0 ? 3 : i % 3))));
        (await Table.QueuedCountAsync()).Should().Be(60);

        // Each holder, then each served waiter, releases after a short random hold, concurrently;
        // newcomers ask while at least ten waiters are still queued.
        var newcomerGrants = await QueueDrain.RunAsync(
            pools, notifier, holders, tokens, n => new AcquireRequest($"arn:exec:newcomer-{n}", "db", Attempt: 0), newcomersUntilServed: 50, WakeTimeout, holdMs: (0, 10));

        output.WriteLine($"{notifier.Deliveries.Count} served; newcomer grants while queued: {newcomerGrants}; calls {string.Join(", ", counter.Snapshot().Select(kv => $"{kv.Key}={kv.Value}"))}");
        overtaken.Should().BeEmpty();
        newcomerGrants.Should().Be(0, "newcomers ran only while at least ten waiters were still queued");
        notifier.Deliveries.Should().HaveCount(60);
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
        (await Table.QueuedCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Forty_callers_on_a_pool_of_four_never_exceed_it_and_every_waiter_is_woken()
    {
        var notifier = new RecordingNotifier();
        var pools = WarmPools(() => Table.HandOffPool(Limit, notifier));
        var intervals = new HoldingIntervals();
        var viaQueue = 0;

        await Contention.AllAtOnceAsync(40, async i =>
        {
            for (var round = 0; round < 3; round++)
            {
                var owner = $"arn:exec:caller-{i}-{round}";
                var pool = pools[Random.Shared.Next(Instances)];
                var outcome = await pool.AcquireAsync(new AcquireRequest(owner, "db", Attempt: 0));
                var lease = outcome.Lease;
                if (lease is null)
                {
                    // The fragment's wait: park on a token until a hand-off wakes this owner.
                    var token = $"token-{i}-{round}";
                    var woken = notifier.Expect(token);
                    await Contention.RetryTransientAsync(() => pool.WaitAsync(new WaitRequest(token, owner, "db")));
                    lease = await woken.WaitAsync(WakeTimeout);
                    Interlocked.Increment(ref viaQueue);
                }

                // Holds long against a hand-off's few round trips, so the pool really fills up.
                var granted = WallNowMs();
                await Task.Delay(Random.Shared.Next(40, 120));

                // Held from the grant until the release is sent.
                intervals.Add(granted, WallNowMs());
                (await Contention.RetryTransientAsync(() => pools[Random.Shared.Next(Instances)].ReleaseAsync(lease.LeaseId))).Released.Should().BeTrue();
            }
        });

        output.WriteLine($"{intervals.Count} holds, {viaQueue} through the queue, max overlap {intervals.MaxOverlap()}");
        intervals.Count.Should().Be(120);
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(Limit).And.BeGreaterThan(1);
        viaQueue.Should().BeGreaterThan(0, "the pool was contended, so some callers waited in the queue");
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
        (await Table.QueuedCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Eight_concurrent_sweeps_hand_each_expired_slot_to_exactly_one_waiter()
    {
        // Four crashed holders, 32 queued waiters, and the sweep running on eight instances at once
        // (overlapping schedules, re-checks of queueing waiters): each slot goes to one waiter.
        var clock = new ManualClock();
        var notifier = new RecordingNotifier();
        var pools = WarmPools(() => Table.HandOffPool(Limit, notifier, clock: clock), count: 8);
        for (var i = 0; i < Limit; i++)
        {
            await pools[0].AcquireAsync(new AcquireRequest($"arn:exec:crashed-{i}", "db", LeaseDurationSeconds: 30, Attempt: 0));
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => pools[i % 8].WaitAsync(new WaitRequest($"token-{i}", $"arn:exec:w{i}", "db"))));
        notifier.Deliveries.Should().BeEmpty();
        clock.Advance(TimeSpan.FromSeconds(31));

        var sweeps = await Task.WhenAll(pools.Select(p => Task.Run(() => p.SweepAsync())));

        var delivered = notifier.Deliveries;
        output.WriteLine($"handed off per sweep: {string.Join(", ", sweeps.Select(s => s.HandedOff))}");
        delivered.Should().HaveCount(Limit);
        sweeps.Sum(s => s.HandedOff).Should().Be(Limit);
        delivered.Select(d => d.Lease.Slot).Should().OnlyHaveUniqueItems();
        (await Table.LiveSlotsAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Select(s => s["lease_id"].S)
            .Should().BeEquivalentTo(delivered.Select(d => d.Lease.LeaseId), "every delivered lease is the one its slot carries");
        (await Table.QueueItemsAsync()).Should().HaveCount(32 - Limit);
        (await Table.QueuedCountAsync()).Should().Be(32 - Limit);
    }

    [Fact]
    public async Task A_waiter_queueing_while_the_last_holder_releases_is_woken_without_a_sweep()
    {
        // The lost wake-up: the release checks the queue just before the waiter's item lands and
        // frees the slot; only the waiter's re-check after queueing can then wake it. Forty races
        // at once, each in its own pool of one slot.
        var notifier = new RecordingNotifier();
        using var start = new ManualResetEventSlim(false);
        var races = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var prefix = $"race-{i}";
            var releaser = Table.HandOffPool(1, notifier, prefix);
            var queuer = Table.HandOffPool(1, notifier, prefix);
            var held = (await releaser.AcquireAsync(new AcquireRequest($"arn:exec:holder-{i}", "db", Attempt: 0))).Lease!;
            (await queuer.AcquireAsync(new AcquireRequest($"arn:exec:waiter-{i}", "db", Attempt: 0))).Status.Should().Be(AcquireStatus.Wait);
            var token = $"token-{i}";
            var woken = notifier.Expect(token);
            start.Wait();
            await Task.WhenAll(
                Task.Run(async () => await releaser.ReleaseAsync(held.LeaseId)),
                Task.Run(async () => await queuer.WaitAsync(new WaitRequest(token, $"arn:exec:waiter-{i}", "db"))));

            // Both calls have returned: the waiter must hold the slot already, not at a sweep.
            woken.IsCompletedSuccessfully.Should().BeTrue($"race {i}: the waiter was left queued beside a free slot");
            (await Table.LiveSlotCountAsync(prefix, WallNowMs())).Should().Be(1);
            (await releaser.ReleaseAsync(woken.Result.LeaseId)).Released.Should().BeTrue();
        })).ToArray();
        start.Set();
        await Task.WhenAll(races);

        notifier.Deliveries.Should().HaveCount(40);
        for (var i = 0; i < 40; i++)
        {
            (await Table.LeaseAndQueueItemsAsync($"race-{i}")).Should().BeEmpty();
        }
    }
}
