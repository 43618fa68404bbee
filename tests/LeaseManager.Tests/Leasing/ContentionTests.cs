using LeaseManager.Leasing;
using LocalPeers;
using LeaseManager.Tests.Peers;
using Xunit.Abstractions;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// G1 under real concurrency: 64 acquirers hammer a pool of 5 through DynamoDB Local. Holders never
/// release; their one-second leases must expire for anyone else to get in.
/// </summary>
public sealed class ContentionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Acquirers = 64;
    private const int Limit = 5;
    private const int LeaseSeconds = 1;
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(3.5);

    private LeaseTable _table = null!;

    public async Task InitializeAsync() => _table = await LeaseTable.CreateAsync();

    public async Task DisposeAsync() => await _table.DisposeAsync();

    [Fact]
    public async Task Sixty_four_concurrent_acquirers_never_exceed_a_limit_of_five()
    {
        var intervals = new HoldingIntervals();
        var attempts = 0;

        // Half the acquirers share one instance (one warm Lambda serving many), half have their own.
        var shared = _table.Pool(Limit, maxDurationSeconds: LeaseSeconds);
        await RunAcquirersAsync(async i =>
        {
            var pool = i % 2 == 0 ? shared : _table.Pool(Limit, maxDurationSeconds: LeaseSeconds);
            Interlocked.Increment(ref attempts);
            // Anonymous, first-attempt (one write) and looked-up (transactional) acquires, all at once.
            var owner = i % 4 == 0 ? null : $"arn:exec:{i}:{Guid.NewGuid():N}";
            var outcome = await pool.AcquireAsync(new AcquireRequest(owner, "shared-db", Attempt: i % 4 == 1 ? 0 : null));
            return outcome.Lease?.ExpiresAtMs;
        }, intervals);

        output.WriteLine($"{attempts} attempts, {intervals.Count} grants, max overlap {intervals.MaxOverlap()}");
        intervals.Count.Should().BeGreaterThan(2 * Limit, "leases expired and were re-granted during the run");
        intervals.MaxOverlap().Should().BeLessThanOrEqualTo(Limit);

        // Afterwards every slot comes back: exactly the limit can be taken again, no more.
        await Task.Delay(TimeSpan.FromSeconds(LeaseSeconds + 0.2));
        var fresh = _table.Pool(Limit, maxDurationSeconds: LeaseSeconds);
        var again = new List<AcquireStatus>();
        for (var i = 0; i <= Limit; i++)
        {
            again.Add((await fresh.AcquireAsync(new AcquireRequest())).Status);
        }

        again.Should().Equal(Enumerable.Repeat(AcquireStatus.Acquired, Limit).Append(AcquireStatus.Wait));
    }

    [Fact]
    public async Task The_same_check_catches_a_count_then_write_algorithm()
    {
        var intervals = new HoldingIntervals();
        var options = _table.Options(Limit, maxDurationSeconds: LeaseSeconds);
        var racy = new CountThenWritePool(_table.Client, options.TableName, options.HashKeyAttribute, options.RangeKeyAttribute, options.PoolKey, Limit);

        await RunAcquirersAsync(async i => (await racy.TryAcquireAsync($"acquirer-{i}", LeaseSeconds))?.ExpiresAtMs, intervals);

        output.WriteLine($"racy: {intervals.Count} grants, max overlap {intervals.MaxOverlap()}");
        intervals.MaxOverlap().Should().BeGreaterThan(Limit, "count-then-write admits concurrent callers that all saw room");
    }

    private static async Task RunAcquirersAsync(Func<int, Task<long?>> acquireOnce, HoldingIntervals intervals)
    {
        using var stop = new CancellationTokenSource(RunFor);
        using var start = new ManualResetEventSlim(false);
        var workers = Enumerable.Range(0, Acquirers).Select(i => Task.Run(async () =>
        {
            start.Wait();
            while (!stop.IsCancellationRequested)
            {
                if (await acquireOnce(i) is { } expiresAt)
                {
                    intervals.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), expiresAt);

                    // A holder that never releases: it just stops asking until its lease has lapsed.
                    var left = expiresAt - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, left) + Random.Shared.Next(50)));
                }
                else
                {
                    await Task.Delay(Random.Shared.Next(5, 25));
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers);
    }
}
