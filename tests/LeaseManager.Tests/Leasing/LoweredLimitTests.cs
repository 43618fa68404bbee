namespace LeaseManager.Tests.Leasing;

/// <summary>
/// G1 while <c>max_concurrent_leases</c> is lowered under held leases (issue 12 item 1): leases left in
/// slots at or above the new limit still count, and concurrent acquirers on several instances (several
/// warm Lambdas) must not each see room and each take a slot.
/// </summary>
public sealed class LoweredLimitTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int OldLimit = 10;
    private const int NewLimit = 5;
    private const int Acquirers = 32;

    [Fact]
    public async Task Thirty_two_acquirers_right_after_the_limit_is_lowered_never_exceed_the_new_limit()
    {
        // Limit 10 -> 5 with the leases in slots 6, 7 and 8 still held: two more may be granted, no more.
        var intervals = await HoldOldLeasesAsync(6, 7, 8);
        var narrow = WarmPools(() => Table.Pool(NewLimit));
        var granted = 0;
        await Contention.AllAtOnceAsync(Acquirers, async i =>
        {
            for (var round = 0; round < 5; round++)
            {
                var outcome = await narrow[i % Instances].AcquireAsync(new AcquireRequest($"arn:exec:new-{i}", "db", Attempt: i % 2 == 0 ? 0 : null));
                if (outcome.Lease is { } lease)
                {
                    // A holder that keeps its lease for the rest of the test.
                    intervals.Add(WallNowMs(), lease.ExpiresAtMs);
                    Interlocked.Increment(ref granted);
                    return;
                }

                await Task.Delay(Random.Shared.Next(5, 30));
            }
        });

        output.WriteLine($"{granted} new grants, max overlap {intervals.MaxOverlap()}");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(NewLimit);
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().BeLessThanOrEqualTo(NewLimit);
        granted.Should().Be(NewLimit - 3, "the room the new limit leaves is still granted");
    }

    [Fact]
    public async Task Renewing_a_lease_above_the_new_limit_keeps_every_instance_off_the_blind_fast_path()
    {
        // Instances read the pool while the old leases (slots 5-9) were due to expire soon; the holders
        // then renew them. Once the old expiry has passed, an instance must not believe them gone.
        var clock = new ManualClock();
        var wide = Table.Pool(OldLimit, clock: clock);
        var old = await HoldSlotsAsync(wide, [5, 6, 7, 8, 9], leaseSeconds: 5);
        var narrow = WarmPools(() => Table.Pool(NewLimit, clock: clock));
        foreach (var pool in narrow)
        {
            (await pool.AcquireAsync(new AcquireRequest())).Status.Should().Be(AcquireStatus.Wait, "five old leases fill the new limit");
        }

        foreach (var lease in old)
        {
            await wide.RenewAsync(lease.LeaseId, 600);
        }

        clock.Advance(TimeSpan.FromSeconds(6));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Acquirers).Select(i =>
            Task.Run(() => narrow[i % Instances].AcquireAsync(new AcquireRequest($"arn:exec:after-renew-{i}", "db", Attempt: 0)))));

        outcomes.Count(o => o.Status == AcquireStatus.Acquired).Should().Be(0, "the renewed old leases still fill the new limit");
        (await Table.LiveSlotCountAsync("", clock.GetUtcNow().ToUnixTimeMilliseconds())).Should().Be(NewLimit);
    }

    [Fact]
    public async Task Once_the_old_leases_are_gone_the_new_limit_is_filled_exactly()
    {
        var wide = Table.Pool(OldLimit);
        var old = await HoldSlotsAsync(wide, [7, 8]);
        var narrow = WarmPools(() => Table.Pool(NewLimit));
        (await narrow[0].AcquireAsync(new AcquireRequest())).Status.Should().Be(AcquireStatus.Acquired);
        foreach (var lease in old)
        {
            (await wide.ReleaseAsync(lease.LeaseId)).Released.Should().BeTrue();
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Acquirers).Select(i =>
            Task.Run(() => narrow[i % Instances].AcquireAsync(new AcquireRequest()))));

        outcomes.Count(o => o.Status == AcquireStatus.Acquired).Should().Be(NewLimit - 1, "the gate is off again: every free slot is granted, and no more");
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().BeLessThanOrEqualTo(NewLimit);
    }

    [Fact]
    public async Task Gated_claims_whose_answers_are_lost_neither_over_admit_nor_leak()
    {
        // The gated claim is a transaction; lose the answer to every third one after it was applied.
        await using var proxy = Table.Proxy();
        proxy.LoseAnswer = LocalPeers.DynamoDbFaultProxy.EveryNth("TransactWriteItems", 3);
        var intervals = await HoldOldLeasesAsync(6, 7, 8);
        var narrow = WarmPools(() => Table.PoolVia(proxy.CreateClient(), NewLimit));
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Contention.AllAtOnceAsync(Acquirers, i => Contention.AcquireHoldReleaseAsync(
            narrow[i % Instances], new AcquireRequest($"arn:exec:{i}", "db", Attempt: 0), intervals, holdMs: (5, 20), giveUp));

        output.WriteLine($"{proxy.AnswersLost} answers lost, {intervals.Count - 3} grants, max overlap {intervals.MaxOverlap()}");
        proxy.AnswersLost.Should().BeGreaterThan(0);
        intervals.Count.Should().BeGreaterThan(3 + NewLimit, "the freed room was granted again and again");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(NewLimit);
        (await Table.LiveSlotCountAsync("", WallNowMs())).Should().Be(3, "every new holder released: only the three old leases are left");
    }

    /// <summary>Leases held in slots <paramref name="keep"/> of the old limit, as the intervals the check starts from.</summary>
    private async Task<HoldingIntervals> HoldOldLeasesAsync(params int[] keep)
    {
        var intervals = new HoldingIntervals();
        foreach (var lease in await HoldSlotsAsync(Table.Pool(OldLimit), keep))
        {
            intervals.Add(WallNowMs(), lease.ExpiresAtMs);
        }

        return intervals;
    }

    /// <summary>Fills every slot of <paramref name="pool"/>, then releases all but <paramref name="keep"/>.</summary>
    private static async Task<List<Lease>> HoldSlotsAsync(LeasePool pool, int[] keep, int leaseSeconds = 600)
    {
        var all = new List<Lease>();
        for (var i = 0; i < pool.Options.MaxConcurrentLeases; i++)
        {
            all.Add((await pool.AcquireAsync(new AcquireRequest(LeaseDurationSeconds: leaseSeconds))).Lease!);
        }

        foreach (var lease in all.Where(l => !keep.Contains(l.Slot)))
        {
            await pool.ReleaseAsync(lease.LeaseId);
        }

        return all.Where(l => keep.Contains(l.Slot)).OrderBy(l => l.Slot).ToList();
    }
}
