namespace LeaseManager.Tests.Semantics;

/// <summary>G1: never more than the limit, under real concurrency and across limit changes.</summary>
public abstract partial class LeaseSemanticsSuite
{
    private const int Acquirers = 32;

    /// <summary>Where a subclass's run figures go (the concurrency case prints its counts).</summary>
    protected abstract ITestOutputHelper Output { get; }

    [SuiteFact]
    public async Task Grants_up_to_the_limit_then_answers_wait()
    {
        var pool = await OpenAsync(3);

        var granted = new List<Acquisition>();
        for (var i = 0; i < 3; i++)
        {
            granted.Add(await pool.AcquireAsync());
        }

        var fourth = await pool.AcquireAsync();

        granted.Should().OnlyContain(o => o.Acquired && o.LeaseId != null);
        granted.Select(o => SlotOf(o.LeaseId)).Should().OnlyHaveUniqueItems().And.OnlyContain(s => s >= 0 && s < 3);
        fourth.Acquired.Should().BeFalse();
        fourth.LeaseId.Should().BeNull();
        fourth.CurrentRunning.Should().Be(3);
        fourth.MaxConcurrentLeases.Should().Be(3);
        (await LiveAsync()).Should().Be(3);
    }

    [SuiteFact]
    public async Task Thirty_two_concurrent_acquirers_never_exceed_the_limit()
    {
        // Two-second leases nobody releases: only expiry lets the next holders in, many times over.
        const int limit = 5;
        const int seconds = 2;
        var pool = await OpenAsync(limit, instances: 8, realTime: true);
        var intervals = new HoldingIntervals();

        await Contention.RunAsync(Acquirers, TimeSpan.FromSeconds(5), intervals, async i =>
        {
            // Anonymous, first-attempt (one write) and looked-up (transactional) acquires, all at once.
            var owner = i % 4 == 0 ? null : $"arn:exec:{i}:{Guid.NewGuid():N}";
            return (await pool.AcquireAsync(owner, "shared-db", attempt: i % 4 == 1 ? 0 : null, durationSeconds: seconds)).ExpiresAtMs;
        }, minimumGrants: 2 * limit);

        Output.WriteLine($"{intervals.Count} grants, max overlap {intervals.MaxOverlap()}");
        intervals.Count.Should().BeGreaterThan(limit, "leases expired and were re-granted during the run");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(limit);

        // Afterwards every slot comes back: exactly the limit can be taken again (for the pool's
        // longest lease, so none lapses while this counts), no more.
        await Task.Delay(TimeSpan.FromSeconds(seconds + 0.2));
        var again = new List<bool>();
        for (var i = 0; i <= limit; i++)
        {
            again.Add((await pool.AcquireAsync()).Acquired);
        }

        again.Should().Equal(Enumerable.Repeat(true, limit).Append(false));
    }

    [SuiteFact]
    public async Task Lowering_the_limit_never_admits_more_than_the_new_limit()
    {
        var wide = await OpenAsync(5);
        var held = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            held.Add((await wide.AcquireAsync($"old-{i}", "r")).LeaseId!);
        }

        var narrow = await OpenAsync(3);
        (await narrow.AcquireAsync("new-0", "r")).Acquired.Should().BeFalse();

        // Free the three lowest slots: the two survivors sit in slots the new limit no longer uses.
        foreach (var lease in held.OrderBy(SlotOf).Take(3))
        {
            await wide.ReleaseAsync(lease);
        }

        var admitted = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            admitted.Add((await narrow.AcquireAsync($"new-{i}", "r")).Acquired);
        }

        admitted.Count(a => a).Should().Be(1, "two old holders plus one new make the new limit of three");
        (await LiveAsync()).Should().Be(3);

        foreach (var lease in held.OrderBy(SlotOf).Skip(3))
        {
            await wide.ReleaseAsync(lease);
        }

        var later = new List<bool>();
        for (var i = 10; i < 14; i++)
        {
            later.Add((await narrow.AcquireAsync($"new-{i}", "r")).Acquired);
        }

        later.Count(a => a).Should().Be(2);
        (await LiveAsync()).Should().Be(3);
    }

    [SuiteFact]
    public async Task Raising_the_limit_takes_effect_immediately()
    {
        var narrow = await OpenAsync(2);
        await narrow.AcquireAsync();
        await narrow.AcquireAsync();
        (await narrow.AcquireAsync()).Acquired.Should().BeFalse();

        var wide = await OpenAsync(4);
        var more = new[] { await wide.AcquireAsync(), await wide.AcquireAsync(), await wide.AcquireAsync() };

        more.Select(o => o.Acquired).Should().Equal(true, true, false);
    }
}
