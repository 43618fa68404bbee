namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Issue 12 item 5: a first attempt's single write is still in flight when Step Functions retries the
/// invocation; the retry's lookup cannot see it and takes a slot; the first write lands later. The
/// owner's release must free both, so nothing holds capacity once every owner has released.
/// </summary>
public sealed class LateFirstAttemptTests(ITestOutputHelper output) : ProxiedTableTest
{
    private const int Owners = 32;
    private const int Limit = 48;

    [Fact]
    public async Task Thirty_two_owners_whose_first_write_lands_after_their_retry_leave_no_lease_once_released()
    {
        // Every first attempt runs on its own instance (the invocation Step Functions gave up on) and
        // its slot write is held in the network until every retry has its lease.
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Proxy.Hold = call => call.Operation == "PutItem" ? inFlight.Task : Task.CompletedTask;
        var intervals = new HoldingIntervals();
        var retryPools = WarmPools(() => Table.Pool(Limit));

        var firsts = new Task<AcquireOutcome>[Owners];
        var retries = new Lease[Owners];
        await Contention.AllAtOnceAsync(Owners, async i =>
        {
            var request = new AcquireRequest($"arn:exec:{i}", "db", Attempt: 0);
            firsts[i] = Table.PoolVia(Proxy.CreateClient(), Limit).AcquireAsync(request);
            await Task.Delay(50);
            var retry = await retryPools[i % retryPools.Length].AcquireAsync(request with { Attempt = 1 });
            retries[i] = retry.Lease ?? throw new InvalidOperationException("the pool has room for every retry");
            intervals.Add(WallNowMs(), retry.Lease.ExpiresAtMs);
        });

        // The late first writes land; whatever they were granted, their answers reach nobody.
        inFlight.SetResult();
        var late = await Task.WhenAll(firsts);
        var secondLeases = Enumerable.Range(0, Owners).Where(i => late[i].Lease is { } l && l.LeaseId != retries[i].LeaseId).ToList();
        foreach (var i in secondLeases)
        {
            // A late write that found its owner's retry lease answers with it (G2); only new ones add holders.
            intervals.Add(WallNowMs(), late[i].Lease!.ExpiresAtMs);
        }

        var landed = await Table.LiveSlotCountAsync("", WallNowMs());
        await Task.WhenAll(Enumerable.Range(0, Owners).Select(i => Task.Run(() => retryPools[i % retryPools.Length].ReleaseAsync(retries[i].LeaseId))));

        var left = await Table.LiveSlotsAsync("", WallNowMs());
        output.WriteLine($"{secondLeases.Count} late first writes took a second slot, {landed} slots live before release, {left.Count} after");
        secondLeases.Should().NotBeEmpty("the race happened: late writes took slots of their own");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(Limit);
        left.Should().BeEmpty("each owner's release frees its late first write too");
    }

    [Fact]
    public async Task A_release_never_frees_another_owners_lease_or_an_unrelated_lease_of_the_same_pool()
    {
        var pool = Table.Pool(Limit);
        var mine = await pool.AcquireAsync(new AcquireRequest("arn:exec:mine", "db", Attempt: 1));
        var sameExecutionOtherResource = await pool.AcquireAsync(new AcquireRequest("arn:exec:mine", "gpu", Attempt: 0));
        var someoneElse = await pool.AcquireAsync(new AcquireRequest("arn:exec:other", "db", Attempt: 0));

        (await pool.ReleaseAsync(mine.Lease!.LeaseId)).Released.Should().BeTrue();

        (await Table.LiveSlotsAsync("", WallNowMs())).Select(i => i["lease_id"].S)
            .Should().BeEquivalentTo([sameExecutionOtherResource.Lease!.LeaseId, someoneElse.Lease!.LeaseId]);
    }
}
