using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Leasing;

/// <summary>
/// The head of the queue, and waiters passed over. A hand-off whose waiter's token is closed cannot
/// tell an ended execution from one whose waiting Task timed out a moment ago and is about to ask
/// again (Step Functions answers TaskTimedOut for both). So the waiter keeps its place, marked
/// passed over: the head is the first waiter not passed over; a re-ask clears the mark, and the
/// next freed slot is then its. A waiter that has not re-asked within <see cref="PassedOverGraceMs"/>
/// has ended, and its item goes when a hand-off next reads past it.
/// </summary>
internal sealed partial class SlotStore
{
    /// <summary>How long a passed-over waiter keeps its place without re-asking: its Task re-asks 1 s after its timeout.</summary>
    public const long PassedOverGraceMs = 10_000;

    /// <summary>Queue pages read past passed-over waiters before giving up on finding a head (the sweep comes back).</summary>
    private const int HeadPages = 20;

    /// <summary>The first queue item not passed over (a consistent read), or null when there is none; passed-over items past their grace are removed on the way.</summary>
    public async Task<QueueEntry?> QueueHeadAsync(long nowMs, CancellationToken ct)
    {
        Dictionary<string, AttributeValue>? start = null;
        var limit = 1;
        for (var page = 0; page < HeadPages; page++)
        {
            var answer = await Call(() => _db.QueryAsync(QueueQuery(start, limit), ct)).ConfigureAwait(false);
            foreach (var entry in (answer.Items ?? []).Select(ToQueueEntry).OfType<QueueEntry>())
            {
                if (entry.PassedOverAtMs is not { } passedOver)
                {
                    return entry;
                }

                if (nowMs - passedOver >= PassedOverGraceMs)
                {
                    await DequeueAsync(entry, ct).ConfigureAwait(false);
                }
            }

            start = answer.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            if (start is null)
            {
                return null;
            }

            // Past the usual single read: passed-over waiters are few, so read on in small pages.
            limit = 10;
        }

        return null;
    }

    /// <summary>Puts a waiter whose token was found closed back in its place, marked passed over; false if it could not (it re-asked meanwhile, or is queued anew).</summary>
    public async Task<bool> PassOverAsync(QueueEntry entry, long nowMs, CancellationToken ct)
    {
        try
        {
            return await EnqueueAsync(entry with { PassedOverAtMs = nowMs }, ct, behindKeyWaiters: false).ConfigureAwait(false) == EnqueueFacts.Queued;
        }
        catch (TransientFailureException)
        {
            // Its item is back already (a retried call): it keeps its place either way, or queues anew when it re-asks.
            return false;
        }
    }
}
