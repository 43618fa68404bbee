using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using LeaseManager.Leasing;

namespace QueueWorker;

/// <summary>
/// The thundering herd: <see cref="Copies"/> copies of one event (a producer's retries, at-least-once
/// delivery) reach the function at the same moment, spread over several concurrent invocations. With
/// the event id as concurrency key and a per-key limit of 1, exactly one copy is worked on and every
/// other one is skipped, and the run checks that the skips really happened while that copy held its
/// lease (not because the copies happened to arrive one after another).
/// </summary>
internal static class DuplicateDeliveries
{
    public const int Copies = 50;
    private const int Invocations = 10;
    private const string Prefix = "queue-worker-duplicates";
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWork = TimeSpan.FromSeconds(10);

    public sealed record Result(int Processed, int Skipped, int HandedBack, int MostAtOnce, int LeasesLeft, bool Overlapped, string Summary);

    public static async Task<Result> RunAsync(IAmazonDynamoDB dynamoDb, string table)
    {
        var options = new LeasePoolOptions
        {
            TableName = table,
            LeasePrefix = Prefix,
            MaxConcurrentLeases = 10,
            MaxLeaseDurationSeconds = 30,
            MaxConcurrentLeasesPerKey = 1,
        };

        // One event id per run, so a rerun against the same table starts from a quiet key.
        var eventId = $"evt-{Guid.NewGuid():N}"[..16];
        var body = $"{{\"event_id\":\"{eventId}\",\"order\":42}}";
        var clock = Stopwatch.StartNew();
        var handedOverAt = new ConcurrentBag<double>();
        var skippedAt = new ConcurrentBag<double>();
        var outcomes = new ConcurrentDictionary<string, Handling>();
        var working = 0;
        var answered = 0;
        var othersAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mostAtOnce = 0;
        (double Start, double End) held = (double.NaN, double.NaN);

        OncePerEventHandler Invocation() => new(new LeasePool(dynamoDb, options), async (message, ct) =>
        {
            // Runs while the lease is held: it starts after the grant and ends before the release.
            var start = clock.Elapsed.TotalMilliseconds;
            InterlockedMax(ref mostAtOnce, Interlocked.Increment(ref working));
            await Task.Delay(Work, ct);

            // On a busy machine 50 acquires at once take a while to be answered; a copy answered
            // after this work ended would be processed again (see the README: that is idempotency,
            // not a lease). So the work also lasts until every other copy has been answered.
            try
            {
                await othersAnswered.Task.WaitAsync(MaxWork - Work, ct);
            }
            catch (TimeoutException)
            {
                // Some copy was not answered in time (or a second one holds the key): the checks say which.
            }
            Interlocked.Decrement(ref working);
            held = (start, clock.Elapsed.TotalMilliseconds);
        }, (message, handling) =>
        {
            outcomes[message.MessageId] = handling;
            if (handling == Handling.Skipped)
            {
                skippedAt.Add(clock.Elapsed.TotalMilliseconds);
            }

            if (handling != Handling.Processed && Interlocked.Increment(ref answered) == Copies - 1)
            {
                othersAnswered.SetResult();
            }
        });

        // Every invocation (each its own pool instance, as each Lambda environment has its own)
        // waits at the gate, so the copies are handed over together.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var perInvocation = Copies / Invocations;
        var runs = Enumerable.Range(0, Invocations).Select(async i =>
        {
            var handler = Invocation();
            var batch = Enumerable.Range(i * perInvocation, perInvocation).Select(n => new SqsMessage($"dup-{n + 1:D2}", body)).ToList();
            var json = JsonSerializer.Serialize(new SqsEvent(batch), SqsJson.Default.SqsEvent);
            await gate.Task;
            batch.ForEach(_ => handedOverAt.Add(clock.Elapsed.TotalMilliseconds));
            return await handler.HandleAsync(JsonSerializer.Deserialize(json, SqsJson.Default.SqsEvent)!, CancellationToken.None);
        }).ToList();
        gate.SetResult();
        await Task.WhenAll(runs);

        var count = (Handling h) => outcomes.Values.Count(v => v == h);
        var processed = count(Handling.Processed);
        var skipped = count(Handling.Skipped);

        // The one copy worked on held its lease from before its work began until after it ended.
        // Every copy was handed over and every skip was decided before that work ended, so all of
        // them met a held lease: the overlap is measured, not assumed from the 1 s of work.
        var overlapped = processed == 1 && skippedAt.Count == skipped && handedOverAt.Count == Copies
            && handedOverAt.All(t => t < held.End) && skippedAt.All(t => t < held.End);
        var firstHandedOver = handedOverAt.IsEmpty ? double.NaN : handedOverAt.Min();
        var summary = FormattableString.Invariant(
            $"the processed copy worked {held.End - held.Start:0} ms under its lease (1 s, then until every other copy was answered); the copies were handed over within {handedOverAt.Max() - firstHandedOver:0} ms, the skips decided {Span(skippedAt, firstHandedOver)} after the first hand-over");
        var left = await LeasesLeftAsync(dynamoDb, table, options.PoolKey);
        return new Result(processed, skipped, count(Handling.HandedBack), mostAtOnce, left, overlapped, summary);
    }

    /// <summary>Slot items, plus lease ids still counted in a key's set: a released lease leaves neither.</summary>
    private static async Task<int> LeasesLeftAsync(IAmazonDynamoDB dynamoDb, string table, string poolKey)
    {
        var items = (await dynamoDb.QueryAsync(new QueryRequest
        {
            TableName = table,
            ConsistentRead = true,
            KeyConditionExpression = "PK = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = poolKey } },
        })).Items;
        return items.Count(i => i["SK"].S.StartsWith("slot#", StringComparison.Ordinal))
            + items.Sum(i => i.TryGetValue("holders", out var set) && set.SS is { } ids ? ids.Count : 0);
    }

    private static string Span(IReadOnlyCollection<double> times, double from) =>
        times.Count == 0 ? "(none)" : FormattableString.Invariant($"{times.Min() - from:0}-{times.Max() - from:0} ms");

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }
}
