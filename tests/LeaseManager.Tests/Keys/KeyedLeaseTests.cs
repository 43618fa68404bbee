namespace LeaseManager.Tests.Keys;

/// <summary>
/// The guarantees of the pool, with keys: one round trip with room, idempotent acquire, fenced release,
/// expiry, renewal, reclaim, a key limit lowered and raised at run time, and bad keys refused with
/// nothing written.
/// </summary>
public sealed class KeyedLeaseTests : LeaseTableTest
{
    private LeasePool KeyedPool(int limit = 10, int perKey = 2, TimeProvider? clock = null, CountingHttpClientFactory? counter = null, IReadOnlyDictionary<string, int>? overrides = null) =>
        new(counter is null ? Table.Client : Table.Peer.CreateClient(counter), Table.Options(limit, maxDurationSeconds: 60) with { MaxConcurrentLeasesPerKey = perKey, KeyLimits = overrides }, clock);

    private static AcquireRequest Keyed(string owner, string key, int? attempt = 0) => new(owner, "r", ConcurrencyKey: key, Attempt: attempt);

    [Fact]
    public async Task A_keyed_acquire_with_room_costs_one_round_trip_and_so_does_its_release()
    {
        var counter = new CountingHttpClientFactory();
        var pool = KeyedPool(counter: counter);
        await pool.ReleaseAsync((await pool.AcquireAsync(Keyed("warm-up", "k0"))).Lease!.LeaseId);
        counter.Reset();
        for (var i = 0; i < 10; i++)
        {
            var lease = (await pool.AcquireAsync(Keyed($"exec-{i}", $"k{i % 3}"))).Lease!;
            (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeTrue();
        }

        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["TransactWriteItems"] = 20 });
    }

    [Fact]
    public async Task A_full_key_answers_wait_on_the_key_while_other_keys_and_the_pool_have_room()
    {
        var pool = KeyedPool();
        (await pool.AcquireAsync(Keyed("a1", "tenant-a"))).Status.Should().Be(AcquireStatus.Acquired);
        (await pool.AcquireAsync(Keyed("a2", "tenant-a"))).Status.Should().Be(AcquireStatus.Acquired);

        var third = await pool.AcquireAsync(Keyed("a3", "tenant-a"));
        third.Should().BeEquivalentTo(new { Status = AcquireStatus.Wait, Lease = (Lease?)null, CurrentRunning = 2, MaxConcurrentLeases = 2, LimitedBy = LeaseLimit.Key });
        (await pool.AcquireAsync(Keyed("b1", "tenant-b"))).Status.Should().Be(AcquireStatus.Acquired);
        (await pool.AcquireAsync(new AcquireRequest("unkeyed", Attempt: 0))).Status.Should().Be(AcquireStatus.Acquired);

        var failing = () => pool.AcquireAsync(Keyed("a4", "tenant-a") with { FailIfUnavailable = true });
        (await failing.Should().ThrowAsync<LeaseUnavailableException>()).Which.Message.Should().Contain("tenant-a");
    }

    [Fact]
    public async Task The_pool_limit_binds_keyed_leases_too()
    {
        var pool = KeyedPool(limit: 3, perKey: 3);
        for (var i = 0; i < 3; i++)
        {
            (await pool.AcquireAsync(Keyed($"x{i}", $"key-{i}"))).Status.Should().Be(AcquireStatus.Acquired);
        }

        (await pool.AcquireAsync(Keyed("x3", "key-3"))).LimitedBy.Should().Be(LeaseLimit.Pool);
    }

    [Fact]
    public async Task Acquire_stays_idempotent_per_owner_with_a_key()
    {
        var pool = KeyedPool(perKey: 1);
        var first = (await pool.AcquireAsync(Keyed("exec", "k", attempt: null))).Lease!;
        var again = await pool.AcquireAsync(Keyed("exec", "k", attempt: 1));
        again.Should().BeEquivalentTo(new { Status = AcquireStatus.Acquired, Reused = true });
        again.Lease!.LeaseId.Should().Be(first.LeaseId);
        (await pool.GetKeyStatusAsync("k")).Held.Should().Be(1);
    }

    [Fact]
    public async Task Release_is_fenced_and_frees_the_key_at_once()
    {
        var pool = KeyedPool(perKey: 1);
        var lease = (await pool.AcquireAsync(Keyed("one", "k"))).Lease!;
        (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeTrue();
        (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeFalse();
        var next = (await pool.AcquireAsync(Keyed("two", "k"))).Lease!;
        (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeFalse("a stale id never frees the next holder");
        (await pool.GetKeyStatusAsync("k")).Held.Should().Be(1);
        (await pool.ReleaseAsync(next.LeaseId)).Released.Should().BeTrue();
    }

    [Fact]
    public async Task An_expired_keyed_lease_stops_counting_against_its_key_and_renewal_keeps_one_counting()
    {
        var clock = new ManualClock();
        var pool = KeyedPool(perKey: 2, clock: clock);
        var lapsing = (await pool.AcquireAsync(Keyed("lapses", "k") with { LeaseDurationSeconds = 10 })).Lease!;
        var renewed = (await pool.AcquireAsync(Keyed("renews", "k") with { LeaseDurationSeconds = 10 })).Lease!;
        clock.Advance(TimeSpan.FromSeconds(8));
        await pool.RenewAsync(renewed.LeaseId, 10);
        clock.Advance(TimeSpan.FromSeconds(3));

        // "lapses" has expired, "renews" has not: one place in the key, and only one.
        var taken = await pool.AcquireAsync(Keyed("newcomer", "k"));
        taken.Status.Should().Be(AcquireStatus.Acquired, "an expired lease's place in its key is taken back");
        (await pool.AcquireAsync(Keyed("late", "k"))).LimitedBy.Should().Be(LeaseLimit.Key);
        var renewLapsed = () => pool.RenewAsync(lapsing.LeaseId);
        await renewLapsed.Should().ThrowAsync<LeaseLostException>();
    }

    [Fact]
    public async Task A_reclaim_frees_the_keys_of_the_ended_execution()
    {
        var pool = KeyedPool(perKey: 1);
        await pool.AcquireAsync(Keyed("arn:exec:ended", "k1"));
        await pool.AcquireAsync(new AcquireRequest("arn:exec:ended", "other", ConcurrencyKey: "k2", Attempt: 0));
        (await pool.ReclaimAsync("arn:exec:ended")).ReleasedLeaseIds.Should().HaveCount(2);
        (await pool.AcquireAsync(Keyed("next-1", "k1"))).Status.Should().Be(AcquireStatus.Acquired);
        (await pool.AcquireAsync(Keyed("next-2", "k2"))).Status.Should().Be(AcquireStatus.Acquired);
    }

    [Fact]
    public async Task A_key_limit_lowered_at_run_time_admits_nobody_until_the_key_is_below_it_and_raising_admits_at_once()
    {
        var pool = KeyedPool(perKey: 3);
        var held = new List<Lease>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await pool.AcquireAsync(Keyed($"h{i}", "k"))).Lease!);
        }

        var lowered = await pool.SetKeyLimitAsync("k", 1);
        lowered.Should().BeEquivalentTo(new KeyStatus("k", 3, 1, 1, 3));
        await pool.ReleaseAsync(held[0].LeaseId);
        await pool.ReleaseAsync(held[1].LeaseId);
        (await pool.AcquireAsync(Keyed("n1", "k"))).Should().BeEquivalentTo(new { Status = AcquireStatus.Wait, CurrentRunning = 1, MaxConcurrentLeases = 1 });
        await pool.ReleaseAsync(held[2].LeaseId);
        var one = (await pool.AcquireAsync(Keyed("n2", "k"))).Lease!;
        (await pool.AcquireAsync(Keyed("n3", "k"))).LimitedBy.Should().Be(LeaseLimit.Key);

        // Another instance, configured with the old limit, is bound by the stored one too.
        (await KeyedPool(perKey: 3).AcquireAsync(Keyed("n4", "k"))).LimitedBy.Should().Be(LeaseLimit.Key);

        (await pool.SetKeyLimitAsync("k", 4)).Limit.Should().Be(4, "a stored limit may raise a key above its configured one");
        for (var i = 0; i < 3; i++)
        {
            (await pool.AcquireAsync(Keyed($"r{i}", "k"))).Status.Should().Be(AcquireStatus.Acquired);
        }

        (await pool.SetKeyLimitAsync("k", null)).Should().BeEquivalentTo(new KeyStatus("k", 4, 3, null, 3));
        (await pool.AcquireAsync(Keyed("r4", "k"))).LimitedBy.Should().Be(LeaseLimit.Key);
        await pool.ReleaseAsync(one.LeaseId);
    }

    [Fact]
    public async Task A_stored_key_limit_survives_the_key_item_s_ttl_and_a_plain_key_item_expires_after_its_leases()
    {
        var pool = KeyedPool(perKey: 2);
        await pool.SetKeyLimitAsync("pinned", 1);
        await pool.AcquireAsync(Keyed("p", "pinned"));
        await pool.AcquireAsync(Keyed("q", "plain"));
        var items = await Table.ItemsAsync();
        var pinned = items.Single(i => i.TryGetValue("concurrency_key", out var k) && k.S == "pinned" && i["SK"].S.StartsWith("key#", StringComparison.Ordinal));
        var plain = items.Single(i => i.TryGetValue("concurrency_key", out var k) && k.S == "plain" && i["SK"].S.StartsWith("key#", StringComparison.Ordinal));
        pinned["ttl"].N.Should().BeNull("a string TTL attribute is one DynamoDB TTL skips");
        long.Parse(plain["ttl"].N, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan((WallNowMs() / 1000) + 60, "the key item outlives its longest lease");
    }

    [Theory]
    [InlineData("")]
    [InlineData("257")]
    public async Task A_bad_key_is_refused_and_nothing_is_written(string key)
    {
        var pool = KeyedPool();
        var text = key == "257" ? new string('k', 257) : key;
        var acquire = () => pool.AcquireAsync(Keyed("exec", text));
        (await acquire.Should().ThrowAsync<InvalidRequestException>()).Which.Message.Should().Contain("concurrency_key");
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_key_on_a_pool_without_per_key_limits_is_refused_and_a_key_of_256_bytes_is_taken()
    {
        var unkeyed = Table.Pool(5);
        var acquire = () => unkeyed.AcquireAsync(Keyed("exec", "k"));
        await acquire.Should().ThrowAsync<InvalidRequestException>();
        (await Table.ItemsAsync()).Should().BeEmpty();
        var longest = new string('é', 128);
        (await KeyedPool().AcquireAsync(Keyed("exec", longest))).Status.Should().Be(AcquireStatus.Acquired);
        var tooLong = () => KeyedPool().AcquireAsync(Keyed("exec", longest + "x"));
        await tooLong.Should().ThrowAsync<InvalidRequestException>();
    }

    [Fact]
    public async Task A_wait_under_a_key_is_refused_by_a_pool_without_per_key_limits_and_writes_nothing()
    {
        var options = Table.Options(2) with { HandOffToWaiters = true };
        var pool = new LeasePool(Table.Client, options, notifier: new Leasing.RecordingNotifier());
        var wait = () => pool.WaitAsync(new WaitRequest("token", "exec", ConcurrencyKey: "k"));
        await wait.Should().ThrowAsync<InvalidRequestException>();
        (await Table.ItemsAsync()).Should().BeEmpty();
    }
}
