using System.Collections.Concurrent;
using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// A waiter notifier for tests: records every delivery in order, completes a per-token task so a
/// test can await "its" lease, and can be told that a token's waiter is gone or that notifying it
/// fails transiently (a throttled Step Functions API, or a function that dies before notifying).
/// </summary>
internal sealed class RecordingNotifier : ILeaseWaiterNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Lease>> _expected = new(StringComparer.Ordinal);
    private readonly List<(QueuedWaiter Waiter, Lease Lease)> _deliveries = [];

    /// <summary>Tokens whose waiter has ended (SendTaskSuccess would answer TaskTimedOut).</summary>
    public ConcurrentDictionary<string, bool> Gone { get; } = new(StringComparer.Ordinal);

    /// <summary>Tokens whose notification throws a transient failure.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs before a delivery is recorded (an invariant check that reads the table, say).</summary>
    public Func<QueuedWaiter, Lease, Task>? BeforeDelivery { get; set; }

    /// <summary>Runs first on every attempt (a waiter that re-asks while it is being woken, say).</summary>
    public Func<QueuedWaiter, Task>? BeforeAttempt { get; set; }

    /// <summary>Every token a notification was attempted for, gone and failing ones included.</summary>
    public ConcurrentQueue<string> Attempts { get; } = new();

    public IReadOnlyList<(QueuedWaiter Waiter, Lease Lease)> Deliveries
    {
        get
        {
            lock (_deliveries)
            {
                return [.. _deliveries];
            }
        }
    }

    /// <summary>The lease that will be delivered to <paramref name="token"/>.</summary>
    public Task<Lease> Expect(string token) => _expected.GetOrAdd(token, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async ValueTask<WaiterNotification> NotifyGrantedAsync(QueuedWaiter waiter, AcquireOutcome grant, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(waiter.WakeToken);
        if (BeforeAttempt is { } first)
        {
            await first(waiter);
        }

        if (Failing.ContainsKey(waiter.WakeToken))
        {
            throw new TransientFailureException("Step Functions throttled SendTaskSuccess (test).");
        }

        if (Gone.ContainsKey(waiter.WakeToken))
        {
            return WaiterNotification.WaiterGone;
        }

        grant.Status.Should().Be(AcquireStatus.Acquired);
        var lease = grant.Lease!;
        if (BeforeDelivery is { } check)
        {
            await check(waiter, lease);
        }

        lock (_deliveries)
        {
            _deliveries.Add((waiter, lease));
        }

        _expected.GetOrAdd(waiter.WakeToken, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(lease);
        return WaiterNotification.Delivered;
    }
}

/// <summary>Building hand-off pools on a test table and reading the queue back.</summary>
internal static class QueueTables
{
    public static LeasePool HandOffPool(this LeaseTable table, int limit, ILeaseWaiterNotifier notifier, string prefix = "", TimeProvider? clock = null, LocalPeers.CountingHttpClientFactory? counter = null, int maxDurationSeconds = 600) =>
        new(counter is null ? table.Client : table.Peer.CreateClient(counter), table.Options(limit, prefix, maxDurationSeconds) with { HandOffToWaiters = true }, clock, notifier);

    /// <summary>Slot, owner, queue and waiter items of a pool: what must be gone once every lease is released.</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> LeaseAndQueueItemsAsync(this LeaseTable table, string prefix = "") =>
        (await table.ItemsAsync()).Where(i => i[table.HashKey].S == LeasePoolOptions.PoolKeyFor(prefix)
            && (i[table.RangeKey].S.StartsWith("slot#", StringComparison.Ordinal) || i[table.RangeKey].S.StartsWith("owner#", StringComparison.Ordinal)
                || i[table.RangeKey].S.StartsWith("wait#", StringComparison.Ordinal) || i[table.RangeKey].S.StartsWith("waiter#", StringComparison.Ordinal))).ToList();

    /// <summary>The queue's items, in queue order.</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> QueueItemsAsync(this LeaseTable table, string prefix = "") =>
        (await table.ItemsAsync()).Where(i => i[table.HashKey].S == LeasePoolOptions.PoolKeyFor(prefix) && i[table.RangeKey].S.StartsWith("wait#", StringComparison.Ordinal))
            .OrderBy(i => i[table.RangeKey].S, StringComparer.Ordinal).ToList();

    /// <summary>The queue marker's count (0 when it was never written).</summary>
    public static async Task<long> QueuedCountAsync(this LeaseTable table, string prefix = "")
    {
        var marker = (await table.ItemsAsync()).FirstOrDefault(i => i[table.HashKey].S == LeasePoolOptions.PoolKeyFor(prefix) && i[table.RangeKey].S == "wait!count");
        return marker is null ? 0 : long.Parse(marker["waiting"].N, System.Globalization.CultureInfo.InvariantCulture);
    }
}
