namespace LeaseManager.Tests.Admin;

/// <summary>The operator's actions in the library: status, a release by hand, and bad input that writes nothing.</summary>
public sealed class AdminTests : LeaseTableTest
{
    [Fact]
    public async Task Status_lists_live_leases_oldest_first_with_renewals_and_bounds_the_list_not_the_count()
    {
        var pool = Table.Pool(5);
        var first = (await pool.AcquireAsync(new AcquireRequest("arn:exec:a", "glue-job", Attempt: 0))).Lease!;
        await Task.Delay(5);
        await pool.AcquireAsync(new AcquireRequest("arn:exec:b", null, Attempt: 0));
        await Task.Delay(5);
        await pool.AcquireAsync(new AcquireRequest());
        await pool.RenewAsync(first.LeaseId, 300);
        await pool.RenewAsync(first.LeaseId, 300);

        var status = await pool.GetStatusAsync(maxEntries: 2);

        status.HeldCount.Should().Be(3);
        status.Leases.Should().HaveCount(2);
        status.LeasesTruncated.Should().BeTrue();
        status.Leases[0].Should().BeEquivalentTo(new { LeaseId = first.LeaseId, OwnerId = "arn:exec:a", ResourceId = "glue-job", Renewals = 2, AboveLimit = false });
        status.Leases[1].OwnerId.Should().Be("arn:exec:b");
        status.Leases[0].AcquiredAtMs.Should().BeLessThan(status.Leases[1].AcquiredAtMs!.Value);
        status.Should().BeEquivalentTo(new { ConfiguredLimit = 5, StoredLimit = (int?)null, Limit = 5, WaitingCount = 0, OldestWaitMs = (long?)null });
        status.Waiters.Should().BeEmpty();
        (await pool.GetStatusAsync(maxEntries: 0)).Leases.Should().BeEmpty();
    }

    [Fact]
    public async Task Status_lists_waiters_in_serving_order_and_the_oldest_wait_over_the_whole_queue()
    {
        var pool = Table.HandOffPool(1, new RecordingNotifier());
        await pool.AcquireAsync(new AcquireRequest("arn:exec:holder", "db", Attempt: 0));
        await pool.WaitAsync(new WaitRequest("t-1", "arn:exec:early", "db", RequestedAtMs: WallNowMs() - 60_000));
        await pool.WaitAsync(new WaitRequest("t-2", "arn:exec:urgent", "db", Priority: 5));
        await pool.WaitAsync(new WaitRequest("t-3", "arn:exec:late", "db"));

        var status = await pool.GetStatusAsync(maxEntries: 2);

        status.WaitingCount.Should().Be(3);
        status.WaitersTruncated.Should().BeTrue();
        status.Waiters.Select(w => (w.Position, w.OwnerId, w.Priority)).Should().Equal((1, "arn:exec:urgent", 5), (2, "arn:exec:early", 0));
        status.OldestWaitMs.Should().BeInRange(60_000, 120_000, "the early waiter asked a minute ago, and it is counted although a higher priority is served first");
        status.HeldCount.Should().Be(1);
    }

    [Fact]
    public async Task A_forced_release_is_fenced_like_any_release_and_by_owner_frees_only_that_owners_leases()
    {
        var pool = Table.Pool(5);
        var a = (await pool.AcquireAsync(new AcquireRequest("arn:exec:stuck", "db", Attempt: 0))).Lease!;
        var b = (await pool.AcquireAsync(new AcquireRequest("arn:exec:stuck", "queue", Attempt: 0))).Lease!;
        var other = (await pool.AcquireAsync(new AcquireRequest("arn:exec:fine", "db", Attempt: 0))).Lease!;

        (await pool.ForceReleaseAsync(a.LeaseId)).ReleasedLeaseIds.Should().Equal(a.LeaseId);
        (await pool.ForceReleaseAsync(a.LeaseId)).ReleasedLeaseIds.Should().BeEmpty("a lease already gone is left alone");
        (await pool.ForceReleaseOwnerAsync("arn:exec:stuck", "db")).ReleasedLeaseIds.Should().BeEmpty();
        (await pool.ForceReleaseOwnerAsync("arn:exec:stuck")).ReleasedLeaseIds.Should().Equal(b.LeaseId);

        var status = await pool.GetStatusAsync();
        status.Leases.Select(l => l.LeaseId).Should().Equal(other.LeaseId);
    }

    [Fact]
    public async Task A_forced_release_with_waiters_queued_hands_the_slot_to_the_head()
    {
        var notifier = new RecordingNotifier();
        var pool = Table.HandOffPool(1, notifier);
        var stuck = (await pool.AcquireAsync(new AcquireRequest("arn:exec:stuck", "db", Attempt: 0))).Lease!;
        await pool.WaitAsync(new WaitRequest("t-next", "arn:exec:next", "db"));

        (await pool.ForceReleaseOwnerAsync("arn:exec:stuck")).ReleasedLeaseIds.Should().Equal(stuck.LeaseId);

        notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be("arn:exec:next");
        (await pool.GetStatusAsync()).Should().BeEquivalentTo(new { HeldCount = 1, WaitingCount = 0 });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(6)]
    public async Task A_limit_outside_one_to_the_configured_limit_is_refused_and_writes_nothing(int limit)
    {
        var pool = Table.Pool(5);
        await pool.AcquireAsync(new AcquireRequest("arn:exec:a", "db", Attempt: 0));
        var before = await Table.ItemsAsync();

        var act = () => pool.SetLimitAsync(limit);

        (await act.Should().ThrowAsync<InvalidRequestException>()).Which.Message.Should().Contain("between 1 and 5");
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Bad_status_and_release_requests_are_refused_and_write_nothing()
    {
        var pool = Table.Pool(2);
        await pool.AcquireAsync(new AcquireRequest("arn:exec:a", "db", Attempt: 0));
        var before = await Table.ItemsAsync();

        await FluentActions.Awaiting(() => pool.GetStatusAsync(-1)).Should().ThrowAsync<InvalidRequestException>();
        await FluentActions.Awaiting(() => pool.GetStatusAsync(LeasePool.MaxStatusEntries + 1)).Should().ThrowAsync<InvalidRequestException>();
        await FluentActions.Awaiting(() => pool.ForceReleaseAsync("not-a-lease")).Should().ThrowAsync<InvalidRequestException>();
        await FluentActions.Awaiting(() => pool.ForceReleaseOwnerAsync("")).Should().ThrowAsync<InvalidRequestException>();
        await FluentActions.Awaiting(() => pool.ForceReleaseOwnerAsync(new string('x', 5000))).Should().ThrowAsync<InvalidRequestException>();
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }
}
