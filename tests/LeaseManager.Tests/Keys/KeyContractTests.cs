using System.Text;
using System.Text.Json;
using LeaseManager.Contract;
using LeaseManager.Hosting;
using LeaseManager.Tests.Contract;

namespace LeaseManager.Tests.Keys;

/// <summary>Concurrency keys through the JSON contract and the function's environment.</summary>
public sealed class KeyContractTests : LeaseTableTest
{
    private LeaseFunction Function(bool admin = false) =>
        new(new LeasePool(Table.Client, Table.Options(10) with { MaxConcurrentLeasesPerKey = 1, KeyLimits = new Dictionary<string, int> { ["wide"] = 2 } }), adminActions: admin);

    public static TheoryData<string, string> BadKeys() => new()
    {
        { """{"action":"acquire","owner_id":"e","concurrency_key":42}""", "\"concurrency_key\" must be a string; got a number 42" },
        { """{"action":"acquire","owner_id":"e","concurrency_key":{"tenant":"a"}}""", "\"concurrency_key\" must be a string; got an object" },
        { """{"action":"acquire","owner_id":"e","concurrency_key":["a"]}""", "\"concurrency_key\" must be a string; got an array" },
        { """{"action":"acquire","owner_id":"e","concurrency_key":""}""", "concurrency_key must be 1-256 bytes" },
        { $$"""{"action":"acquire","owner_id":"e","concurrency_key":"{{new string('k', 257)}}"}""", "concurrency_key must be 1-256 bytes" },
        { $$"""{"action":"acquire","owner_id":"e","concurrency_key":"{{new string('€', 86)}}"}""", "got 258" },
        { """{"action":"wait","task_token":"t","owner_id":"e","concurrency_key":true}""", "\"concurrency_key\" must be a string; got a boolean" },
        { """{"action":"set_limit","limit":1,"requested_by":"ops","concurrency_key":7}""", "\"concurrency_key\" must be a string" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_bad_concurrency_key_is_InvalidRequest_and_writes_nothing(string payload, string expected)
    {
        await Function(admin: true).ShouldRefuseAndWriteNothingAsync(Table, payload, expected);
    }

    [Fact]
    public async Task A_full_key_answers_wait_limited_by_the_key_and_fail_if_unavailable_raises_LeaseUnavailable()
    {
        var function = Function();
        var held = await function.InvokeJsonAsync("""{"action":"acquire","owner_id":"e1","concurrency_key":"tenant-a","attempt":0}""");
        held.GetProperty("status").GetString().Should().Be("acquired");
        held.GetProperty("limited_by").ValueKind.Should().Be(JsonValueKind.Null);
        held.GetProperty("lease_id").GetString().Should().MatchRegex(@"^\d{4}\.-\.[0-9a-f]{16}\.[0-9a-f]{32}$");

        var busy = await function.InvokeJsonAsync("""{"action":"acquire","owner_id":"e2","concurrency_key":"tenant-a","attempt":0}""");
        busy.GetProperty("status").GetString().Should().Be("wait");
        busy.GetProperty("limited_by").GetString().Should().Be("key");
        busy.GetProperty("current_running").GetInt32().Should().Be(1);
        busy.GetProperty("max_concurrent_leases").GetInt32().Should().Be(1);

        var failing = () => function.InvokeAsync(Encoding.UTF8.GetBytes("""{"action":"acquire","owner_id":"e3","concurrency_key":"tenant-a","fail_if_unavailable":true}"""));
        (await failing.Should().ThrowAsync<LeaseUnavailableException>()).Which.ErrorType.Should().Be("LeaseManager.LeaseUnavailable");

        (await function.InvokeJsonAsync("""{"action":"acquire","owner_id":"e4","concurrency_key":"wide","attempt":0}""")).GetProperty("status").GetString().Should().Be("acquired");
        (await function.InvokeJsonAsync("""{"action":"acquire","owner_id":"e5","concurrency_key":"wide","attempt":0}""")).GetProperty("status").GetString().Should().Be("acquired", "the override gives this key 2");
        (await function.InvokeJsonAsync($$"""{"action":"release","lease_id":"{{held.GetProperty("lease_id").GetString()}}"}""")).GetProperty("released").GetBoolean().Should().BeTrue();
        (await function.InvokeJsonAsync("""{"action":"acquire","owner_id":"e2","concurrency_key":"tenant-a","attempt":1}""")).GetProperty("status").GetString().Should().Be("acquired");
    }

    [Fact]
    public async Task The_admin_function_sets_a_key_s_limit_and_the_status_names_each_lease_s_key()
    {
        var admin = Function(admin: true);
        await Function().InvokeJsonAsync("""{"action":"acquire","owner_id":"e1","concurrency_key":"tenant-b","attempt":0}""");
        var set = await admin.InvokeJsonAsync("""{"action":"set_limit","concurrency_key":"tenant-b","limit":3,"requested_by":"alice@ops"}""");
        set.EnumerateObject().Select(p => p.Name).Should().Equal("status", "concurrency_key", "limit", "stored_limit", "configured_limit", "held", "requested_by");
        set.GetProperty("status").GetString().Should().Be("key_limit_set");
        set.GetProperty("limit").GetInt32().Should().Be(3);
        set.GetProperty("configured_limit").GetInt32().Should().Be(1);
        set.GetProperty("held").GetInt32().Should().Be(1);

        var status = await admin.InvokeJsonAsync("""{"action":"status"}""");
        status.GetProperty("leases")[0].GetProperty("concurrency_key").GetString().Should().Be("tenant-b");

        var refused = () => Function().InvokeAsync(Encoding.UTF8.GetBytes("""{"action":"set_limit","concurrency_key":"tenant-b","limit":1,"requested_by":"x"}"""));
        await refused.Should().ThrowAsync<InvalidRequestException>("the state machines' function serves no admin action");
    }

    [Fact]
    public void The_environment_turns_keys_on_and_reads_the_overrides()
    {
        var env = new Dictionary<string, string?>
        {
            [FunctionEnvironment.TableName] = "leases",
            [FunctionEnvironment.MaxConcurrentPerKey] = "2",
            [FunctionEnvironment.KeyLimits] = """{"tenant-a":5,"tenant-b":1}""",
        };
        var options = FunctionEnvironment.PoolOptions(n => env.GetValueOrDefault(n));
        options.MaxConcurrentLeasesPerKey.Should().Be(2);
        options.KeyLimitFor("tenant-a").Should().Be(5);
        options.KeyLimitFor("other").Should().Be(2);
        FunctionEnvironment.PoolOptions(n => n == FunctionEnvironment.TableName ? "leases" : null).MaxConcurrentLeasesPerKey.Should().BeNull("keys are off unless the module sets them");

        foreach (var bad in new[] { "[1]", "{\"a\":\"1\"}", "{", "{\"a\":0}" })
        {
            env[FunctionEnvironment.KeyLimits] = bad;
            var read = () => FunctionEnvironment.PoolOptions(n => env.GetValueOrDefault(n));
            read.Should().Throw<ConfigurationException>().Which.Message.Should().Contain(bad == "{\"a\":0}" ? "per-key limit 0" : FunctionEnvironment.KeyLimits);
        }

        env[FunctionEnvironment.KeyLimits] = null;
        env[FunctionEnvironment.MaxConcurrentPerKey] = "0";
        var zero = () => FunctionEnvironment.PoolOptions(n => env.GetValueOrDefault(n));
        zero.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("per key 0");
    }
}
