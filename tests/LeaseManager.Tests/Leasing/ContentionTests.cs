namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Proof that the concurrency check of the semantics suite can fail: the same acquirers, the same
/// <see cref="HoldingIntervals"/> check, run against the count-then-write algorithm, catch it
/// admitting more than the limit. (The lease itself passes it at every entry point:
/// <see cref="Semantics.LeaseSemanticsSuite.Thirty_two_concurrent_acquirers_never_exceed_the_limit"/>.)
/// </summary>
public sealed class ContentionTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int Acquirers = 64;
    private const int Limit = 5;
    // Long enough that a slow round trip on a loaded machine still answers before the lease lapses:
    // an answer that arrives expired holds nothing, and the check could not see the overlap.
    private const int LeaseSeconds = 3;

    [Fact]
    public async Task The_same_check_catches_a_count_then_write_algorithm()
    {
        var intervals = new HoldingIntervals();
        var options = Table.Options(Limit, maxDurationSeconds: LeaseSeconds);
        var racy = new CountThenWritePool(Table.Client, options.TableName, options.HashKeyAttribute, options.RangeKeyAttribute, options.PoolKey, Limit);

        await Contention.RunAsync(Acquirers, TimeSpan.FromSeconds(4), intervals, async i => (await racy.TryAcquireAsync($"acquirer-{i}", LeaseSeconds))?.ExpiresAtMs);

        output.WriteLine($"racy: {intervals.Count} grants, max overlap {intervals.MaxOverlap()}");
        intervals.MaxOverlap().Should().BeGreaterThan(Limit, "count-then-write admits concurrent callers that all saw room");
    }
}
