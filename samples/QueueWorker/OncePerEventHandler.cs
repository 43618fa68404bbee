using System.Text.Json;
using System.Text.Json.Serialization;
using LeaseManager;
using LeaseManager.Leasing;

namespace QueueWorker;

/// <summary>The part of a message body this worker keys on: the id of the event it carries.</summary>
public sealed record OrderEvent([property: JsonPropertyName("event_id")] string EventId);

[JsonSerializable(typeof(OrderEvent))]
public sealed partial class OrderEventJson : JsonSerializerContext;

/// <summary>What became of one message.</summary>
public enum Handling
{
    /// <summary>This delivery held the event's lease and did the work.</summary>
    Processed,

    /// <summary>Another delivery of the same event held its lease: dropped as a duplicate in flight.</summary>
    Skipped,

    /// <summary>No room in the pool, DynamoDB trouble or failed work: handed back to SQS for a later delivery.</summary>
    HandedBack,
}

/// <summary>
/// A Lambda-style SQS consumer for a queue that delivers duplicates (standard queues are at least once;
/// producers that retry send the same event twice): each message takes a lease keyed by its event id,
/// with a per-key limit of 1, so among copies of one event that arrive together only one is worked on.
/// A copy that finds its key held (<see cref="AcquireStatus.Wait"/> limited by <see cref="LeaseLimit.Key"/>)
/// is a duplicate in flight: it is reported as done, so SQS deletes it and never redelivers it.
/// </summary>
/// <remarks>
/// This is not idempotency: once the lease is released nothing remembers the event, so a copy that
/// arrives after the first one finished is processed again. Remembering "done" needs a record that
/// outlives the lease (a conditional put of the event id, an idempotency table).
/// </remarks>
public sealed class OncePerEventHandler(
    LeasePool pool,
    Func<SqsMessage, CancellationToken, Task> work,
    Action<SqsMessage, Handling>? handled = null)
{
    // Longer than any work this handler runs: the lease is not renewed (work that may run longer
    // renews it with pool.RenewAsync, or it expires and a copy may start while the first still works).
    private const int LeaseSeconds = 30;

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent batch, CancellationToken cancellationToken)
    {
        var failures = await Task.WhenAll(batch.Records.Select(async message =>
        {
            var handling = await HandleOneAsync(message, cancellationToken);
            handled?.Invoke(message, handling);
            return handling == Handling.HandedBack ? new BatchItemFailure(message.MessageId) : null;
        }));

        return new SqsBatchResponse(failures.OfType<BatchItemFailure>().ToList());
    }

    private async Task<Handling> HandleOneAsync(SqsMessage message, CancellationToken cancellationToken)
    {
        AcquireOutcome outcome;
        try
        {
            var eventId = JsonSerializer.Deserialize(message.Body, OrderEventJson.Default.OrderEvent)!.EventId;
            outcome = await pool.AcquireAsync(
                new AcquireRequest(ResourceId: message.MessageId, LeaseDurationSeconds: LeaseSeconds, ConcurrencyKey: eventId),
                cancellationToken);
        }
        catch (TransientFailureException)
        {
            return Handling.HandedBack;
        }

        if (outcome.Lease is not { } lease)
        {
            // The key is held: a copy of this event is being worked on right now. The pool is full:
            // nothing says this event was handled, so SQS delivers it again later.
            return outcome.LimitedBy == LeaseLimit.Key ? Handling.Skipped : Handling.HandedBack;
        }

        try
        {
            await work(message, cancellationToken);
            return Handling.Processed;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Failed work: this copy goes back to SQS (its duplicates were dropped, this one is not).
            return Handling.HandedBack;
        }
        finally
        {
            try
            {
                await pool.ReleaseAsync(lease.LeaseId, CancellationToken.None);
            }
            catch (TransientFailureException)
            {
                // Not released: the lease (and the key) ends at its expiry instead.
            }
        }
    }
}
