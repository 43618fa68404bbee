using System.Text;
using System.Text.Json;
using LeaseManager.Contract;
using LeaseManager.Hosting;

namespace LeaseManager.Tests.Contract;

/// <summary>The callback strategy's actions through the JSON contract: <c>wait</c> and <c>sweep</c>, their answers and their typed errors.</summary>
public sealed class WaitContractTests : CallbackContractTest
{
    private LeaseFunction _function = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _function = new LeaseFunction(Table.HandOffPool(1, Notifier, maxDurationSeconds: 300));
    }

    public static TheoryData<string, string> MalformedWaits() => new()
    {
        { $$"""{"action":"wait","owner_id":"{{Owner}}"}""", "\"wait\" needs \"task_token\"" },
        { $$"""{"action":"wait","task_token":"","owner_id":"{{Owner}}"}""", "\"wait\" needs \"task_token\"" },
        { $$"""{"action":"wait","task_token":7,"owner_id":"{{Owner}}"}""", "\"task_token\" must be a string; got a number 7" },
        { $$"""{"action":"wait","task_token":"{{new string('t', 2049)}}","owner_id":"{{Owner}}"}""", "task_token must be 1-2048 characters; got 2049" },
        { """{"action":"wait","task_token":"tok"}""", "\"wait\" needs \"owner_id\"" },
        { """{"action":"wait","task_token":"tok","owner_id":""}""", "owner_id must be 1-2048 characters" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","priority":-1}""", "\"priority\" must be a whole number from 0 to 1000; got a number -1" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","priority":1001}""", "\"priority\" must be a whole number from 0 to 1000; got a number 1001" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","priority":1.5}""", "\"priority\" must be a whole number from 0 to 1000; got a number 1.5" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","priority":"5"}""", "\"priority\" must be a whole number from 0 to 1000; got a string \"5\"" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","lease_duration_seconds":301}""", "between 1 and 300" },
        { $$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}","resource_id":[1]}""", "\"resource_id\" must be a string or a number" },
    };

    [Theory]
    [MemberData(nameof(MalformedWaits))]
    public async Task Malformed_waits_are_InvalidRequest_and_write_nothing(string payload, string expectedMessage)
    {
        await _function.ShouldRefuseAndWriteNothingAsync(Table, payload, expectedMessage);

        Notifier.Attempts.Should().BeEmpty();
    }

    [Fact]
    public async Task Wait_answers_queued_and_the_lease_reaches_the_token_as_the_acquire_answer_would()
    {
        var held = await Invoke($$"""{"action":"acquire","owner_id":"arn:exec:holder","resource_id":"db"}""");
        var answer = await Invoke($$"""{"action":"wait","task_token":"tok-1","owner_id":"{{Owner}}","resource_id":"db","lease_duration_seconds":60,"priority":1000}""");

        answer.ToString().Should().Be("""{"status":"queued","position":null,"lease_id":null}""");
        await Invoke($$"""{"action":"release","lease_id":"{{held.GetProperty("lease_id").GetString()}}"}""");

        var delivered = Notifier.Deliveries.Should().ContainSingle().Subject;
        delivered.Waiter.Should().Be(new QueuedWaiter("tok-1", Owner, "db", 1000, delivered.Waiter.QueuedAtMs));
        delivered.Lease.ExpiresAtMs.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeMilliseconds(), 3000);

        // A re-ask after the lease was handed (the notification was lost): delivered again.
        var again = await Invoke($$"""{"action":"wait","task_token":"tok-2","owner_id":"{{Owner}}","resource_id":"db"}""");
        again.ToString().Should().Be($$"""{"status":"delivered","position":null,"lease_id":"{{delivered.Lease.LeaseId}}"}""");
    }

    [Fact]
    public async Task A_task_token_of_the_documented_maximum_length_queues()
    {
        await Invoke("""{"action":"acquire","owner_id":"arn:exec:holder"}""");

        var answer = await Invoke($$"""{"action":"wait","task_token":"{{new string('t', 2048)}}","owner_id":"{{Owner}}"}""");

        answer.GetProperty("status").GetString().Should().Be("queued");
        (await Table.QueueItemsAsync()).Should().ContainSingle().Which["wake_token"].S.Should().HaveLength(2048);
    }

    [Fact]
    public async Task Sweep_answers_what_it_found_and_handed_on()
    {
        var answer = await Invoke("""{"action":"sweep","ignored":true}""");

        answer.ToString().Should().Be("""{"status":"swept","expired_slots":0,"handed_off":0,"waiters_gone":0,"held":0,"limit":1,"waiting":0,"oldest_wait_seconds":null}""");
    }

    [Fact]
    public async Task Wait_on_a_pool_without_hand_off_is_a_configuration_error_and_sweep_does_nothing()
    {
        var polling = new LeaseFunction(Table.Pool(1));
        var act = () => polling.InvokeAsync(Encoding.UTF8.GetBytes($$"""{"action":"wait","task_token":"tok","owner_id":"{{Owner}}"}"""));

        (await act.Should().ThrowAsync<ConfigurationException>()).Which.ErrorType.Should().Be("LeaseManager.ConfigurationError");
        Encoding.UTF8.GetString(await polling.InvokeAsync(Encoding.UTF8.GetBytes("""{"action":"sweep"}"""))).Should().Be("""{"status":"swept","expired_slots":0,"handed_off":0,"waiters_gone":0,"held":0,"limit":1,"waiting":0,"oldest_wait_seconds":null}""");
        (await Table.ItemsAsync()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("poll", false)]
    [InlineData("retry", false)]
    [InlineData("callback", true)]
    public void The_wait_strategy_decides_hand_off(string? strategy, bool handOff)
    {
        var options = FunctionEnvironment.PoolOptions(n => n switch { "LEASE_TABLE_NAME" => "leases", "LEASE_WAIT_STRATEGY" => strategy, _ => null });

        options.HandOffToWaiters.Should().Be(handOff);
    }

    [Theory]
    [InlineData("Callback")]
    [InlineData("queue")]
    public void An_unknown_wait_strategy_is_a_configuration_error(string strategy)
    {
        var act = () => FunctionEnvironment.PoolOptions(n => n switch { "LEASE_TABLE_NAME" => "leases", "LEASE_WAIT_STRATEGY" => strategy, _ => null });

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain($"LEASE_WAIT_STRATEGY='{strategy}' must be poll, retry or callback");
    }

    [Fact]
    public void Hand_off_without_a_notifier_is_a_configuration_error()
    {
        var options = FunctionEnvironment.PoolOptions(n => n switch { "LEASE_TABLE_NAME" => "leases", "LEASE_WAIT_STRATEGY" => "callback", _ => null });

        var act = () => new LeasePool(Table.Client, options);

        act.Should().Throw<ConfigurationException>().Which.Message.Should().Contain("needs a waiter notifier");
    }

    private Task<JsonElement> Invoke(string payload) => _function.InvokeJsonAsync(payload);
}
