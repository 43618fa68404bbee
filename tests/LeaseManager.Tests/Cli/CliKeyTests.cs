using System.Text.Json;

namespace LeaseManager.Tests.Cli;

/// <summary>lease-manager with concurrency keys: the KEY column of status, and set-limit --key, against DynamoDB Local.</summary>
public sealed class CliKeyTests : LeaseTableTest
{
    private LeasePool KeyedPool(int limit, int perKey) => new(Table.Client, Table.Options(limit) with { MaxConcurrentLeasesPerKey = perKey });

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(Table.Client, null, null, [args[0], "--table", Table.Name, .. args[1..]]);

    [Fact]
    public async Task Status_shows_each_leases_key_in_a_key_column_only_while_a_listed_lease_has_one()
    {
        var pool = KeyedPool(5, perKey: 2);
        var keyed = (await pool.AcquireAsync(new AcquireRequest("owner-keyed", "report", Attempt: 0, ConcurrencyKey: "tenant-a"))).Lease!;
        var plain = (await pool.AcquireAsync(new AcquireRequest("owner-plain", "report", Attempt: 0))).Lease!;
        var longKey = "customer-" + new string('x', 60) + "-end";
        var cut = (await pool.AcquireAsync(new AcquireRequest("owner-long", "report", Attempt: 0, ConcurrencyKey: longKey))).Lease!;

        var run = await Run("status", "--max-leases", "5");

        run.ExitCode.Should().Be(0, run.Stderr);
        var lines = run.Stdout.Split('\n');
        var header = lines.Single(l => l.Contains("LEASE ID", StringComparison.Ordinal));
        header.Should().MatchRegex(@"RESOURCE\s+KEY\s+HELD FOR");
        lines.Single(l => l.Contains(keyed.LeaseId, StringComparison.Ordinal)).Should().MatchRegex(@"\sreport\s+tenant-a\s");
        lines.Single(l => l.Contains(plain.LeaseId, StringComparison.Ordinal)).Should().MatchRegex(@"\sreport\s+-\s", "a lease without a key shows a dash");
        var longRow = lines.Single(l => l.Contains(cut.LeaseId, StringComparison.Ordinal));
        longRow.Should().Contain("customer-").And.Contain("…").And.NotContain(longKey, "a long key is cut unless --wide");
        (await Run("status", "--wide")).Stdout.Should().Contain(longKey);

        var json = await Run("status", "--json");
        using (var document = JsonDocument.Parse(json.Stdout))
        {
            var keys = document.RootElement.GetProperty("leases").EnumerateArray()
                .ToDictionary(l => l.GetProperty("lease_id").GetString()!, l => l.GetProperty("concurrency_key").GetString());
            keys.Should().Contain(keyed.LeaseId, "tenant-a").And.Contain(plain.LeaseId, null);
        }

        await pool.ReleaseAsync(keyed.LeaseId);
        await pool.ReleaseAsync(cut.LeaseId);
        var unkeyed = await Run("status");
        unkeyed.Stdout.Should().Contain(plain.LeaseId).And.NotContain(" KEY ", "no listed lease has a key");
    }

    [Fact]
    public async Task Set_limit_with_a_key_stores_the_keys_limit_as_the_admin_function_does_and_goes_back_to_the_configured_one()
    {
        var pool = KeyedPool(5, perKey: 2);
        await pool.AcquireAsync(new AcquireRequest("a", null, Attempt: 0, ConcurrencyKey: "tenant-a"));
        await pool.AcquireAsync(new AcquireRequest("b", null, Attempt: 0, ConcurrencyKey: "tenant-a"));

        var lowered = await Run("set-limit", "--max-leases", "5", "--key", "tenant-a", "--max-per-key", "2", "--limit", "1");

        lowered.ExitCode.Should().Be(0, lowered.Stderr);
        lowered.Stdout.Should().Be("pool (default), key tenant-a: limit 1 (stored 1; configured 2).\n  held now: 2 (1 above the limit: no new lease of this key until they end)\n");
        lowered.Stderr.Should().BeEmpty("a key's limit binds from the next grant: nothing to wait for");
        (await pool.GetKeyStatusAsync("tenant-a")).StoredLimit.Should().Be(1);
        (await pool.GetStatusAsync()).StoredLimit.Should().BeNull("the pool's own limit is untouched");
        var other = await pool.AcquireAsync(new AcquireRequest("c", null, Attempt: 0, ConcurrencyKey: "tenant-b"));
        other.Status.Should().Be(AcquireStatus.Acquired, "other keys keep the configured limit");

        var back = await Run("set-limit", "--max-leases", "5", "--key", "tenant-a", "--max-per-key", "2", "--default", "--requested-by", "ops@example.com", "--json");

        back.ExitCode.Should().Be(0, back.Stderr);
        using (var document = JsonDocument.Parse(back.Stdout))
        {
            var answer = document.RootElement;
            answer.GetProperty("status").GetString().Should().Be("key_limit_set");
            answer.GetProperty("concurrency_key").GetString().Should().Be("tenant-a");
            answer.GetProperty("limit").GetInt32().Should().Be(2);
            answer.GetProperty("stored_limit").ValueKind.Should().Be(JsonValueKind.Null);
            answer.GetProperty("configured_limit").GetInt32().Should().Be(2);
            answer.GetProperty("held").GetInt32().Should().Be(2);
            answer.GetProperty("requested_by").GetString().Should().Be("ops@example.com");
        }

        (await pool.GetKeyStatusAsync("tenant-a")).StoredLimit.Should().BeNull();
        var raised = await Run("set-limit", "--max-leases", "5", "--key", "tenant-a", "--max-per-key", "2", "--limit", "3", "--json");
        using (var document = JsonDocument.Parse(raised.Stdout))
        {
            document.RootElement.GetProperty("requested_by").GetString().Should().Be("lease-manager-cli", "who asks, when not said");
        }

        var third = await pool.AcquireAsync(new AcquireRequest("d", null, Attempt: 0, ConcurrencyKey: "tenant-a"));
        third.Status.Should().Be(AcquireStatus.Acquired, "a stored limit of 3 makes room for a third lease of the key");
    }

    [Fact]
    public async Task A_key_limit_above_the_pools_limit_is_refused_and_writes_nothing()
    {
        var before = await Table.ItemsAsync();

        var run = await Run("set-limit", "--max-leases", "3", "--key", "tenant-a", "--max-per-key", "2", "--limit", "4");

        run.ExitCode.Should().Be(1);
        run.Stderr.Should().StartWith("lease-manager set-limit: LeaseManager.InvalidRequest: A key's limit must be between 1 and 3").And.NotContain("   at ");
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }

    [Theory]
    [InlineData("--key tenant-a --limit 1", "--max-per-key is required with --key")]
    [InlineData("--max-per-key 2 --limit 1", "--max-per-key goes with --key")]
    [InlineData("--requested-by me --limit 1", "--requested-by goes with --key")]
    [InlineData("--key tenant-a --max-per-key 2 --limit 1 --callback", "--callback does not go with --key")]
    [InlineData("--key tenant-a --max-per-key 0 --limit 1", "--max-per-key must be a whole number from 1 to 1000")]
    [InlineData("--key tenant-a --max-per-key 2", "give exactly one of --limit, --default")]
    public async Task Key_usage_errors_exit_2_and_touch_nothing(string options, string message)
    {
        var before = await Table.ItemsAsync();

        var run = await Run(["set-limit", "--max-leases", "3", .. options.Split(' ')]);

        run.ExitCode.Should().Be(2, run.Stdout);
        run.Stderr.Should().Contain(message);
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }
}
