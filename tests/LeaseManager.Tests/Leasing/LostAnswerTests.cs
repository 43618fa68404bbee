namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Issue 12 item 6: DynamoDB applies a write but its answer is lost (a 500 after the write), so the
/// SDK retries a request that already happened. Every write the engine makes goes through a real
/// proxy that does exactly that; the engine must not take a second slot, leak one, or call a lease
/// it just extended lost.
/// </summary>
public sealed class LostAnswerTests(ITestOutputHelper output) : ProxiedTableTest
{
    private const int Owners = 32;
    private const int Limit = 10;

    public static TheoryData<string, string> Writes() => new()
    {
        // First attempts and anonymous acquires: one conditional PutItem each.
        { "PutItem", "first-attempt" },
        { "PutItem", "anonymous" },
        // Acquires that look the owner up write slot + owner index in one transaction; so does their release.
        { "TransactWriteItems", "looked-up" },
        // Anonymous and first-attempt releases: one conditional DeleteItem.
        { "DeleteItem", "first-attempt" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Thirty_two_owners_with_every_third_answer_lost_hold_at_most_the_limit_and_leave_nothing_behind(string lostOperation, string kind)
    {
        Proxy.LoseAnswer = DynamoDbFaultProxy.EveryNth(lostOperation, 3);
        var intervals = new HoldingIntervals();
        var instances = WarmPools(() => Table.PoolVia(Proxy.CreateClient(), Limit));

        // Leaked slots would starve later owners for good: give up after a while and count who got none.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Contention.AllAtOnceAsync(Owners, i =>
        {
            var request = kind switch
            {
                "anonymous" => new AcquireRequest(),
                "first-attempt" => new AcquireRequest($"arn:exec:{i}", "db", Attempt: 0),
                _ => new AcquireRequest($"arn:exec:{i}", "db"),
            };
            return Contention.AcquireHoldReleaseAsync(instances[i % instances.Length], request, intervals, holdMs: (10, 40), giveUp);
        });

        var left = await Table.LiveSlotsAsync("", WallNowMs());
        output.WriteLine($"{Proxy.AnswersLost} answers lost, {intervals.Count} grants, max overlap {intervals.MaxOverlap()}, {left.Count} slots left");
        Proxy.AnswersLost.Should().BeGreaterThan(0);
        intervals.Count.Should().Be(Owners);
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(Limit);
        left.Should().BeEmpty("every owner released its lease, and no owner got a second one");
    }

    [Fact]
    public async Task A_release_whose_answer_is_lost_frees_the_lease_and_says_what_it_knows()
    {
        var pool = Table.PoolVia(Proxy.CreateClient(), Limit);
        var first = await pool.AcquireAsync(new AcquireRequest("arn:exec:a", "db", Attempt: 0));
        var lookedUp = await pool.AcquireAsync(new AcquireRequest("arn:exec:b", "db"));
        Proxy.LoseAnswer = DynamoDbFaultProxy.FirstTryOf("DeleteItem", "TransactWriteItems");

        var plain = await pool.ReleaseAsync(first.Lease!.LeaseId);
        var transactional = await pool.ReleaseAsync(lookedUp.Lease!.LeaseId);

        Proxy.LoseAnswer = null;
        (await Table.ItemsAsync()).Should().BeEmpty("both deletes were applied");
        transactional.Released.Should().BeTrue("the transaction's idempotency token makes the SDK's retry answer with the first try's success");
        plain.Released.Should().BeFalse("a plain delete cannot tell its own lost first try from an earlier release: the lease is gone either way");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public async Task A_renew_whose_answer_is_lost_still_renews(int? attempt)
    {
        var pool = Table.PoolVia(Proxy.CreateClient(), Limit);
        var leases = new List<Lease>();
        for (var i = 0; i < Owners; i++)
        {
            leases.Add((await pool.AcquireAsync(new AcquireRequest($"arn:exec:{i}", "db", LeaseDurationSeconds: 60, Attempt: attempt))).Lease
                ?? throw new InvalidOperationException("no room"));
            if (leases.Count == Limit)
            {
                break;
            }
        }

        Proxy.LoseAnswer = DynamoDbFaultProxy.FirstTryOf("UpdateItem", "TransactWriteItems");
        var renewed = await Task.WhenAll(leases.Select(l => Task.Run(() => pool.RenewAsync(l.LeaseId, 300))));

        renewed.Should().OnlyContain(r => r.ExpiresAtMs > WallNowMs() + 200_000);
        Proxy.AnswersLost.Should().BeGreaterThanOrEqualTo(leases.Count);
    }
}
