namespace LeaseManager.Tests.Semantics;

/// <summary>G2: a repeated acquire of one owner and resource is the same lease, never a second slot.</summary>
public abstract partial class LeaseSemanticsSuite
{
    [SuiteFact]
    public async Task Repeated_acquire_by_the_same_owner_returns_the_same_lease()
    {
        var pool = await OpenAsync(5);

        var first = await pool.AcquireAsync("arn:exec:1", "db");
        var again = await pool.AcquireAsync("arn:exec:1", "db");
        var otherResource = await pool.AcquireAsync("arn:exec:1", "gpu");

        again.LeaseId.Should().Be(first.LeaseId);
        again.ExpiresAtMs.Should().Be(first.ExpiresAtMs);
        otherResource.LeaseId.Should().NotBe(first.LeaseId);
        (await LiveAsync()).Should().Be(2);
    }

    [SuiteFact]
    public async Task Repeated_acquire_returns_the_held_lease_even_when_the_pool_is_full()
    {
        var pool = await OpenAsync(2);
        var mine = await pool.AcquireAsync("arn:exec:mine", "r");
        await pool.AcquireAsync("arn:exec:other", "r");

        var again = await (await OpenAsync(2)).AcquireAsync("arn:exec:mine", "r");

        again.Acquired.Should().BeTrue();
        again.LeaseId.Should().Be(mine.LeaseId);
    }

    [SuiteFact]
    public async Task Concurrent_duplicate_acquires_of_one_owner_hold_exactly_one_slot()
    {
        // Thirty-two retries of one execution racing each other, through separate instances.
        var pool = await OpenAsync(10, instances: 8);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => pool.AcquireAsync("arn:exec:retry", "r"))));

        outcomes.Should().OnlyContain(o => o.Acquired);
        outcomes.Select(o => o.LeaseId).Distinct().Should().ContainSingle();
        (await LiveAsync()).Should().Be(1);
    }

    [SuiteFact]
    public async Task A_retry_finds_the_lease_its_first_attempt_took()
    {
        // The first attempt's answer was lost (a Lambda timeout after the write): Step Functions retries.
        var first = await (await OpenAsync(3)).AcquireAsync("arn:exec:lost-answer", "db", attempt: 0);
        var retry = await (await OpenAsync(3)).AcquireAsync("arn:exec:lost-answer", "db", attempt: 1);
        var laterRetry = await (await OpenAsync(3)).AcquireAsync("arn:exec:lost-answer", "db", attempt: 2);

        retry.LeaseId.Should().Be(first.LeaseId);
        laterRetry.LeaseId.Should().Be(first.LeaseId);
        (await LiveAsync()).Should().Be(1);
    }
}
