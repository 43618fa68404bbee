namespace LeaseManager.Tests.Leasing;

/// <summary>
/// The callback strategy's faults, each injected: a notification that fails after the hand-off, a
/// dead waiter at the head, a holder that never releases, reclaim of queued and holding executions,
/// stale releases, re-asks, and a lowered limit with waiters queued.
/// </summary>
public sealed class HandOffFaultTests : LeaseTableTest
{
    private const string Holder = "arn:exec:holder";

    [Fact]
    public async Task A_hand_off_whose_notification_fails_stays_with_the_waiter_and_its_re_ask_gets_that_same_lease()
    {
        var (notifier, pool, held) = await OneHeldSlotAsync();
        await pool.WaitAsync(new WaitRequest("t-1", "arn:exec:w", "db"));
        notifier.Failing["t-1"] = true;

        (await pool.ReleaseAsync(held)).Released.Should().BeTrue("the release handed the slot on; only the wake-up failed");

        var slot = (await Table.LiveSlotsAsync("", WallNowMs())).Should().ContainSingle().Subject;
        slot["owner_id"].S.Should().Be("arn:exec:w", "the grant was written before the notification was tried");
        notifier.Deliveries.Should().BeEmpty();

        // The waiting Task's timeout re-asks with a fresh token: the same lease, delivered to it.
        var again = await pool.WaitAsync(new WaitRequest("t-2", "arn:exec:w", "db"));
        again.Status.Should().Be(WaitStatus.Delivered);
        again.Lease!.LeaseId.Should().Be(slot["lease_id"].S);
        notifier.Deliveries.Should().ContainSingle().Which.Should().Match<(QueuedWaiter Waiter, Lease Lease)>(d => d.Waiter.WakeToken == "t-2" && d.Lease.LeaseId == again.Lease.LeaseId);
        (await Table.QueueItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_dead_head_waiter_has_its_grant_taken_back_the_next_waiter_is_served_and_its_place_goes_after_the_grace()
    {
        var clock = new ManualClock();
        var (notifier, pool, held) = await OneHeldSlotAsync(clock);
        await pool.WaitAsync(new WaitRequest("t-dead", "arn:exec:dead", "db", RequestedAtMs: clock.GetUtcNow().ToUnixTimeMilliseconds() - 10));
        await pool.WaitAsync(new WaitRequest("t-next", "arn:exec:next", "db"));
        notifier.Gone["t-dead"] = true;

        (await pool.ReleaseAsync(held)).Released.Should().BeTrue();

        notifier.Attempts.Should().Equal("t-dead", "t-next");
        var served = notifier.Deliveries.Should().ContainSingle().Subject;
        served.Waiter.OwnerId.Should().Be("arn:exec:next");
        var slot = (await Table.LiveSlotsAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Should().ContainSingle().Subject;
        slot["lease_id"].S.Should().Be(served.Lease.LeaseId, "the dead waiter's grant was replaced, not left beside it");

        // A closed token may be a Task between its timeout and its re-ask: the waiter keeps its place,
        // passed over, for the grace; an ended execution never re-asks and its place then goes.
        var kept = (await Table.QueueItemsAsync()).Should().ContainSingle().Subject;
        kept["owner_id"].S.Should().Be("arn:exec:dead");
        kept.Should().ContainKey("passed_over_at_ms");
        clock.Advance(TimeSpan.FromMilliseconds(SlotStore.PassedOverGraceMs + 1000));
        (await pool.ReleaseAsync(served.Lease.LeaseId)).Released.Should().BeTrue();
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
        (await Table.QueuedCountAsync()).Should().Be(0);
    }

    [Fact]
    public async Task A_waiter_passed_over_while_its_token_was_closed_keeps_its_place_and_gets_the_next_slot_after_it_re_asks()
    {
        var (notifier, pool, held) = await OneHeldSlotAsync();
        var now = WallNowMs();
        await pool.WaitAsync(new WaitRequest("t-first", "arn:exec:first", "db", RequestedAtMs: now - 30));
        await pool.WaitAsync(new WaitRequest("t-second", "arn:exec:second", "db", RequestedAtMs: now - 20));
        await pool.WaitAsync(new WaitRequest("t-third", "arn:exec:third", "db", RequestedAtMs: now - 10));
        notifier.Gone["t-first"] = true;

        // The first waiter's Task has just timed out: the slot goes to the second, the first keeps its place.
        (await pool.ReleaseAsync(held)).Released.Should().BeTrue();
        (await pool.WaitAsync(new WaitRequest("t-first-again", "arn:exec:first", "db"))).Status.Should().Be(WaitStatus.Queued);
        var second = notifier.Deliveries.Should().ContainSingle().Subject;
        second.Waiter.OwnerId.Should().Be("arn:exec:second");

        (await pool.ReleaseAsync(second.Lease.LeaseId)).Released.Should().BeTrue();

        notifier.Deliveries.Select(d => d.Waiter.WakeToken).Should().Equal("t-second", "t-first-again");
        (await Table.QueueItemsAsync()).Should().ContainSingle().Which["owner_id"].S.Should().Be("arn:exec:third");
    }

    [Fact]
    public async Task A_dead_last_waiter_s_grant_is_freed_and_the_pool_is_open_again_once_its_grace_is_over()
    {
        var clock = new ManualClock();
        var (notifier, pool, held) = await OneHeldSlotAsync(clock);
        await pool.WaitAsync(new WaitRequest("t-dead", "arn:exec:dead", "db"));
        notifier.Gone["t-dead"] = true;

        (await pool.ReleaseAsync(held)).Released.Should().BeTrue();

        (await Table.LiveSlotsAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Should().BeEmpty("the dead waiter's grant was taken back");
        clock.Advance(TimeSpan.FromMilliseconds(SlotStore.PassedOverGraceMs + 1000));
        await pool.SweepAsync();
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
        (await pool.AcquireAsync(new AcquireRequest("arn:exec:newcomer", "db", Attempt: 0))).Status.Should().Be(AcquireStatus.Acquired);
    }

    [Fact]
    public async Task An_expired_holder_s_slot_reaches_the_head_through_the_sweep()
    {
        var clock = new ManualClock();
        var (notifier, pool, _) = await OneHeldSlotAsync(clock, leaseSeconds: 30);
        await pool.WaitAsync(new WaitRequest("t-1", "arn:exec:w", "db"));

        (await pool.SweepAsync()).Should().Be(new SweepOutcome(0, 0, 0), "the holder's lease is live");
        notifier.Deliveries.Should().BeEmpty();

        // The holder crashed and never releases: once its lease has expired, the sweep hands it on.
        clock.Advance(TimeSpan.FromSeconds(31));
        (await pool.SweepAsync()).Should().Be(new SweepOutcome(1, 1, 0));
        notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be("arn:exec:w");
        (await Table.QueueItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_newcomer_never_takes_a_free_slot_while_someone_is_queued()
    {
        // A free slot beside a queued waiter: the holder's lease expired and no sweep has run yet
        // (the same state as the moment between a waiter's queue write and its re-check).
        var clock = new ManualClock();
        var (notifier, pool, _) = await OneHeldSlotAsync(clock, leaseSeconds: 30);
        await pool.WaitAsync(new WaitRequest("t-1", "arn:exec:w", "db"));
        clock.Advance(TimeSpan.FromSeconds(31));

        foreach (var attempt in new int?[] { 0, 1, null })
        {
            var newcomer = await pool.AcquireAsync(new AcquireRequest("arn:exec:newcomer", "db", Attempt: attempt));
            newcomer.Status.Should().Be(AcquireStatus.Wait, "the queued waiter comes first (attempt {0})", attempt);
        }

        (await pool.SweepAsync()).HandedOff.Should().Be(1);
        notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be("arn:exec:w");
    }

    [Fact]
    public async Task Reclaim_removes_an_ended_execution_s_queue_items_and_hands_its_slot_to_the_head()
    {
        var (notifier, pool, _) = await OneHeldSlotAsync();
        var endedAt = WallNowMs();
        await pool.WaitAsync(new WaitRequest("t-ended", "arn:exec:ended", "a", RequestedAtMs: endedAt - 100));
        await pool.WaitAsync(new WaitRequest("t-ended-b", "arn:exec:ended", "b", RequestedAtMs: endedAt - 50));
        await pool.WaitAsync(new WaitRequest("t-live", "arn:exec:live", "db", RequestedAtMs: endedAt - 40));

        // A redriven execution keeps its ARN: its queue item asked for after the end is kept.
        await pool.WaitAsync(new WaitRequest("t-redriven", "arn:exec:ended", "c", RequestedAtMs: endedAt + 1000));
        (await pool.ReclaimAsync("arn:exec:ended", endedAt)).ReleasedLeaseIds.Should().BeEmpty();

        (await Table.QueueItemsAsync()).Select(i => i["wake_token"].S).Should().Equal("t-live", "t-redriven");
        (await Table.QueuedCountAsync()).Should().Be(2);

        // The holder's execution ends: its slot goes to the head, not back to the pool.
        (await pool.ReclaimAsync(Holder, WallNowMs())).ReleasedLeaseIds.Should().ContainSingle();
        notifier.Deliveries.Select(d => d.Waiter.WakeToken).Should().Equal("t-live");
        (await Table.LiveSlotsAsync("", WallNowMs())).Should().ContainSingle().Which["owner_id"].S.Should().Be("arn:exec:live");
    }

    [Fact]
    public async Task A_waiter_that_re_asks_while_being_woken_on_its_old_token_keeps_the_lease()
    {
        // The hand-off wrote the grant for token t-old; before SendTaskSuccess answered TaskTimedOut
        // for it, the waiter's timeout re-asked with t-new and was delivered the same lease. The
        // late "gone" must not take that lease back.
        var (notifier, pool, held) = await OneHeldSlotAsync();
        await pool.WaitAsync(new WaitRequest("t-old", "arn:exec:w", "db"));
        notifier.Gone["t-old"] = true;
        notifier.BeforeAttempt = async waiter =>
        {
            if (waiter.WakeToken == "t-old")
            {
                (await pool.WaitAsync(new WaitRequest("t-new", "arn:exec:w", "db"))).Status.Should().Be(WaitStatus.Delivered);
            }
        };

        (await pool.ReleaseAsync(held)).Released.Should().BeTrue();

        var delivered = notifier.Deliveries.Should().ContainSingle().Subject;
        delivered.Waiter.WakeToken.Should().Be("t-new");
        (await Table.QueueItemsAsync()).Should().BeEmpty("it holds the lease: it is not passed over");
        (await Table.LiveSlotsAsync("", WallNowMs())).Should().ContainSingle().Which["lease_id"].S.Should().Be(delivered.Lease.LeaseId);
    }

    [Fact]
    public async Task Releasing_the_old_lease_again_after_its_slot_was_handed_on_changes_nothing()
    {
        var (notifier, pool, held) = await OneHeldSlotAsync();
        await pool.WaitAsync(new WaitRequest("t-1", "arn:exec:w", "db"));
        (await pool.ReleaseAsync(held)).Released.Should().BeTrue();
        var handed = notifier.Deliveries.Should().ContainSingle().Subject.Lease;

        (await pool.ReleaseAsync(held)).Released.Should().BeFalse("the slot now carries the waiter's lease");
        var renew = () => pool.RenewAsync(held);
        await renew.Should().ThrowAsync<LeaseLostException>();

        (await Table.LiveSlotsAsync("", WallNowMs())).Should().ContainSingle().Which["lease_id"].S.Should().Be(handed.LeaseId);
        (await pool.RenewAsync(handed.LeaseId)).LeaseId.Should().Be(handed.LeaseId);
        (await pool.ReleaseAsync(handed.LeaseId)).Released.Should().BeTrue();
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_re_ask_keeps_its_place_and_is_woken_on_its_new_token()
    {
        var (notifier, pool, held) = await OneHeldSlotAsync();
        var first = WallNowMs() - 100;
        await pool.WaitAsync(new WaitRequest("t-first", "arn:exec:first", "db", RequestedAtMs: first));
        await pool.WaitAsync(new WaitRequest("t-second", "arn:exec:second", "db", RequestedAtMs: first + 10));

        // The first waiter's task timed out and re-asks later, with a new token.
        (await pool.WaitAsync(new WaitRequest("t-first-again", "arn:exec:first", "db"))).Status.Should().Be(WaitStatus.Queued);

        (await Table.QueueItemsAsync()).Select(i => i["wake_token"].S).Should().Equal("t-first-again", "t-second");
        (await Table.QueuedCountAsync()).Should().Be(2);
        await pool.ReleaseAsync(held);
        notifier.Attempts.Should().Equal("t-first-again");
    }

    [Fact]
    public async Task An_uncontended_grant_and_release_cost_one_round_trip_each()
    {
        var counter = new CountingHttpClientFactory();
        var pool = Table.HandOffPool(10, new RecordingNotifier(), counter: counter);
        await pool.ReleaseAsync((await pool.AcquireAsync(new AcquireRequest("arn:exec:warm-up", "db", Attempt: 0))).Lease!.LeaseId);

        counter.Reset();
        for (var i = 0; i < 10; i++)
        {
            var lease = (await pool.AcquireAsync(new AcquireRequest($"arn:exec:e{i}", "db", Attempt: 0))).Lease!;
            (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeTrue();
        }

        // Each is one transaction: the slot write plus the check that nobody is queued.
        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["TransactWriteItems"] = 20 });
    }

    /// <summary>A one-slot hand-off pool (on <paramref name="clock"/>, if given) whose slot <see cref="Holder"/> holds.</summary>
    private async Task<(RecordingNotifier Notifier, LeasePool Pool, string Held)> OneHeldSlotAsync(TimeProvider? clock = null, int? leaseSeconds = null)
    {
        var notifier = new RecordingNotifier();
        var pool = Table.HandOffPool(1, notifier, clock: clock);
        var held = (await pool.AcquireAsync(new AcquireRequest(Holder, "db", LeaseDurationSeconds: leaseSeconds, Attempt: 0))).Lease!.LeaseId;
        return (notifier, pool, held);
    }
}
