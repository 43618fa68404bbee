using LeaseManager.Hosting;

namespace LeaseManager.Tests.Lambda;

/// <summary>The Lambda's environment mapped to the library's plain options.</summary>
public sealed class FunctionEnvironmentTests
{
    [Fact]
    public void Environment_with_only_a_table_uses_the_module_defaults()
    {
        var options = FunctionEnvironment.PoolOptions(name => name == "LEASE_TABLE_NAME" ? "leases" : null);

        options.Should().BeEquivalentTo(new LeasePoolOptions { TableName = "leases" });
        options.PoolKey.Should().Be("pool#");
    }

    [Fact]
    public void Every_environment_variable_is_read()
    {
        var env = new Dictionary<string, string>
        {
            ["LEASE_TABLE_NAME"] = "shared",
            ["LEASE_TABLE_HASH_KEY"] = "pk",
            ["LEASE_TABLE_RANGE_KEY"] = "sk",
            ["LEASE_TABLE_TTL_ATTRIBUTE"] = "expires",
            ["LEASE_PREFIX"] = "analytics",
            ["LEASE_MAX_CONCURRENT"] = "15",
            ["LEASE_MAX_DURATION_SECONDS"] = "900",
            ["LEASE_RECLAIM_SETTLE_SECONDS"] = "10",
        };

        var options = FunctionEnvironment.PoolOptions(n => env.GetValueOrDefault(n));

        options.Should().BeEquivalentTo(new LeasePoolOptions
        {
            TableName = "shared", HashKeyAttribute = "pk", RangeKeyAttribute = "sk", TtlAttribute = "expires",
            LeasePrefix = "analytics", MaxConcurrentLeases = 15, MaxLeaseDurationSeconds = 900, ReclaimSettleSeconds = 10,
        });
        options.PoolKey.Should().Be("pool#analytics");
    }

    [Theory]
    [InlineData("LEASE_TABLE_NAME", "", "LEASE_TABLE_NAME is required")]
    [InlineData("LEASE_TABLE_NAME", "a b", "table name 'a b'")]
    [InlineData("LEASE_MAX_CONCURRENT", "ten", "LEASE_MAX_CONCURRENT='ten' is not a whole number")]
    [InlineData("LEASE_MAX_CONCURRENT", "0", "between 1 and 1000")]
    [InlineData("LEASE_MAX_CONCURRENT", "1001", "between 1 and 1000")]
    [InlineData("LEASE_MAX_DURATION_SECONDS", "86401", "between 1 and 86400")]
    [InlineData("LEASE_PREFIX", "a#b", "lease prefix 'a#b'")]
    [InlineData("LEASE_RECLAIM_SETTLE_SECONDS", "901", "between 0 and 900")]
    [InlineData("LEASE_RECLAIM_SETTLE_SECONDS", "-1", "LEASE_RECLAIM_SETTLE_SECONDS='-1' is not a whole number")]
    [InlineData("LEASE_TABLE_TTL_ATTRIBUTE", "PK", "must be distinct")]
    [InlineData("LEASE_TABLE_TTL_ATTRIBUTE", "lease_id", "used by the lease items themselves")]
    public void Bad_environment_is_a_configuration_error_naming_the_problem(string name, string value, string expected)
    {
        var env = new Dictionary<string, string> { ["LEASE_TABLE_NAME"] = "leases", [name] = value };

        var act = () => FunctionEnvironment.PoolOptions(n => env.GetValueOrDefault(n));

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain(expected);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("disabled", false)]
    [InlineData("enabled", true)]
    public void Only_the_admin_function_serves_the_operators_actions(string? value, bool expected) =>
        FunctionEnvironment.AdminActionsEnabled(n => n == FunctionEnvironment.AdminActions ? value : null).Should().Be(expected);

    [Theory]
    [InlineData("true")]
    [InlineData("Enabled")]
    public void Any_other_admin_switch_is_a_configuration_error(string value)
    {
        var act = () => FunctionEnvironment.AdminActionsEnabled(n => n == FunctionEnvironment.AdminActions ? value : null);

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("must be enabled or disabled");
    }
}
