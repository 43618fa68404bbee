namespace LeaseManager.Tests.Leasing;

/// <summary>The lock-style surface: handles that release on dispose, waiting with a timeout, renewal and loss.</summary>
public sealed class LeaseHandleTests : LeaseTableTest
{
    [Fact]
    public async Task A_handle_with_room_costs_one_write_to_take_and_one_to_give_back()
    {
        var counter = new CountingHttpClientFactory();
        var pool = Table.Pool(10, counter: counter);

        // An instance's first acquire reads the pool once; from then on each lease is one round trip.
        await using (await pool.AcquireAsync("warm-up"))
        {
        }

        counter.Reset();
        for (var i = 0; i < 10; i++)
        {
            await using var handle = await pool.AcquireAsync($"job-{i}");
            handle.LeaseId.Should().NotBeNullOrEmpty();
        }

        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["PutItem"] = 10, ["DeleteItem"] = 10 });
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Try_acquire_on_a_full_pool_gives_up_after_the_timeout_and_writes_nothing()
    {
        var pool = Table.Pool(1);
        await using var held = await pool.AcquireAsync("holder");
        var before = await Table.ItemsAsync();

        var started = DateTimeOffset.UtcNow;
        var none = await pool.TryAcquireAsync("late", TimeSpan.FromMilliseconds(400));

        none.Should().BeNull();
        (DateTimeOffset.UtcNow - started).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(380));
        (await Table.ItemsAsync()).Should().HaveCount(before.Count);
        var act = () => pool.AcquireAsync("late", TimeSpan.Zero);
        await act.Should().ThrowAsync<LeaseUnavailableException>();
    }

    [Fact]
    public async Task A_waiter_gets_the_lease_once_the_holder_disposes_its_handle()
    {
        var pool = Table.Pool(1);
        var held = await pool.AcquireAsync("holder");

        var waiting = pool.TryAcquireAsync("next", TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        waiting.IsCompleted.Should().BeFalse();
        await held.DisposeAsync();

        await using var next = await waiting;
        next.Should().NotBeNull();
        next!.LeaseId.Should().NotBe(held.LeaseId);
    }

    [Fact]
    public async Task Many_concurrent_lock_users_never_exceed_the_limit()
    {
        const int limit = 3;
        var pool = Table.Pool(limit);
        var intervals = new HoldingIntervals();
        var held = new HeldCount();

        await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            var handle = await pool.AcquireAsync($"job-{i}", TimeSpan.FromSeconds(60));
            var granted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            held.Enter();

            // Held until the pool has been full once (5 s at most), then 20 ms: on a loaded machine a
            // 20 ms holder could release before the next grant, and the overlap would prove nothing.
            await held.PeakReachedAsync(limit, TimeSpan.FromSeconds(5));
            await Task.Delay(20);

            // Held from the grant until the release is sent: what a worker holding it experienced.
            intervals.Add(granted, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            held.Leave();
            await handle.DisposeAsync();
        }));

        intervals.Count.Should().Be(32);
        intervals.MaxOverlap().Should().Be(limit, "the pool was filled and never exceeded");
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Keep_renewed_holds_the_lease_past_its_first_expiry()
    {
        var pool = Table.Pool(1, maxDurationSeconds: 1);
        await using var handle = await pool.AcquireAsync("long-work");
        var firstExpiry = handle.ExpiresAt;

        handle.KeepRenewed(TimeSpan.FromMilliseconds(250));
        await Task.Delay(1600);

        handle.ExpiresAt.Should().BeAfter(firstExpiry);
        handle.LeaseLost.IsCancellationRequested.Should().BeFalse();
        (await pool.TryAcquireAsync("other")).Should().BeNull();
    }

    [Fact]
    public async Task A_lease_released_behind_the_handles_back_fires_lease_lost_and_dispose_leaves_the_new_holder_alone()
    {
        var pool = Table.Pool(1);
        var handle = await pool.AcquireAsync("work");
        (await pool.ReleaseAsync(handle.LeaseId)).Released.Should().BeTrue();
        await using var newcomer = await pool.AcquireAsync("newcomer");

        var act = () => handle.RenewAsync();

        await act.Should().ThrowAsync<LeaseLostException>();
        handle.LeaseLost.IsCancellationRequested.Should().BeTrue();
        await handle.DisposeAsync();
        (await Table.LiveSlotCountAsync("", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).Should().Be(1);
    }
}
