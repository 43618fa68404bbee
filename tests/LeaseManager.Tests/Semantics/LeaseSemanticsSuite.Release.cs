using System.Globalization;

namespace LeaseManager.Tests.Semantics;

/// <summary>G3 (fenced, idempotent release) and G4 (an unreleased lease heals itself at expiry).</summary>
public abstract partial class LeaseSemanticsSuite
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    [SuiteFact]
    public async Task Release_frees_exactly_that_lease_and_a_second_release_changes_nothing()
    {
        var pool = await OpenAsync(2);
        var a = await pool.AcquireAsync("exec-a", "r");
        var b = await pool.AcquireAsync("exec-b", "r");
        (await pool.AcquireAsync("exec-c", "r")).Acquired.Should().BeFalse();

        var first = await pool.ReleaseAsync(a.LeaseId!);
        var second = await pool.ReleaseAsync(a.LeaseId!);
        var c = await pool.AcquireAsync("exec-c", "r");

        first.Should().BeTrue();
        second.Should().BeFalse();
        c.Acquired.Should().BeTrue();
        (await Table.ItemsAsync()).Select(i => i["lease_id"].S).Should().BeEquivalentTo(
            [b.LeaseId, b.LeaseId, c.LeaseId, c.LeaseId],
            "each live owned lease is one slot item plus one owner item, and a's are gone");
    }

    [SuiteFact]
    public async Task Anonymous_leases_release_and_leave_nothing_behind()
    {
        var pool = await OpenAsync(1);
        var lease = await pool.AcquireAsync();

        (await pool.ReleaseAsync(lease.LeaseId!)).Should().BeTrue();
        (await pool.ReleaseAsync(lease.LeaseId!)).Should().BeFalse();
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [SuiteFact]
    public async Task An_expired_lease_stops_counting_at_once_without_waiting_for_TTL()
    {
        var pool = await OpenAsync(1);
        var old = await pool.AcquireAsync("exec-old", "r", durationSeconds: 2);
        (await pool.AcquireAsync("exec-new", "r")).Acquired.Should().BeFalse();

        await Time.PassAsync(TimeSpan.FromSeconds(1.2));
        (await pool.AcquireAsync("exec-new", "r")).Acquired.Should().BeFalse("the lease has most of a second left");
        await Time.PassAsync(TimeSpan.FromSeconds(1));
        var taken = await pool.AcquireAsync("exec-new", "r");

        taken.Acquired.Should().BeTrue();
        SlotOf(taken.LeaseId).Should().Be(SlotOf(old.LeaseId));
        var slotItem = (await Table.ItemsAsync()).Single(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal));
        slotItem["lease_id"].S.Should().Be(taken.LeaseId);
        long.Parse(slotItem["ttl"].N, CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(taken.ExpiresAtMs!.Value / 1000, "the TTL attribute is still written for cleanup");
    }

    [SuiteFact]
    public async Task Releasing_an_expired_lease_whose_slot_was_re_granted_changes_nothing()
    {
        var pool = await OpenAsync(1);
        var old = await pool.AcquireAsync("exec-old", "r", durationSeconds: 1);
        await Time.PassAsync(Short);
        var current = await pool.AcquireAsync("exec-new", "r");

        var stale = await pool.ReleaseAsync(old.LeaseId!);

        stale.Should().BeFalse();
        (await pool.AcquireAsync("exec-third", "r")).Acquired.Should().BeFalse("the new holder still counts");
        (await Table.ItemsAsync()).Where(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal))
            .Should().ContainSingle().Which["lease_id"].S.Should().Be(current.LeaseId);
    }

    [SuiteFact]
    public async Task An_owner_whose_lease_expired_gets_a_new_lease_and_the_old_id_is_fenced()
    {
        var pool = await OpenAsync(3);
        var old = await pool.AcquireAsync("exec-1", "r", durationSeconds: 1);
        await Time.PassAsync(Short);

        var fresh = await pool.AcquireAsync("exec-1", "r");
        var staleRelease = await pool.ReleaseAsync(old.LeaseId!);

        fresh.LeaseId.Should().NotBe(old.LeaseId);
        if (SlotOf(fresh.LeaseId) == SlotOf(old.LeaseId))
        {
            staleRelease.Should().BeFalse("the slot now carries the owner's new lease, and the old id is fenced out of it");
        }
        else if (Time.Manual is not null)
        {
            staleRelease.Should().BeTrue("an old id clears its own, already expired, record");
        }

        // On the wall clock the old record's TTL has passed, and DynamoDB may delete it at any moment
        // (DynamoDB Local does within a second): then the old id finds nothing to clear. Either way
        // nothing of it is left, and the owner's new lease is untouched.
        (await Table.ItemsAsync()).Should().NotContain(i => i["lease_id"].S == old.LeaseId);
        (await LiveAsync()).Should().Be(1);
        (await pool.ReleaseAsync(fresh.LeaseId!)).Should().BeTrue();
        (await LiveAsync()).Should().Be(0);
    }

    [SuiteFact]
    public async Task Reclaim_frees_the_owners_leases_and_no_one_elses()
    {
        var pool = await OpenAsync(4);
        var mine = new[] { await pool.AcquireAsync("arn:exec:ended", "a"), await pool.AcquireAsync("arn:exec:ended", "b") };
        var theirs = await pool.AcquireAsync("arn:exec:running", "a");

        var released = await pool.ReclaimAsync("arn:exec:ended");

        released.Should().BeEquivalentTo(mine.Select(m => m.LeaseId));
        (await pool.ReclaimAsync("arn:exec:ended")).Should().BeEmpty("a second reclaim finds nothing left");
        (await Table.LiveSlotsAsync("", Time.NowMs)).Should().ContainSingle().Which["lease_id"].S.Should().Be(theirs.LeaseId);
    }
}
