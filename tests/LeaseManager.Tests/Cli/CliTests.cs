using System.Text.Json;

namespace LeaseManager.Tests.Cli;

/// <summary>lease-manager status, release and set-limit against DynamoDB Local, run in process.</summary>
public sealed class CliTests : LeaseTableTest
{
    private const string Arn = "arn:aws:states:eu-central-1:123456789012:execution:shared-lease-platform-batch-workflow:";

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(Table.Client, null, null, [args[0], "--table", Table.Name, .. args[1..]]);

    [Fact]
    public async Task Status_prints_the_limits_the_live_leases_and_the_queue_as_tables()
    {
        var pool = Table.HandOffPool(2, new RecordingNotifier(), prefix: "batch");
        var first = (await pool.AcquireAsync(new AcquireRequest(Arn + "item-001", "warehouse", Attempt: 0))).Lease!;
        await pool.AcquireAsync(new AcquireRequest(Arn + "item-002", "warehouse", Attempt: 0));
        await pool.RenewAsync(first.LeaseId, 300);
        await pool.WaitAsync(new WaitRequest("t-1", Arn + "item-003", "warehouse", RequestedAtMs: WallNowMs() - 90_000));
        await pool.WaitAsync(new WaitRequest("t-2", Arn + "item-004", "warehouse", Priority: 7));

        var run = await Run("status", "--pool", "batch", "--max-leases", "2");

        run.ExitCode.Should().Be(0, run.Stderr);
        var lines = run.Stdout.Split('\n');
        run.Stdout.Should().StartWith($"pool batch in table {Table.Name} at ");
        run.Stdout.Should().Contain("limit    2 in force (configured: 2; stored: none)")
            .And.Contain("held     2 of 2").And.Contain("waiting  2, the oldest for 1m3");
        lines.Should().Contain(l => l.Contains("LEASE ID") && l.Contains("EXPIRES IN") && l.Contains("RENEWALS"));
        var row = lines.Single(l => l.Contains(first.LeaseId, StringComparison.Ordinal));
        row.Should().Contain(" item-001 ").And.Contain("warehouse").And.EndWith(" 1").And.NotContain("arn:aws", "owners show as execution names");
        var queue = lines.SkipWhile(l => !l.Contains("QUEUED")).ToList();
        queue[0].Should().Contain("OWNER").And.Contain("PRIORITY").And.Contain("WAITING FOR");
        queue[1].Should().MatchRegex(@"^\s+1\s+item-004\s+warehouse\s+7\s", "a higher priority is served first");
        queue[2].Should().MatchRegex(@"^\s+2\s+item-003\s+warehouse\s+0\s+1m3\ds$");
        run.Stdout.Should().Contain("--wide shows the full ARNs").And.NotContain("not listed");

        (await Run("status", "--pool", "batch", "--wide")).Stdout.Should().Contain(Arn + "item-004");
    }

    [Fact]
    public async Task Status_without_max_leases_says_the_configured_limit_is_unknown_and_says_when_lists_are_cut()
    {
        var pool = Table.Pool(5);
        for (var i = 0; i < 3; i++)
        {
            await pool.AcquireAsync(new AcquireRequest($"owner-{i}", null, Attempt: 0));
        }

        var run = await Run("status", "--max-entries", "1");

        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Contain("pool (default)").And.Contain("limit    unknown in force (configured: unknown (pass --max-leases); stored: none)")
            .And.Contain("held     3\n").And.Contain("waiting  0\n")
            .And.Contain("2 more live lease(s) not listed (showing 1 of 3; --max-entries lists more)");
        run.Stdout.Should().Contain("owner-0").And.NotContain("owner-1");

        var json = await Run("status", "--max-entries", "1", "--json");
        using var document = JsonDocument.Parse(json.Stdout);
        var root = document.RootElement;
        root.GetProperty("configured_limit").ValueKind.Should().Be(JsonValueKind.Null);
        root.GetProperty("held").GetInt32().Should().Be(3);
        root.GetProperty("leases_truncated").GetBoolean().Should().BeTrue();
        root.GetProperty("leases").GetArrayLength().Should().Be(1);
        root.GetProperty("leases")[0].GetProperty("owner_id").GetString().Should().Be("owner-0");
    }

    [Fact]
    public async Task Release_frees_a_lease_by_id_or_an_owners_leases_and_says_what_it_freed()
    {
        var pool = Table.Pool(5);
        var a = (await pool.AcquireAsync(new AcquireRequest(Arn + "stuck", "db", Attempt: 0))).Lease!;
        var b = (await pool.AcquireAsync(new AcquireRequest(Arn + "stuck", "queue", Attempt: 0))).Lease!;
        var c = (await pool.AcquireAsync(new AcquireRequest(Arn + "stuck", "cache", Attempt: 0))).Lease!;
        var other = (await pool.AcquireAsync(new AcquireRequest(Arn + "fine", "db", Attempt: 0))).Lease!;

        var byId = await Run("release", "--lease-id", a.LeaseId);
        byId.ExitCode.Should().Be(0, byId.Stderr);
        byId.Stdout.Should().Be($"pool (default): released 1 lease(s):\n  {a.LeaseId}\n");
        (await Run("release", "--lease-id", a.LeaseId)).Stdout.Should().Contain("nothing released: no live lease " + a.LeaseId);

        var byResource = await Run("release", "--owner", Arn + "stuck", "--resource", "queue");
        byResource.Stdout.Should().Contain("released 1 lease(s)").And.Contain(b.LeaseId).And.NotContain(c.LeaseId);
        var byOwner = await Run("release", "--owner", Arn + "stuck", "--json");
        using (var json = JsonDocument.Parse(byOwner.Stdout))
        {
            json.RootElement.GetProperty("released_lease_ids").EnumerateArray().Select(e => e.GetString()).Should().Equal(c.LeaseId);
        }

        (await pool.GetStatusAsync()).Leases.Select(l => l.LeaseId).Should().Equal(other.LeaseId);
    }

