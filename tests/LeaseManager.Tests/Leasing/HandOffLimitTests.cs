namespace LeaseManager.Tests.Leasing;

/// <summary>
/// A lowered limit with waiters queued (G1 with G7): a hand-off is a grant, so none happens while the
/// live leases, counted in every slot the older limit used, are at or above the new limit; a slot
/// at or above the new limit is freed, never handed on.
/// </summary>
public sealed class HandOffLimitTests : LeaseTableTest
{
    [Fact]
    public async Task With_the_limit_lowered_from_three_to_two_a_waiter_is_served_only_once_fewer_than_two_are_live()
    {
        var notifier = new RecordingNotifier();
        var wide = Table.HandOffPool(3, notifier);
        var bySlot = new Dictionary<int, string>();
        for (var i = 0; i < 3; i++)
        {
            var lease = (await wide.AcquireAsync(new AcquireRequest($"arn:exec:old-{i}", "db", Attempt: 0))).Lease!;
            bySlot[lease.Slot] = lease.LeaseId;
        }

        bySlot.Keys.Should().BeEquivalentTo([0, 1, 2], "a full pool of three uses every slot");
        var narrow = Table.HandOffPool(2, notifier);
        (await narrow.WaitAsync(new WaitRequest("t-w", "arn:exec:w", "db"))).Status.Should().Be(WaitStatus.Queued);

        // Slot 0 released while slots 1 and 2 are live: two live leases = the new limit. Handing
        // slot 0 on would make three.
        (await narrow.ReleaseAsync(bySlot[0])).Released.Should().BeTrue();
        notifier.Deliveries.Should().BeEmpty();
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().Be(2);
        (await Table.QueueItemsAsync()).Should().ContainSingle();

        // Slot 2 (beyond the new limit) released: freed, not handed on; now one is live, so the
        // waiter gets a slot below the limit.
        (await narrow.ReleaseAsync(bySlot[2])).Released.Should().BeTrue();
        var served = notifier.Deliveries.Should().ContainSingle().Subject;
        served.Lease.Slot.Should().BeLessThan(2);
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().Be(2);
        (await Table.LiveSlotsAsync("", WallNowMs())).Select(s => s["SK"].S).Should().NotContain("slot#0002");
        (await Table.QueueItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_sweep_under_a_lowered_limit_hands_on_only_while_there_is_room()
    {
        var clock = new ManualClock();
        var notifier = new RecordingNotifier();
        var wide = Table.HandOffPool(3, notifier, clock: clock);
        for (var i = 0; i < 3; i++)
        {
            // Slots 0..2; the one with the short lease expires first.
            await wide.AcquireAsync(new AcquireRequest($"arn:exec:old-{i}", "db", LeaseDurationSeconds: i == 0 ? 10 : 600, Attempt: 0));
        }

        var narrow = Table.HandOffPool(2, notifier, clock: clock);
        await narrow.WaitAsync(new WaitRequest("t-w", "arn:exec:w", "db"));
        clock.Advance(TimeSpan.FromSeconds(11));

        // One lease expired, two live (= the new limit): the sweep finds it but may not grant.
        var swept = await narrow.SweepAsync();
        swept.HandedOff.Should().Be(0);
        notifier.Deliveries.Should().BeEmpty();
        (await Table.QueueItemsAsync()).Should().ContainSingle();
    }
}
