using System.Text.Json;
using LeaseManager.Contract;

namespace LeaseManager.Tests.Contract;

/// <summary>DESIGN §4 through the handler, against a real table: shapes of answers, and bad input that writes nothing.</summary>
public sealed class LeaseFunctionContractTests : LeaseTableTest
{
    private LeaseFunction _function = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _function = new LeaseFunction(Table.Pool(2, maxDurationSeconds: 300));
    }

    public static TheoryData<string, string> MalformedEvents() => new()
    {
        { "", "not valid JSON" },
        { "not json", "not valid JSON" },
        { "{\"action\":\"acquire\"", "not valid JSON" },
        { "[]", "must be a JSON object; got an array" },
        { "\"acquire\"", "must be a JSON object; got a string" },
        { "42", "must be a JSON object; got a number" },
        { "null", "must be a JSON object; got null" },
        { "{}", "needs \"action\"" },
        { "{\"action\":null}", "needs \"action\"" },
        { "{\"action\":7}", "\"action\" must be a string; got a number 7" },
        { "{\"action\":\"grab\"}", "Unknown action 'grab'" },
        { "{\"action\":\"ACQUIRE\"}", "Unknown action 'ACQUIRE'" },
        { "{\"action\":\"acquire\",\"owner_id\":12}", "\"owner_id\" must be a string" },
        { "{\"action\":\"acquire\",\"owner_id\":\"\"}", "owner_id must be 1-2048 characters" },
        { $"{{\"action\":\"acquire\",\"owner_id\":\"{new string('o', 2049)}\"}}", "owner_id must be 1-2048 characters" },
        { "{\"action\":\"acquire\",\"resource_id\":{\"id\":1}}", "\"resource_id\" must be a string or a number; got an object" },
        { "{\"action\":\"acquire\",\"resource_id\":[42]}", "\"resource_id\" must be a string or a number; got an array" },
        { "{\"action\":\"acquire\",\"resource_id\":true}", "\"resource_id\" must be a string or a number; got a boolean" },
        { $"{{\"action\":\"acquire\",\"resource_id\":\"{new string('r', 1025)}\"}}", "resource_id must be at most 1024 characters" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":\"60\"}", "whole number of seconds; got a string \"60\"" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":1.5}", "whole number of seconds; got a number 1.5" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":1e12}", "whole number of seconds" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":0}", "at least 1" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":-5}", "at least 1" },
        { "{\"action\":\"acquire\",\"lease_duration_seconds\":301}", "between 1 and 300" },
        { "{\"action\":\"acquire\",\"fail_if_unavailable\":\"yes\"}", "\"fail_if_unavailable\" must be true or false" },
        { "{\"action\":\"acquire\",\"attempt\":-1}", "\"attempt\" must be a whole number from 0" },
        { "{\"action\":\"acquire\",\"attempt\":\"0\"}", "\"attempt\" must be a whole number from 0" },
        { "{\"action\":\"release\"}", "needs \"lease_id\"" },
        { "{\"action\":\"release\",\"lease_id\":\"\"}", "lease_id is required" },
        { "{\"action\":\"release\",\"lease_id\":123}", "\"lease_id\" must be a string; got a number 123" },
        { "{\"action\":\"release\",\"lease_id\":\"abc\"}", "not a lease id issued by this lease manager" },
        { "{\"action\":\"release\",\"lease_id\":\"0001.-.ZZZZZZZZZZZZZZZZ\"}", "not a lease id" },
        { "{\"action\":\"renew\",\"lease_id\":\"0001.-.0123456789abcdef\",\"lease_duration_seconds\":999}", "between 1 and 300" },
        { "{\"action\":\"renew\"}", "needs \"lease_id\"" },
        { new string('[', 100) + new string(']', 100), "not valid JSON" },
        { "{\"action\":\"reclaim\"}", "\"reclaim\" needs \"owner_id\"" },
        { "{\"source\":\"aws.ec2\",\"detail-type\":\"EC2 Instance State-change Notification\",\"detail\":{}}", "Unsupported EventBridge event" },
        { "{\"source\":\"aws.states\",\"detail-type\":\"Step Functions Execution Status Change\"}", "no \"detail\" object" },
        { "{\"source\":\"aws.states\",\"detail-type\":\"Step Functions Execution Status Change\",\"detail\":{\"status\":\"FAILED\"}}", "needs \"detail.executionArn\"" },
        { "{\"source\":\"aws.states\",\"detail-type\":\"Step Functions Execution Status Change\",\"detail\":{\"executionArn\":\"exec-1\",\"status\":\"FAILED\"}}", "needs \"detail.executionArn\"" },
        { "{\"source\":\"aws.states\",\"detail-type\":\"Step Functions Execution Status Change\",\"detail\":{\"executionArn\":\"arn:x\"}}", "needs \"detail.status\"" },
    };

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public async Task Malformed_events_are_InvalidRequest_and_write_nothing(string payload, string expectedMessage)
    {
        await _function.ShouldRefuseAndWriteNothingAsync(Table, payload, expectedMessage);
    }

    [Fact]
    public async Task Acquire_answers_with_the_contract_fields_and_ignores_unknown_ones()
    {
        var answer = await Invoke("""{"action":"acquire","owner_id":"arn:aws:states:eu-central-1:1:execution:sm:e1","resource_id":"db","lease_duration_seconds":60,"extra":{"ignored":true}}""");

        answer.GetProperty("status").GetString().Should().Be("acquired");
        answer.GetProperty("lease_id").GetString().Should().MatchRegex(@"^\d{4}\.[0-9a-f]{32}\.[0-9a-f]{16}$");
        var expiresAt = answer.GetProperty("lease_expires_at").GetInt64();
        expiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeSeconds(), 2);
        answer.GetProperty("max_concurrent_leases").GetInt32().Should().Be(2);
        answer.EnumerateObject().Select(p => p.Name).Should().Equal("status", "lease_id", "lease_expires_at", "current_running", "max_concurrent_leases", "limited_by");
    }

    [Fact]
    public async Task A_large_event_is_accepted_and_its_unknown_fields_ignored()
    {
        var answer = await Invoke("{\"action\":\"acquire\",\"owner_id\":\"big\",\"context\":{\"blob\":\"" + new string('x', 1_000_000) + "\"}}");

        answer.GetProperty("status").GetString().Should().Be("acquired");
    }

    [Fact]
    public async Task Wait_release_and_renew_answer_with_the_contract_fields()
    {
        var first = await Invoke("""{"action":"acquire","owner_id":"e1","resource_id":"r"}""");
        await Invoke("""{"action":"acquire","owner_id":"e2","resource_id":"r"}""");
        var wait = await Invoke("""{"action":"acquire","owner_id":"e3","resource_id":"r"}""");
        var leaseId = first.GetProperty("lease_id").GetString();
        var renewed = await Invoke($$"""{"action":"renew","lease_id":"{{leaseId}}","lease_duration_seconds":120}""");
        var released = await Invoke($$"""{"action":"release","lease_id":"{{leaseId}}"}""");
        var again = await Invoke($$"""{"action":"release","lease_id":"{{leaseId}}"}""");

        wait.ToString().Should().Be("""{"status":"wait","lease_id":null,"lease_expires_at":null,"current_running":2,"max_concurrent_leases":2,"limited_by":"pool"}""");
        renewed.GetProperty("status").GetString().Should().Be("renewed");
        renewed.GetProperty("lease_expires_at").GetInt64().Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(120).ToUnixTimeSeconds(), 2);
        released.ToString().Should().Be($$"""{"status":"released","lease_id":"{{leaseId}}","released":true}""");
        again.ToString().Should().Be($$"""{"status":"released","lease_id":"{{leaseId}}","released":false}""");
    }

    [Fact]
    public async Task A_numeric_resource_id_is_accepted_and_names_the_resource_its_JSON_text_spells()
    {
        // Job ids are often numbers in execution input; "resource_id.$" passes them on as numbers.
        var number = await Invoke("""{"action":"acquire","owner_id":"arn:exec:n","resource_id":42}""");
        var text = await Invoke("""{"action":"acquire","owner_id":"arn:exec:n","resource_id":"42","attempt":1}""");
        var other = await Invoke("""{"action":"acquire","owner_id":"arn:exec:n","resource_id":43}""");
        var big = await Invoke("""{"action":"acquire","owner_id":"arn:exec:m","resource_id":12345678901234567890123}""");

        number.GetProperty("status").GetString().Should().Be("acquired");
        text.GetProperty("lease_id").GetString().Should().Be(number.GetProperty("lease_id").GetString(), "42 and \"42\" name the same resource");
        other.GetProperty("status").GetString().Should().Be("acquired");
        other.GetProperty("lease_id").GetString().Should().NotBe(number.GetProperty("lease_id").GetString());
        big.GetProperty("status").GetString().Should().Be("wait", "two leases are held and a number beyond long is still a valid id");
        (await Table.ItemsAsync()).Select(i => i.TryGetValue("resource_id", out var r) ? r.S : null).Should().Contain(["42", "43"]);
    }

    [Fact]
    public async Task Saturation_with_fail_if_unavailable_is_the_LeaseUnavailable_error()
    {
        await Invoke("""{"action":"acquire"}""");
        await Invoke("""{"action":"acquire"}""");

        var act = () => _function.InvokeAsync("""{"action":"acquire","fail_if_unavailable":true}"""u8.ToArray());

        (await act.Should().ThrowAsync<LeaseUnavailableException>()).Which.ErrorType.Should().Be("LeaseManager.LeaseUnavailable");
    }

    private Task<JsonElement> Invoke(string payload) => _function.InvokeJsonAsync(payload);
}