    [Fact]
    public async Task Release_on_a_pool_with_queued_waiters_is_refused_without_callback_and_hands_the_slot_on_with_it()
    {
        var notifier = new RecordingNotifier();
        var pool = Table.HandOffPool(1, notifier);
        var stuck = (await pool.AcquireAsync(new AcquireRequest(Arn + "stuck", "db", Attempt: 0))).Lease!;
        await pool.WaitAsync(new WaitRequest("t-next", Arn + "next", "db"));

        var refused = await Run("release", "--lease-id", stuck.LeaseId);
        refused.ExitCode.Should().Be(1);
        refused.Stderr.Should().StartWith("lease-manager release: LeaseManager.InvalidRequest: pool (default) has 1 queued waiter(s)").And.Contain("--callback");
        (await pool.GetStatusAsync()).Leases.Should().ContainSingle().Which.LeaseId.Should().Be(stuck.LeaseId, "nothing was released");

        var handed = await CliRun.RunAsync(Table.Client, notifier, null, "release", "--table", Table.Name, "--lease-id", stuck.LeaseId, "--callback");
        handed.ExitCode.Should().Be(0, handed.Stderr);
        handed.Stdout.Should().Contain("released 1 lease(s) (each freed slot went to the head of the queue");
        notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be(Arn + "next");
    }

    [Fact]
    public async Task Set_limit_is_bounded_by_max_leases_lowers_and_goes_back_to_the_default()
    {
        var pool = Table.Pool(3);
        await pool.AcquireAsync(new AcquireRequest("a", null, Attempt: 0));
        await pool.AcquireAsync(new AcquireRequest("b", null, Attempt: 0));
        var before = await Table.ItemsAsync();

        var above = await Run("set-limit", "--max-leases", "3", "--limit", "4");
        above.ExitCode.Should().Be(1);
        above.Stderr.Should().StartWith("lease-manager set-limit: LeaseManager.InvalidRequest: limit 4 must be between 1 and 3").And.NotContain("   at ", "no stack trace");
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before, "a refused limit writes nothing");

        var lowered = await CliRun.RunAsync(Table.Client, null, new ImpatientClock(), "set-limit", "--table", Table.Name, "--max-leases", "3", "--limit", "1");
        lowered.ExitCode.Should().Be(0, lowered.Stderr);
        lowered.Stderr.Should().Contain("lowering the limit of pool (default) from 3 to 1: waiting 11 s");
        lowered.Stdout.Should().StartWith("pool (default): limit 3 -> 1 (stored 1; configured 3).\n  held now: 2 (1 above the limit");
        var status = await Run("status", "--max-leases", "3");
        status.Stdout.Should().Contain("limit    1 in force (configured: 3; stored: 1)").And.Contain("held     2 of 1").And.Contain("* above the limit in force");

        var back = await Run("set-limit", "--max-leases", "3", "--default");
        back.Stdout.Should().StartWith("pool (default): limit 1 -> 3 (no stored limit; configured 3).");
    }

    [Theory]
    [InlineData("", "usage: lease-manager <command>")]
    [InlineData("stats", "unknown command 'stats'")]
    [InlineData("status --pool a", "--table is required")]
    [InlineData("status --table t1x --max-entries many", "--max-entries must be a whole number from 0 to 1000, not 'many'")]
    [InlineData("status --table t1x --colour", "unknown option --colour")]
    [InlineData("status --table t1x --pool", "--pool needs a value")]
    [InlineData("status --table t1x stray", "unexpected argument 'stray'")]
    [InlineData("status --table x", "table name 'x' must be 3-255 characters")]
    [InlineData("release --table t1x", "give exactly one of --lease-id, --owner")]
    [InlineData("release --table t1x --lease-id a --owner b", "give exactly one of --lease-id, --owner")]
    [InlineData("release --table t1x --lease-id a --resource r", "--resource goes with --owner")]
    [InlineData("set-limit --table t1x --limit 2", "--max-leases is required")]
    [InlineData("set-limit --table t1x --max-leases 3", "give exactly one of --limit, --default")]
    [InlineData("set-limit --table t1x --max-leases 3 --limit 2 --default", "give exactly one of --limit, --default")]
    public async Task Usage_errors_exit_2_with_a_clear_message_and_touch_nothing(string line, string message)
    {
        var args = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var run = await CliRun.RunAsync(Table.Client, null, null, args);

        run.ExitCode.Should().Be(2);
        (run.Stderr + run.Stdout).Should().Contain(message);
    }

    [Theory]
    [InlineData("status", "--max-entries N")]
    [InlineData("release", "--lease-id ID")]
    [InlineData("set-limit", "--default")]
    public async Task Each_command_has_help(string command, string option)
    {
        var run = await CliRun.RunAsync(Table.Client, null, null, command, "--help");

        run.ExitCode.Should().Be(0);
        run.Stdout.Should().StartWith($"lease-manager {command}: ").And.Contain("usage: lease-manager " + command).And.Contain(option);
    }
}
