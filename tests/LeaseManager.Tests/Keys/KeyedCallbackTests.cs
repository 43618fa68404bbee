using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Tests.Keys;

/// <summary>
/// Concurrency keys with the callback strategy: a waiter whose key is full waits in its key's own
/// queue and holds up no other key; each key keeps its order; a freed slot goes to the oldest waiter
/// whose key has room.
/// </summary>
public sealed class KeyedCallbackTests : LeaseTableTest
{
    private readonly RecordingNotifier _notifier = new();

    private LeasePool Pool(int limit, int perKey = 1, IReadOnlyDictionary<string, int>? overrides = null, TimeProvider? clock = null, int maxDurationSeconds = 600) => new(
        Table.Peer.CreateClient(),
        Table.Options(limit, maxDurationSeconds: maxDurationSeconds) with { HandOffToWaiters = true, MaxConcurrentLeasesPerKey = perKey, KeyLimits = overrides },
        clock,
        _notifier);

    private static AcquireRequest Keyed(string owner, string key) => new(owner, "r", ConcurrencyKey: key, Attempt: 0);

    private static WaitRequest KeyedWait(string owner, string key, long arrivedAt) => new("token-" + owner, owner, "r", ConcurrencyKey: key, RequestedAtMs: arrivedAt);

    private async Task<List<string>> SortKeysAsync() => (await Table.ItemsAsync()).Select(i => i[Table.RangeKey].S).ToList();

    private async Task<Dictionary<string, AttributeValue>> KeyItemAsync(string key) =>
        (await Table.ItemsAsync()).Single(i => i[Table.RangeKey].S == "key#" + OwnerKeyHash(key));

