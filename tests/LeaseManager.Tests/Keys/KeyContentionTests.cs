namespace LeaseManager.Tests.Keys;

/// <summary>
/// Concurrency keys under contention: dozens of acquirers over several keys, each checked with the
/// interval checker per key and in total. Holders either never release (their leases expire, so the
/// key's set must be pruned to make room) or release early (the key's set shrinks in the release).
/// The check can fail: with the key's condition taken out of the grant's transaction, tenant-a reached
/// 3 holders of 2 (the same checker catches count-then-write in <see cref="ContentionTests"/>).
/// </summary>
public sealed class KeyContentionTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int Acquirers = 64;
    private const int PoolLimit = 5;
    private const int PerKey = 2;
    private const int LeaseSeconds = 3;
    private static readonly string[] Keys = ["tenant-a", "tenant-b", "tenant-c", "tenant-d"];

    // tenant-d is limited to 1 by an override; the others get the per-key default of 2. Four keys of
    // up to 2 + 1 = 7 > 5: the pool's limit binds too.
    // Holders that release early get leases long enough that none lapses before its release, even on
    // a loaded machine (a lapsed lease's holder would be counted past its end).
    private LeasePoolOptions KeyedOptions(bool releaseEarly) => Table.Options(PoolLimit, maxDurationSeconds: releaseEarly ? 20 : LeaseSeconds) with
    {
        MaxConcurrentLeasesPerKey = PerKey,
        KeyLimits = new Dictionary<string, int> { ["tenant-d"] = 1 },
    };

    private static int LimitOf(string key) => key == "tenant-d" ? 1 : PerKey;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sixty_four_acquirers_over_four_keys_never_exceed_a_key_limit_or_the_pool_limit(bool releaseEarly)
    {
        var total = new HoldingIntervals();
        var grants = new HoldingIntervals();
        var perKey = Keys.ToDictionary(k => k, _ => new HoldingIntervals());
        // Four instances (each its own client and hints), as four Lambda environments would be.
        var pools = WarmPools(() => new LeasePool(Table.Peer.CreateClient(), KeyedOptions(releaseEarly)));

        await Contention.RunAsync(Acquirers, TimeSpan.FromSeconds(5), grants, async i =>
        {
            var key = Keys[i % Keys.Length];
            var pool = pools[i % pools.Length];
            var outcome = await pool.AcquireAsync(new AcquireRequest($"owner-{i}-{Guid.NewGuid():N}", ConcurrencyKey: key, Attempt: i % 3 == 0 ? null : 0));
            if (outcome.Lease is not { } lease)
            {
                return null;
            }

            var granted = WallNowMs();
            var heldUntil = lease.ExpiresAtMs;
            if (releaseEarly)
            {
                // Hold a little, release, and count the holding only until the release was sent.
                await Task.Delay(Random.Shared.Next(20, 200));
                heldUntil = WallNowMs();
                (await pool.ReleaseAsync(lease.LeaseId)).Released.Should().BeTrue();
            }

            perKey[key].Add(granted, heldUntil);
            total.Add(granted, heldUntil);
            return heldUntil;
        }, minimumGrants: 40);

        foreach (var key in Keys)
        {
            output.WriteLine($"{key}: {perKey[key].Count} grants, max overlap {perKey[key].MaxOverlap()} (limit {LimitOf(key)})");
            perKey[key].MaxOverlap().Should().BeLessThanOrEqualTo(LimitOf(key), $"key {key} must never hold more than its limit");
            perKey[key].Count.Should().BeGreaterThan(1, $"key {key} must be granted again after its leases end");
        }

        output.WriteLine($"pool: {total.Count} grants, max overlap {total.MaxOverlap()}");
        total.MaxOverlap().Should().BeLessThanOrEqualTo(PoolLimit);
        if (!releaseEarly)
        {
            // Holders that keep their leases for 3 s: 64 callers over keys worth 7 fill the pool.
            total.MaxOverlap().Should().Be(PoolLimit, "with 64 callers the pool fills");
        }
    }
}
