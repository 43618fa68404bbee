using System.Globalization;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// What only the library's own API shows, beyond the semantics suite every entry point passes
/// (<see cref="Semantics.LeaseSemanticsSuite"/>): the outcome's flags, exact millisecond expiries,
/// request counts, table layout options and how DynamoDB faults are typed.
/// </summary>
public sealed class LeasePoolDetailTests : LeaseTableTest
{
    [Fact]
    public async Task A_repeated_or_retried_acquire_is_flagged_as_reused()
    {
        var pool = Table.Pool(5);

        var first = await pool.AcquireAsync(new AcquireRequest("arn:exec:1", "db", Attempt: 0));
        var again = await pool.AcquireAsync(new AcquireRequest("arn:exec:1", "db"));
        var retry = await Table.Pool(5).AcquireAsync(new AcquireRequest("arn:exec:1", "db", Attempt: 1));

        first.Reused.Should().BeFalse();
        again.Reused.Should().BeTrue();
        retry.Reused.Should().BeTrue();
        retry.Lease.Should().Be(first.Lease);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_at_its_exact_expiry_and_flagged()
    {
        var clock = new ManualClock();
        var pool = Table.Pool(1, clock: clock);
        var old = await pool.AcquireAsync(new AcquireRequest("exec-old", "r", LeaseDurationSeconds: 30));

        clock.Advance(TimeSpan.FromSeconds(29.9));
        (await pool.AcquireAsync(new AcquireRequest("exec-new", "r"))).Status.Should().Be(AcquireStatus.Wait);
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var taken = await pool.AcquireAsync(new AcquireRequest("exec-new", "r"));

        taken.Status.Should().Be(AcquireStatus.Acquired);
        taken.ReclaimedExpired.Should().BeTrue();
        taken.Lease!.Slot.Should().Be(old.Lease!.Slot);
        var slotItem = (await Table.ItemsAsync()).Single(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal));
        long.Parse(slotItem["ttl"].N, CultureInfo.InvariantCulture).Should().Be((taken.Lease.ExpiresAtMs + 999) / 1000, "TTL rounds up, so DynamoDB never deletes a live lease");
    }

    [Fact]
    public async Task Renew_extends_by_exactly_the_requested_duration_from_now()
    {
        var clock = new ManualClock();
        var pool = Table.Pool(1, clock: clock);
        var lease = await pool.AcquireAsync(new AcquireRequest("exec-long", "r", LeaseDurationSeconds: 10));

        clock.Advance(TimeSpan.FromSeconds(8));
        var renewed = await pool.RenewAsync(lease.Lease!.LeaseId, 10);

        renewed.ExpiresAtMs.Should().Be(lease.Lease.ExpiresAtMs + 8000);
    }

    [Fact]
    public async Task LeaseUnavailable_carries_the_count_that_filled_the_pool()
    {
        var pool = Table.Pool(1);
        await pool.AcquireAsync(new AcquireRequest("exec-1", "r"));

        var act = () => pool.AcquireAsync(new AcquireRequest("exec-2", "r", FailIfUnavailable: true));

        var error = (await act.Should().ThrowAsync<LeaseUnavailableException>()).Which;
        error.CurrentRunning.Should().Be(1);
        error.MaxConcurrentLeases.Should().Be(1);
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
        // Time stands still: however slow the machine, no read grows older than the pool trusts it for.
        var clock = new ManualClock();
        var counter = new CountingHttpClientFactory();
        var pool = Table.Pool(10, clock: clock, counter: counter);
        var neighbour = Table.Pool(10, clock: clock);
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
        var pool = Table.Pool(10, counter: counter);

        var lease = await pool.AcquireAsync(new AcquireRequest("exec", "r"));
        var release = await pool.ReleaseAsync(lease.Lease!.LeaseId);

        release.Released.Should().BeTrue();

        // The release of a looked-up lease reads the pool once more: it also frees a late first
        // attempt of the same owner (issue 12 item 5). First attempts keep their one-write release.
        counter.Snapshot().Should().BeEquivalentTo(new Dictionary<string, int> { ["Query"] = 2, ["TransactWriteItems"] = 2 });
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task An_unreachable_DynamoDB_is_a_transient_failure()
    {
        var port = DynamoDbPeer.FreeLoopbackPort();
        using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(
            new Amazon.Runtime.BasicAWSCredentials("local", "local"),
            new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(2) });
        var pool = new LeasePool(client, Table.Options(1));

        var act = () => pool.AcquireAsync(new AcquireRequest("exec", "r"));

        (await act.Should().ThrowAsync<TransientFailureException>()).Which.ErrorType.Should().Be("LeaseManager.TransientFailure");
    }

    [Fact]
    public async Task A_missingTable_is_a_configuration_error()
    {
        var pool = new LeasePool(Table.Client, Table.Options(1) with { TableName = "no-such-table" });

        var act = () => pool.AcquireAsync(new AcquireRequest("exec", "r"));

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.ErrorType.Should().Be("LeaseManager.ConfigurationError");
    }
}
