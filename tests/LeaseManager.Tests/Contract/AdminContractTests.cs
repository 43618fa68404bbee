using System.Text.Json;
using LeaseManager.Contract;
using LeaseManager.Observability;

namespace LeaseManager.Tests.Contract;

/// <summary>
/// The operator's actions through the JSON contract: served by the admin function only, typed
/// answers, typed errors on bad input with nothing written.
/// </summary>
public sealed class AdminContractTests : CallbackContractTest
{
    private LeaseFunction _admin = null!;
    private LeaseFunction _stateMachines = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var options = Table.Options(3) with { HandOffToWaiters = true, LimitRefreshSeconds = 1 };
        _admin = new LeaseFunction(new LeasePool(Table.Client, options, notifier: Notifier), adminActions: true);
        _stateMachines = new LeaseFunction(new LeasePool(Table.Client, options, notifier: Notifier));
    }

    public static TheoryData<string> AdminEvents() => new()
    {
        """{"action":"status"}""",
        """{"action":"force_release","owner_id":"arn:exec:holder","requested_by":"ops"}""",
        """{"action":"set_limit","limit":1,"requested_by":"ops"}""",
    };

    [Theory]
    [MemberData(nameof(AdminEvents))]
    public async Task The_function_state_machines_invoke_refuses_every_admin_action_and_writes_nothing(string payload)
    {
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","owner_id":"arn:exec:holder","resource_id":"db"}""");
        var before = await Table.ItemsAsync();

        var error = await _stateMachines.ShouldRefuseAsync(payload);

        error.Message.Should().Contain("operator action").And.Contain("admin_permissions");
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }

    public static TheoryData<string, string> MalformedAdminEvents() => new()
    {
        { """{"action":"status","max_entries":1001}""", "\"max_entries\" must be a whole number from 0 to 1000; got a number 1001" },
        { """{"action":"status","max_entries":"5"}""", "\"max_entries\" must be a whole number from 0 to 1000; got a string" },
        { """{"action":"force_release","lease_id":"x"}""", "needs \"requested_by\"" },
        { """{"action":"force_release","requested_by":"ops"}""", "exactly one of \"lease_id\"" },
        { $$"""{"action":"force_release","lease_id":"x","owner_id":"{{Owner}}","requested_by":"ops"}""", "exactly one of \"lease_id\"" },
        { """{"action":"force_release","lease_id":"not-a-lease","requested_by":"ops"}""", "lease_id" },
        { $$"""{"action":"force_release","owner_id":"{{Owner}}","requested_by":"{{new string('p', 257)}}"}""", "needs \"requested_by\"" },
        { """{"action":"set_limit","requested_by":"ops"}""", "\"set_limit\" needs \"limit\"" },
        { """{"action":"set_limit","limit":2}""", "needs \"requested_by\"" },
        { """{"action":"set_limit","limit":0,"requested_by":"ops"}""", "\"limit\" must be a whole number from 1 to 1000; got a number 0" },
        { """{"action":"set_limit","limit":"2","requested_by":"ops"}""", "\"limit\" must be a whole number from 1 to 1000; got a string" },
        { """{"action":"set_limit","limit":4,"requested_by":"ops"}""", "must be between 1 and 3, the configured max_concurrent_leases" },
    };

    [Theory]
    [MemberData(nameof(MalformedAdminEvents))]
    public async Task Malformed_admin_events_are_InvalidRequest_and_write_nothing(string payload, string expectedMessage)
    {
        await _admin.InvokeJsonAsync("""{"action":"acquire","owner_id":"arn:exec:holder","resource_id":"db"}""");
        var before = await Table.ItemsAsync();

        (await _admin.ShouldRefuseAsync(payload)).Message.Should().Contain(expectedMessage);
        (await Table.ItemsAsync()).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task Status_force_release_and_set_limit_answer_in_the_documented_shape()
    {
        var held = await _stateMachines.InvokeJsonAsync($$"""{"action":"acquire","owner_id":"{{Owner}}","resource_id":"db","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","owner_id":"arn:exec:b","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","owner_id":"arn:exec:c","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"wait","task_token":"t-1","owner_id":"arn:exec:waiter","priority":2}""");

        var status = await _admin.InvokeJsonAsync("""{"action":"status","max_entries":2}""");
        Keys(status).Should().Equal("status", "limit", "configured_limit", "stored_limit", "held", "waiting", "oldest_wait_seconds", "leases_truncated", "waiters_truncated", "read_at", "leases", "waiters");
        status.GetProperty("status").GetString().Should().Be("pool_status");
        status.GetProperty("held").GetInt32().Should().Be(3);
        status.GetProperty("leases_truncated").GetBoolean().Should().BeTrue();
        var first = status.GetProperty("leases")[0];
        Keys(first).Should().Equal("lease_id", "slot", "owner_id", "resource_id", "acquired_at", "expires_at", "renewals", "above_limit", "concurrency_key");
        first.GetProperty("lease_id").GetString().Should().Be(held.GetProperty("lease_id").GetString());
        var waiter = status.GetProperty("waiters")[0];
        Keys(waiter).Should().Equal("position", "owner_id", "resource_id", "priority", "queued_at", "wait_seconds", "concurrency_key", "waits_for_key");
        waiter.GetProperty("priority").GetInt32().Should().Be(2);

        var forced = await _admin.InvokeJsonAsync($$"""{"action":"force_release","owner_id":"{{Owner}}","requested_by":"alice@ops"}""");
        Keys(forced).Should().Equal("status", "released_count", "lease_ids", "requested_by");
        forced.GetProperty("released_count").GetInt32().Should().Be(1);
        Notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be("arn:exec:waiter", "a forced release hands the slot on like any release");

        var set = await _admin.InvokeJsonAsync("""{"action":"set_limit","limit":2,"requested_by":"alice@ops"}""");
        Keys(set).Should().Equal("status", "limit", "previous_limit", "stored_limit", "configured_limit", "held", "handed_off", "waited_ms", "requested_by");
        set.GetProperty("limit").GetInt32().Should().Be(2);
        set.GetProperty("previous_limit").GetInt32().Should().Be(3);
        var reset = await _admin.InvokeJsonAsync("""{"action":"set_limit","limit":null,"requested_by":"alice@ops"}""");
        reset.GetProperty("stored_limit").ValueKind.Should().Be(JsonValueKind.Null);
        reset.GetProperty("limit").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task The_sweep_reports_the_pools_gauges_for_the_dashboard_and_the_oldest_waiter_alarm()
    {
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"acquire","attempt":0}""");
        await _stateMachines.InvokeJsonAsync("""{"action":"wait","task_token":"t-1","owner_id":"arn:exec:waiter"}""");

        var answer = await _stateMachines.HandleAsync(new SweepCommand());

        var metrics = LeaseObservation.Metrics(answer).ToDictionary(m => m.Metric, m => m.Value);
        metrics[LeaseMetrics.ActiveLeases].Should().Be(3);
        metrics[LeaseMetrics.Waiters].Should().Be(1);
        metrics[LeaseMetrics.Limit].Should().Be(3);
        metrics[LeaseMetrics.OldestWaiterAge].Should().BeInRange(0, 30);
        var json = JsonDocument.Parse(answer.ToUtf8Json()).RootElement;
        json.GetProperty("waiting").GetInt32().Should().Be(1);
        json.GetProperty("held").GetInt32().Should().Be(3);
    }

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];
}