    private static string OwnerKeyHash(string key) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("key:" + key)), 0, 16).ToLowerInvariant();

    [Fact]
    public async Task A_waiter_whose_key_is_full_holds_up_no_other_key_and_gets_the_key_s_next_room()
    {
        var pool = Pool(4);
        var held = (await pool.AcquireAsync(Keyed("arn:exec:a0", "A"))).Lease!;
        (await pool.WaitAsync(KeyedWait("arn:exec:a1", "A", WallNowMs()))).Status.Should().Be(WaitStatus.Queued);
        (await SortKeysAsync()).Should().Contain(k => k.StartsWith("kwait#", StringComparison.Ordinal), "a waiter of a full key waits in its key's own queue")
            .And.NotContain(k => k.StartsWith("wait#", StringComparison.Ordinal));

        (await pool.AcquireAsync(Keyed("arn:exec:b0", "B"))).Status.Should().Be(AcquireStatus.Acquired, "another key's newcomer is not held up");
        (await pool.AcquireAsync(new AcquireRequest("arn:exec:plain", Attempt: 0))).Status.Should().Be(AcquireStatus.Acquired);
        (await pool.AcquireAsync(Keyed("arn:exec:a2", "A"))).LimitedBy.Should().Be(LeaseLimit.Key, "a newcomer of the key queues behind its waiter");
        var status = await pool.GetStatusAsync();
        status.Waiters.Should().ContainSingle().Which.Should().BeEquivalentTo(new { OwnerId = "arn:exec:a1", ConcurrencyKey = "A", WaitsForKey = true });
        status.WaitingCount.Should().Be(1, "the operator's view and the oldest-waiter alarm count waiters for a key too");

        var woken = _notifier.Expect("token-arn:exec:a1");
        (await pool.ReleaseAsync(held.LeaseId)).Released.Should().BeTrue();
        var lease = await woken.WaitAsync(TimeSpan.FromSeconds(10));
        lease.Slot.Should().Be(held.Slot, "the released slot goes straight to the key's waiter");
        var key = await KeyItemAsync("A");
        key.GetValueOrDefault("key_waiting")?.N.Should().Be("0");
        key.GetValueOrDefault("key_pooled")?.N.Should().Be("0");
    }

    [Fact]
    public async Task A_freed_slot_goes_to_the_oldest_waiter_whose_key_has_room()
    {
        var pool = Pool(2, perKey: 2, overrides: new Dictionary<string, int> { ["A"] = 1 });
        var a0 = (await pool.AcquireAsync(Keyed("arn:exec:a0", "A"))).Lease!;
        var b0 = (await pool.AcquireAsync(Keyed("arn:exec:b0", "B"))).Lease!;
        var t = WallNowMs();
        await pool.WaitAsync(KeyedWait("arn:exec:wa", "A", t));      // A full: its key's queue
        await pool.WaitAsync(KeyedWait("arn:exec:wb1", "B", t + 1)); // B has room, the pool has none: the pool's queue
        await pool.WaitAsync(KeyedWait("arn:exec:wb2", "B", t + 2));

        await pool.ReleaseAsync(b0.LeaseId);
        _notifier.Deliveries.Select(d => d.Waiter.OwnerId).Should().Equal(["arn:exec:wb1"], "the oldest waiter, wa, has no room in A: wb1 is served, not held up");

        await pool.ReleaseAsync(a0.LeaseId);
        _notifier.Deliveries.Select(d => d.Waiter.OwnerId).Should().Equal(["arn:exec:wb1", "arn:exec:wa"], "A has room again and wa arrived before wb2");

        await pool.ReleaseAsync(_notifier.Deliveries[0].Lease.LeaseId);
        _notifier.Deliveries.Select(d => d.Waiter.OwnerId).Should().Equal(["arn:exec:wb1", "arn:exec:wa", "arn:exec:wb2"]);
        foreach (var delivery in _notifier.Deliveries.Skip(1))
        {
            await pool.ReleaseAsync(delivery.Lease.LeaseId);
        }

        (await SortKeysAsync()).Should().NotContain(k => k.StartsWith("wait#", StringComparison.Ordinal) || k.StartsWith("kwait#", StringComparison.Ordinal) || k.StartsWith("slot#", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_key_is_served_in_arrival_order_and_keys_interleave_by_arrival()
    {
        var pool = Pool(2, perKey: 1);
        var holders = new Queue<string>();
        holders.Enqueue((await pool.AcquireAsync(Keyed("arn:exec:hold-a", "A"))).Lease!.LeaseId);
        holders.Enqueue((await pool.AcquireAsync(Keyed("arn:exec:hold-b", "B"))).Lease!.LeaseId);
        var t = WallNowMs();
        var expected = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var key = i % 2 == 0 ? "A" : "B";
            var owner = $"arn:exec:{key}-{i}";
            expected.Add(owner);
            await pool.WaitAsync(KeyedWait(owner, key, t + i));
        }

        var seen = 0;
        while (holders.Count > 0)
        {
            await pool.ReleaseAsync(holders.Dequeue());
            for (; seen < _notifier.Deliveries.Count; seen++)
            {
                holders.Enqueue(_notifier.Deliveries[seen].Lease.LeaseId);
            }
        }

        _notifier.Deliveries.Select(d => d.Waiter.OwnerId).Should().Equal(expected);
    }

    [Fact]
    public async Task The_sweep_lets_a_key_s_waiter_through_once_the_key_s_lease_expired()
    {
        var clock = new ManualClock();
        var pool = Pool(3, clock: clock, maxDurationSeconds: 30);
        await pool.AcquireAsync(Keyed("arn:exec:crashed", "A") with { LeaseDurationSeconds = 5 });
        await pool.WaitAsync(KeyedWait("arn:exec:next", "A", clock.GetUtcNow().ToUnixTimeMilliseconds()));
        _notifier.Deliveries.Should().BeEmpty();

        clock.Advance(TimeSpan.FromSeconds(6));
        (await pool.AcquireAsync(Keyed("arn:exec:newcomer", "A"))).LimitedBy.Should().Be(LeaseLimit.Key, "the key has room again, but its waiter came first");
        (await pool.SweepAsync()).HandedOff.Should().Be(1);
        _notifier.Deliveries.Should().ContainSingle().Which.Waiter.OwnerId.Should().Be("arn:exec:next");
    }

    [Fact]
    public async Task A_reclaim_removes_an_ended_execution_s_waits_from_its_key_s_queue()
    {
        var pool = Pool(3);
        await pool.AcquireAsync(Keyed("arn:exec:a0", "A"));
        await pool.WaitAsync(KeyedWait("arn:exec:ended", "A", WallNowMs()));
        await pool.ReclaimAsync("arn:exec:ended");
        (await SortKeysAsync()).Should().NotContain(k => k.StartsWith("kwait#", StringComparison.Ordinal) || k.StartsWith("waiter#", StringComparison.Ordinal));
        (await KeyItemAsync("A"))["key_waiting"].N.Should().Be("0");
        (await pool.AcquireAsync(Keyed("arn:exec:a1", "A"))).LimitedBy.Should().Be(LeaseLimit.Key, "A is still held by a0");
    }
}
