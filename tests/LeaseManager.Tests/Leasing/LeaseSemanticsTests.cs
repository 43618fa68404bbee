using System.Globalization;
using LeaseManager.Leasing;
using LocalPeers;
using LeaseManager.Tests.Peers;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// The guarantees of DESIGN §3 (G1–G4, G6), proved against a real DynamoDB: whichever peer
/// <see cref="DynamoDbPeer"/> finds (DynamoDB Local here). Every assertion about state reads the table.
/// </summary>
public sealed class LeaseSemanticsTests : IAsyncLifetime
{
    private LeaseTable _table = null!;

    public async Task InitializeAsync() => _table = await LeaseTable.CreateAsync();

    public async Task DisposeAsync() => await _table.DisposeAsync();

    [Fact]
    public async Task Grants_up_to_the_limit_then_answers_wait()
    {
        var pool = _table.Pool(3);

        var granted = new List<AcquireOutcome>();
        for (var i = 0; i < 3; i++)
        {
            granted.Add(await pool.AcquireAsync(new AcquireRequest()));
        }

        var fourth = await pool.AcquireAsync(new AcquireRequest());

        granted.Should().OnlyContain(o => o.Status == AcquireStatus.Acquired && o.Lease != null);
        granted.Select(o => o.Lease!.Slot).Should().OnlyHaveUniqueItems().And.OnlyContain(s => s >= 0 && s < 3);
        fourth.Status.Should().Be(AcquireStatus.Wait);
        fourth.Lease.Should().BeNull();
        fourth.CurrentRunning.Should().Be(3);
        fourth.MaxConcurrentLeases.Should().Be(3);
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(3);
    }

    [Fact]
    public async Task Saturated_pool_with_fail_if_unavailable_raises_LeaseUnavailable_and_writes_nothing()
    {
        var pool = _table.Pool(1);
        await pool.AcquireAsync(new AcquireRequest("exec-1", "r"));
        var before = await _table.ItemsAsync();

        var act = () => pool.AcquireAsync(new AcquireRequest("exec-2", "r", FailIfUnavailable: true));

        var error = (await act.Should().ThrowAsync<LeaseUnavailableException>()).Which;
        error.ErrorType.Should().Be("LeaseManager.LeaseUnavailable");
        error.CurrentRunning.Should().Be(1);
        (await _table.ItemsAsync()).Should().HaveCount(before.Count);
    }

    [Fact]
    public async Task Repeated_acquire_by_the_same_owner_returns_the_same_lease()
    {
        var pool = _table.Pool(5);

        var first = await pool.AcquireAsync(new AcquireRequest("arn:exec:1", "db"));
        var again = await pool.AcquireAsync(new AcquireRequest("arn:exec:1", "db"));
        var otherResource = await pool.AcquireAsync(new AcquireRequest("arn:exec:1", "gpu"));

        again.Lease!.LeaseId.Should().Be(first.Lease!.LeaseId);
        again.Lease.ExpiresAtMs.Should().Be(first.Lease.ExpiresAtMs);
        again.Reused.Should().BeTrue();
        otherResource.Lease!.LeaseId.Should().NotBe(first.Lease.LeaseId);
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(2);
    }

    [Fact]
    public async Task Repeated_acquire_returns_the_held_lease_even_when_the_pool_is_full()
    {
        var pool = _table.Pool(2);
        var mine = await pool.AcquireAsync(new AcquireRequest("arn:exec:mine", "r"));
        await pool.AcquireAsync(new AcquireRequest("arn:exec:other", "r"));

        var again = await _table.Pool(2).AcquireAsync(new AcquireRequest("arn:exec:mine", "r"));

        again.Status.Should().Be(AcquireStatus.Acquired);
        again.Lease!.LeaseId.Should().Be(mine.Lease!.LeaseId);
    }

