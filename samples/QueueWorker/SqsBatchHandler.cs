using System.Text.Json.Serialization;
using LeaseManager;
using LeaseManager.Leasing;

namespace QueueWorker;

/// <summary>The SQS event a Lambda function receives (the fields this worker reads).</summary>
public sealed record SqsEvent([property: JsonPropertyName("Records")] IReadOnlyList<SqsMessage> Records);

public sealed record SqsMessage(
    [property: JsonPropertyName("messageId")] string MessageId,
    [property: JsonPropertyName("body")] string Body);

/// <summary>The partial-batch answer: SQS redelivers only the listed messages (ReportBatchItemFailures).</summary>
public sealed record SqsBatchResponse([property: JsonPropertyName("batchItemFailures")] IReadOnlyList<BatchItemFailure> BatchItemFailures);

public sealed record BatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);

[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
public sealed partial class SqsJson : JsonSerializerContext;

/// <summary>
/// A Lambda-style SQS consumer that calls a rate-limited downstream (a licence-limited API, a database
/// that tolerates N writers): each message takes a lease for its work, so no matter how many function
/// instances SQS scales to, at most the pool's limit of messages are worked on at once. A message that
/// cannot get a lease within <paramref name="leaseWait"/> is handed back to SQS for a later delivery
/// instead of holding the function (and its bill) while it waits.
/// </summary>
public sealed class SqsBatchHandler(LeasePool pool, Func<SqsMessage, CancellationToken, Task> work, TimeSpan leaseWait)
{
    public async Task<SqsBatchResponse> HandleAsync(SqsEvent batch, CancellationToken cancellationToken)
    {
        var failures = await Task.WhenAll(batch.Records.Select(async message =>
        {
            try
            {
                await using var lease = await pool.TryAcquireAsync(message.MessageId, leaseWait, cancellationToken);
                if (lease is null)
                {
                    return new BatchItemFailure(message.MessageId);
                }

                // Work that may outlast the lease keeps it renewed, and stops if it is lost anyway.
                lease.KeepRenewed();
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.LeaseLost);
                await work(message, both.Token);
                return null;
            }
            catch (LeaseException e) when (e is TransientFailureException or LeaseLostException)
            {
                // DynamoDB trouble or a lost lease: let SQS deliver the message again.
                return new BatchItemFailure(message.MessageId);
            }
        }));

        return new SqsBatchResponse(failures.OfType<BatchItemFailure>().ToList());
    }
}
