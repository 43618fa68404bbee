using System.Text;
using System.Text.Json;
using LeaseManager.Hosting;

namespace LeaseManager.Tests.Admin;

/// <summary>
/// The two functions the module deploys, as packaged, behind the Runtime API: the one state machines
/// invoke refuses the operator's actions; the admin function (<c>LEASE_ADMIN_ACTIONS=enabled</c>)
/// serves them on the same pool.
/// </summary>
public sealed class PackagedAdminTests : LeaseTableTest
{
    private ExecutionEnvironment _leases = null!;
    private ExecutionEnvironment _admin = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _leases = Function("lease", "disabled");
        _admin = Function("lease-admin", "enabled");
    }

    public override async Task DisposeAsync()
    {
        await _leases.DisposeAsync();
        await _admin.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_admin_function_answers_status_and_set_limit_and_the_limit_binds_the_other()
    {
        (await Invoke(_leases, """{"action":"acquire","owner_id":"arn:exec:1","resource_id":"db","attempt":0}""")).IsError.Should().BeFalse();

        var refused = await Invoke(_leases, """{"action":"set_limit","limit":1,"requested_by":"ops"}""");
        refused.ErrorType.Should().Be("LeaseManager.InvalidRequest");
        refused.ErrorMessage.Should().Contain("admin function");

        var status = await Invoke(_admin, """{"action":"status"}""");
        status.IsError.Should().BeFalse(status.ErrorMessage);
        using (var json = JsonDocument.Parse(status.Payload))
        {
            json.RootElement.GetProperty("held").GetInt32().Should().Be(1);
            json.RootElement.GetProperty("leases")[0].GetProperty("owner_id").GetString().Should().Be("arn:exec:1");
        }

        var set = await Invoke(_admin, """{"action":"set_limit","limit":1,"requested_by":"ops"}""");
        set.IsError.Should().BeFalse(set.ErrorMessage);
        var full = await Invoke(_leases, """{"action":"acquire","owner_id":"arn:exec:2","resource_id":"db","attempt":0}""");
        using var answer = JsonDocument.Parse(full.Payload);
        answer.RootElement.GetProperty("status").GetString().Should().Be("wait", "one lease fills the limit set at run time");
        answer.RootElement.GetProperty("max_concurrent_leases").GetInt32().Should().Be(1);
    }

    private ExecutionEnvironment Function(string name, string adminActions)
    {
        var environment = PackagedFunction.EnvironmentFor(Table.Name, Table.Peer.Endpoint, maxConcurrent: 3);
        environment[FunctionEnvironment.AdminActions] = adminActions;
        return new ExecutionEnvironment(PackagedFunction.Definition(name, environment, timeoutSeconds: 30), 1);
    }

    private static Task<InvocationOutcome> Invoke(ExecutionEnvironment function, string payload) => function.InvokeAsync(Encoding.UTF8.GetBytes(payload));
}