    [Fact]
    public async Task Concurrent_duplicate_acquires_of_one_owner_hold_exactly_one_slot()
    {
        // Twenty retries of one execution racing each other, from separate instances (separate Lambdas).
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => _table.Pool(10).AcquireAsync(new AcquireRequest("arn:exec:retry", "r")))));

        outcomes.Should().OnlyContain(o => o.Status == AcquireStatus.Acquired);
        outcomes.Select(o => o.Lease!.LeaseId).Distinct().Should().ContainSingle();
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(1);
    }

    [Fact]
    public async Task Release_frees_exactly_that_lease_and_a_second_release_changes_nothing()
    {
        var pool = _table.Pool(2);
        var a = await pool.AcquireAsync(new AcquireRequest("exec-a", "r"));
        var b = await pool.AcquireAsync(new AcquireRequest("exec-b", "r"));
        (await pool.AcquireAsync(new AcquireRequest("exec-c", "r"))).Status.Should().Be(AcquireStatus.Wait);

        var first = await pool.ReleaseAsync(a.Lease!.LeaseId);
        var second = await pool.ReleaseAsync(a.Lease.LeaseId);
        var c = await pool.AcquireAsync(new AcquireRequest("exec-c", "r"));

        first.Released.Should().BeTrue();
        second.Released.Should().BeFalse();
        c.Status.Should().Be(AcquireStatus.Acquired);
        var items = await _table.ItemsAsync();
        items.Select(i => i["lease_id"].S).Should().BeEquivalentTo(
            [b.Lease!.LeaseId, b.Lease.LeaseId, c.Lease!.LeaseId, c.Lease.LeaseId],
            "each live owned lease is one slot item plus one owner item, and a's are gone");
    }

    [Fact]
    public async Task Anonymous_leases_release_in_one_write_too()
    {
        var pool = _table.Pool(1);
        var lease = await pool.AcquireAsync(new AcquireRequest());

        (await pool.ReleaseAsync(lease.Lease!.LeaseId)).Released.Should().BeTrue();
        (await pool.ReleaseAsync(lease.Lease.LeaseId)).Released.Should().BeFalse();
        (await _table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task An_expired_lease_stops_counting_at_once_without_waiting_for_TTL()
    {
        var clock = new ManualClock();
        var pool = _table.Pool(1, clock: clock);
        var old = await pool.AcquireAsync(new AcquireRequest("exec-old", "r", LeaseDurationSeconds: 30));
        (await pool.AcquireAsync(new AcquireRequest("exec-new", "r"))).Status.Should().Be(AcquireStatus.Wait);

        clock.Advance(TimeSpan.FromSeconds(29.9));
        (await pool.AcquireAsync(new AcquireRequest("exec-new", "r"))).Status.Should().Be(AcquireStatus.Wait);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var taken = await pool.AcquireAsync(new AcquireRequest("exec-new", "r"));

        taken.Status.Should().Be(AcquireStatus.Acquired);
        taken.ReclaimedExpired.Should().BeTrue();
        taken.Lease!.Slot.Should().Be(old.Lease!.Slot);
        var slotItem = (await _table.ItemsAsync()).Single(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal));
        slotItem["lease_id"].S.Should().Be(taken.Lease.LeaseId);
        long.Parse(slotItem["ttl"].N, CultureInfo.InvariantCulture).Should().Be((taken.Lease.ExpiresAtMs + 999) / 1000, "the TTL attribute is still written for cleanup");
    }

    [Fact]
    public async Task Releasing_an_expired_lease_whose_slot_was_re_granted_changes_nothing()
    {
        var clock = new ManualClock();
        var pool = _table.Pool(1, clock: clock);
        var old = await pool.AcquireAsync(new AcquireRequest("exec-old", "r", LeaseDurationSeconds: 5));
        clock.Advance(TimeSpan.FromSeconds(6));
        var current = await pool.AcquireAsync(new AcquireRequest("exec-new", "r"));

        var stale = await pool.ReleaseAsync(old.Lease!.LeaseId);

        stale.Released.Should().BeFalse();
        (await pool.AcquireAsync(new AcquireRequest("exec-third", "r"))).Status.Should().Be(AcquireStatus.Wait, "the new holder still counts");
        (await _table.ItemsAsync()).Where(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal))
            .Should().ContainSingle().Which["lease_id"].S.Should().Be(current.Lease!.LeaseId);
    }

    [Fact]
    public async Task An_owner_whose_lease_expired_gets_a_new_lease_and_the_old_id_is_fenced()
    {
        var clock = new ManualClock();
        var pool = _table.Pool(3, clock: clock);
        var old = await pool.AcquireAsync(new AcquireRequest("exec-1", "r", LeaseDurationSeconds: 5));
        clock.Advance(TimeSpan.FromSeconds(6));

        var fresh = await pool.AcquireAsync(new AcquireRequest("exec-1", "r"));
        var staleRelease = await pool.ReleaseAsync(old.Lease!.LeaseId);

        fresh.Lease!.LeaseId.Should().NotBe(old.Lease.LeaseId);
        staleRelease.Released.Should().Be(fresh.Lease.Slot != old.Lease.Slot, "an old id only clears its own, already expired, record");
        (await _table.LiveSlotCountAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Should().Be(1);
        (await pool.ReleaseAsync(fresh.Lease.LeaseId)).Released.Should().BeTrue();
        (await _table.LiveSlotCountAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Should().Be(0);
    }

    [Fact]
    public async Task Renew_keeps_a_holder_alive_past_its_original_expiry()
    {
        var clock = new ManualClock();
        var pool = _table.Pool(1, clock: clock);
        var lease = await pool.AcquireAsync(new AcquireRequest("exec-long", "r", LeaseDurationSeconds: 10));

        clock.Advance(TimeSpan.FromSeconds(8));
        var renewed = await pool.RenewAsync(lease.Lease!.LeaseId, 10);
        clock.Advance(TimeSpan.FromSeconds(8));

        renewed.ExpiresAtMs.Should().Be(lease.Lease.ExpiresAtMs + 8000);
        (await pool.AcquireAsync(new AcquireRequest("exec-other", "r"))).Status.Should().Be(AcquireStatus.Wait);
        (await pool.AcquireAsync(new AcquireRequest("exec-long", "r"))).Lease!.LeaseId.Should().Be(lease.Lease.LeaseId,
            "the owner index was renewed with the slot");
    }

    [Fact]
    public async Task Renewing_an_expired_or_released_lease_raises_LeaseLost()
    {
        var clock = new ManualClock();
        var pool = _table.Pool(2, clock: clock);
        var expiring = await pool.AcquireAsync(new AcquireRequest("exec-1", "r", LeaseDurationSeconds: 5));
        var released = await pool.AcquireAsync(new AcquireRequest());
        await pool.ReleaseAsync(released.Lease!.LeaseId);
        clock.Advance(TimeSpan.FromSeconds(5));

        var renewExpired = () => pool.RenewAsync(expiring.Lease!.LeaseId);
        var renewReleased = () => pool.RenewAsync(released.Lease.LeaseId);

        (await renewExpired.Should().ThrowAsync<LeaseLostException>()).Which.ErrorType.Should().Be("LeaseManager.LeaseLost");
        await renewReleased.Should().ThrowAsync<LeaseLostException>();
    }

    [Fact]
    public async Task Lowering_the_limit_never_admits_more_than_the_new_limit()
    {
        var wide = _table.Pool(5);
        var held = new List<Lease>();
        for (var i = 0; i < 5; i++)
        {
            held.Add((await wide.AcquireAsync(new AcquireRequest($"old-{i}", "r"))).Lease!);
        }

        var narrow = _table.Pool(3);
        (await narrow.AcquireAsync(new AcquireRequest("new-0", "r"))).Status.Should().Be(AcquireStatus.Wait);

        // Free the three lowest slots: the two survivors sit in slots the new limit no longer uses.
        foreach (var lease in held.OrderBy(l => l.Slot).Take(3))
        {
            await wide.ReleaseAsync(lease.LeaseId);
        }

        var admitted = new List<AcquireOutcome>();
        for (var i = 0; i < 4; i++)
        {
            admitted.Add(await narrow.AcquireAsync(new AcquireRequest($"new-{i}", "r")));
        }

        admitted.Count(o => o.Status == AcquireStatus.Acquired).Should().Be(1, "two old holders plus one new make the new limit of three");
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(3);

        foreach (var lease in held.OrderBy(l => l.Slot).Skip(3))
        {
            await wide.ReleaseAsync(lease.LeaseId);
        }

        var later = new List<AcquireOutcome>();
        for (var i = 10; i < 14; i++)
        {
            later.Add(await narrow.AcquireAsync(new AcquireRequest($"new-{i}", "r")));
        }

        later.Count(o => o.Status == AcquireStatus.Acquired).Should().Be(2);
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(3);
    }

    [Fact]
    public async Task Raising_the_limit_takes_effect_immediately()
    {
        var narrow = _table.Pool(2);
        await narrow.AcquireAsync(new AcquireRequest());
        await narrow.AcquireAsync(new AcquireRequest());
        (await narrow.AcquireAsync(new AcquireRequest())).Status.Should().Be(AcquireStatus.Wait);

        var wide = _table.Pool(4);
        var more = new[] { await wide.AcquireAsync(new AcquireRequest()), await wide.AcquireAsync(new AcquireRequest()), await wide.AcquireAsync(new AcquireRequest()) };

        more.Select(o => o.Status).Should().Equal(AcquireStatus.Acquired, AcquireStatus.Acquired, AcquireStatus.Wait);
    }

    [Fact]
    public async Task Pools_sharing_a_table_never_see_each_other()
    {
        var analytics = _table.Pool(1, prefix: "analytics");
        var batch = _table.Pool(1, prefix: "batch");

        var a = await analytics.AcquireAsync(new AcquireRequest("exec", "r"));
        var b = await batch.AcquireAsync(new AcquireRequest("exec", "r"));
        var crossRelease = await batch.ReleaseAsync(a.Lease!.LeaseId);

        a.Status.Should().Be(AcquireStatus.Acquired);
        b.Status.Should().Be(AcquireStatus.Acquired, "the same owner and resource in another pool is another lease");
        crossRelease.Released.Should().BeFalse();
        (await analytics.AcquireAsync(new AcquireRequest("exec-2", "r"))).Status.Should().Be(AcquireStatus.Wait);
        (await _table.ItemsAsync()).Select(i => i["PK"].S).Distinct().Should().BeEquivalentTo(["pool#analytics", "pool#batch"]);
    }

    [Fact]
    public async Task Custom_key_and_ttl_attribute_names_are_honoured()
    {
        await using var custom = await LeaseTable.CreateAsync("partition", "sort", "expires_epoch");
        var pool = custom.Pool(1, prefix: "p");

        var lease = await pool.AcquireAsync(new AcquireRequest("exec", "r"));

        lease.Status.Should().Be(AcquireStatus.Acquired);
        var items = await custom.ItemsAsync();
        items.Should().HaveCount(2).And.OnlyContain(i => i["partition"].S == "pool#p" && i.ContainsKey("expires_epoch"));
        (await pool.ReleaseAsync(lease.Lease!.LeaseId)).Released.Should().BeTrue();
    }

    [Fact]
    public async Task A_granted_first_attempt_with_room_costs_one_write_and_a_release_one()
    {
        var counter = new CountingHttpClientFactory();
        var pool = _table.Pool(10, counter: counter);
        var neighbour = _table.Pool(10);
        for (var i = 0; i < 5; i++)
        {
            await neighbour.AcquireAsync(new AcquireRequest($"neighbour-{i}", "r"));
        }

        // The first acquire of an instance reads the pool once; after that, with half the pool held by
        // someone else, every granted first attempt is a single conditional write.
        await pool.ReleaseAsync((await pool.AcquireAsync(new AcquireRequest("warm-up", "r", Attempt: 0))).Lease!.LeaseId);
        counter.Reset();
        for (var i = 0; i < 20; i++)
        {
            var owned = await pool.AcquireAsync(new AcquireRequest($"exec-{i}", "r", Attempt: 0));
            owned.Status.Should().Be(AcquireStatus.Acquired);
            await pool.ReleaseAsync(owned.Lease!.LeaseId);
            var anonymous = await pool.AcquireAsync(new AcquireRequest());
            await pool.ReleaseAsync(anonymous.Lease!.LeaseId);
        }

        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["PutItem"] = 40, ["DeleteItem"] = 40 });
    }

    [Fact]
    public async Task A_repeat_or_unknown_attempt_looks_the_owner_up_then_writes_slot_and_owner_index_together()
    {
        var counter = new CountingHttpClientFactory();
        var pool = _table.Pool(10, counter: counter);

        var lease = await pool.AcquireAsync(new AcquireRequest("exec", "r"));
        var release = await pool.ReleaseAsync(lease.Lease!.LeaseId);

        release.Released.Should().BeTrue();

        // The release of a looked-up lease reads the pool once more: it also frees a late first
        // attempt of the same owner (issue 12 item 5). First attempts keep their one-write release.
        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["Query"] = 2, ["TransactWriteItems"] = 2 });
        (await _table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_retry_finds_the_lease_its_first_attempt_took()
    {
        // The first attempt's answer was lost (a Lambda timeout after the write): Step Functions retries.
        var first = await _table.Pool(3).AcquireAsync(new AcquireRequest("arn:exec:lost-answer", "db", Attempt: 0));
        var retry = await _table.Pool(3).AcquireAsync(new AcquireRequest("arn:exec:lost-answer", "db", Attempt: 1));
        var laterRetry = await _table.Pool(3).AcquireAsync(new AcquireRequest("arn:exec:lost-answer", "db", Attempt: 2));

        retry.Lease!.LeaseId.Should().Be(first.Lease!.LeaseId);
        retry.Reused.Should().BeTrue();
        laterRetry.Lease!.LeaseId.Should().Be(first.Lease.LeaseId);
        (await _table.LiveSlotCountAsync("", Now())).Should().Be(1);
    }

    [Fact]
    public async Task An_unreachable_DynamoDB_is_a_transient_failure()
    {
        var port = DynamoDbPeer.FreeLoopbackPort();
        using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(
            new Amazon.Runtime.BasicAWSCredentials("local", "local"),
            new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(2) });
        var pool = new LeasePool(client, _table.Options(1));

        var act = () => pool.AcquireAsync(new AcquireRequest("exec", "r"));

        (await act.Should().ThrowAsync<TransientFailureException>()).Which.ErrorType.Should().Be("LeaseManager.TransientFailure");
    }

    [Fact]
    public async Task A_missing_table_is_a_configuration_error()
    {
        var pool = new LeasePool(_table.Client, _table.Options(1) with { TableName = "no-such-table" });

        var act = () => pool.AcquireAsync(new AcquireRequest("exec", "r"));

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.ErrorType.Should().Be("LeaseManager.ConfigurationError");
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
