namespace LeaseManager.Tests.Leasing;

/// <summary>
/// G7 with the callback strategy: queued waiters are served by priority (higher first), then in
/// arrival order, a freed slot goes straight to the head, and no newcomer overtakes anyone queued.
/// </summary>
public sealed class WaiterOrderTests(ITestOutputHelper output) : LeaseTableTest
{
    private const int Waiters = 60;
    private static readonly int[] Priorities = [0, 0, 0, 1, 2, 5];

    [Fact]
    public async Task Sixty_waiters_released_one_by_one_are_served_by_priority_then_arrival_and_no_newcomer_overtakes()
    {
        var notifier = new RecordingNotifier();
        var pool = Table.HandOffPool(2, notifier);
        var held = new Queue<string>();
        foreach (var holder in new[] { "arn:exec:holder-0", "arn:exec:holder-1" })
        {
            held.Enqueue((await pool.AcquireAsync(new AcquireRequest(holder, "db", Attempt: 0))).Lease!.LeaseId);
        }

        // Arrival order is the request time (what the function stamps before any I/O).
        var random = new Random(14);
        var baseMs = WallNowMs();
        var queued = new List<(string Owner, int Priority, long ArrivedAt)>();
        for (var i = 0; i < Waiters; i++)
        {
            var waiter = ($"arn:exec:w{i:D2}", Priorities[random.Next(Priorities.Length)], baseMs + i);
            queued.Add(waiter);
            (await pool.WaitAsync(new WaitRequest("token-" + waiter.Item1, waiter.Item1, "db", Priority: waiter.Item2, RequestedAtMs: waiter.Item3))).Status.Should().Be(WaitStatus.Queued);
        }

        var newcomerGrants = 0;
        var releases = 0;
        var seen = 0;
        while (held.Count > 0)
        {
            // Each release of a held lease hands its slot to the head of the queue, whose lease is
            // then held in turn, until the queue is empty and releases free the slots.
            (await pool.ReleaseAsync(held.Dequeue())).Released.Should().BeTrue();
            releases++;
            var deliveries = notifier.Deliveries;
            for (; seen < deliveries.Count; seen++)
            {
                held.Enqueue(deliveries[seen].Lease.LeaseId);
            }

            if (releases % 10 == 0 && notifier.Deliveries.Count < queued.Count)
            {
                // A newcomer while the queue is not empty: answered "wait" although a slot was just
                // released (it went to the head), then queued behind every earlier priority-0 waiter.
                var owner = $"arn:exec:newcomer-{releases}";
                var outcome = await pool.AcquireAsync(new AcquireRequest(owner, "db", Attempt: 0));
                if (outcome.Status == AcquireStatus.Acquired)
                {
                    newcomerGrants++;
                    held.Enqueue(outcome.Lease!.LeaseId);
                    continue;
                }

                queued.Add((owner, 0, baseMs + 10_000 + releases));
                await pool.WaitAsync(new WaitRequest("token-" + owner, owner, "db", RequestedAtMs: baseMs + 10_000 + releases));
            }
        }

        var expected = queued.OrderByDescending(w => w.Priority).ThenBy(w => w.ArrivedAt).Select(w => w.Owner).ToList();
        var served = notifier.Deliveries.Select(d => d.Waiter.OwnerId).ToList();
        output.WriteLine($"{served.Count} served after {releases} releases; {queued.Count - Waiters} newcomers");
        newcomerGrants.Should().Be(0, "a newcomer never takes a slot while anyone is queued");
        served.Should().Equal(expected);
        (await Table.LeaseAndQueueItemsAsync()).Should().BeEmpty();
        (await Table.QueuedCountAsync()).Should().Be(0);
    }
}
