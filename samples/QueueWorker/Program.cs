using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using LeaseManager.Leasing;
using QueueWorker;

// Runs the SQS consumer the way Lambda would: several concurrent invocations, each with a batch of
// messages, failed messages redelivered until every one is done. Against DynamoDB Local set
// AWS_ENDPOINT_URL_DYNAMODB; against AWS use your usual credentials and an existing table. Then 50
// copies of one event at once through a handler keyed by event id (DuplicateDeliveries.cs).
//   dotnet run -- --table leases [--create-table] [--messages 60] [--limit 4] [--instances 6] [--batch 5]
var settings = Settings.Parse(args);
using var dynamoDb = new AmazonDynamoDBClient();
if (settings.CreateTable)
{
    await CreateTableAsync(dynamoDb, settings.Table);
}

var pool = new LeasePool(dynamoDb, new LeasePoolOptions
{
    TableName = settings.Table,
    LeasePrefix = "queue-worker-sample",
    MaxConcurrentLeases = settings.Limit,
    MaxLeaseDurationSeconds = 30,
});

var running = 0;
var mostAtOnce = 0;
var done = new ConcurrentDictionary<string, int>();
var handler = new SqsBatchHandler(pool, async (message, ct) =>
{
    var now = Interlocked.Increment(ref running);
    InterlockedMax(ref mostAtOnce, now);
    await Task.Delay(TimeSpan.FromMilliseconds(40 + (message.Body.Length * 7 % 40)), ct);
    Interlocked.Decrement(ref running);
    done.AddOrUpdate(message.MessageId, 1, (_, n) => n + 1);
}, leaseWait: TimeSpan.FromMilliseconds(300));

var queue = new ConcurrentQueue<SqsMessage>(Enumerable.Range(1, settings.Messages)
    .Select(i => new SqsMessage($"msg-{i:D4}", $"{{\"order\":{i}}}")));
var deliveries = 0;
var redelivered = 0;
await Task.WhenAll(Enumerable.Range(0, settings.Instances).Select(async _ =>
{
    while (!queue.IsEmpty)
    {
        var batch = new List<SqsMessage>();
        while (batch.Count < settings.Batch && queue.TryDequeue(out var m))
        {
            batch.Add(m);
        }

        if (batch.Count == 0)
        {
            break;
        }

        Interlocked.Add(ref deliveries, batch.Count);

        // Through JSON both ways, as Lambda delivers the event and reads the answer.
        var json = JsonSerializer.Serialize(new SqsEvent(batch), SqsJson.Default.SqsEvent);
        var answer = await handler.HandleAsync(JsonSerializer.Deserialize(json, SqsJson.Default.SqsEvent)!, CancellationToken.None);
        foreach (var failed in answer.BatchItemFailures)
        {
            Interlocked.Increment(ref redelivered);
            queue.Enqueue(batch.First(m => m.MessageId == failed.ItemIdentifier));
        }
    }
}));

var left = (await dynamoDb.QueryAsync(new QueryRequest
{
    TableName = settings.Table,
    ConsistentRead = true,
    KeyConditionExpression = "PK = :pk",
    ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = "pool#queue-worker-sample" } },
})).Items.Count;

Console.WriteLine($"messages {settings.Messages}, processed {done.Count} (each once: {done.Values.All(n => n == 1)}), deliveries {deliveries}, handed back to the queue {redelivered}");
Console.WriteLine($"most worked on at once {mostAtOnce} (lease limit {settings.Limit}, {settings.Instances} concurrent invocations of {settings.Batch}), lease items left {left}");
var throttled = done.Count == settings.Messages && done.Values.All(n => n == 1) && mostAtOnce <= settings.Limit && left == 0;
Console.WriteLine($"sample: throttle processed={done.Count} once={done.Values.All(n => n == 1)} most={mostAtOnce} limit={settings.Limit} leases_left={left}");

// The thundering herd: copies of one event at once, keyed by its event id (per-key limit 1).
var herd = await DuplicateDeliveries.RunAsync(dynamoDb, settings.Table);
Console.WriteLine($"messages {DuplicateDeliveries.Copies} copies of one event at once (key: its event id, per-key limit 1): processed {herd.Processed}, skipped as duplicates in flight {herd.Skipped}, handed back to the queue {herd.HandedBack}");
Console.WriteLine($"most worked on at once {herd.MostAtOnce} (per-key limit 1): {herd.Summary}; lease items left {herd.LeasesLeft}");
Console.WriteLine($"sample: duplicates processed={herd.Processed} skipped={herd.Skipped} handed_back={herd.HandedBack} most={herd.MostAtOnce} overlapped={(herd.Overlapped ? "yes" : "no")} leases_left={herd.LeasesLeft}");
var deduplicated = herd.Processed == 1 && herd.Skipped == DuplicateDeliveries.Copies - 1 && herd.HandedBack == 0 && herd.MostAtOnce == 1 && herd.Overlapped && herd.LeasesLeft == 0;

var ok = throttled && deduplicated;
Console.WriteLine(ok ? "sample: ok" : "sample: FAILED");
return ok ? 0 : 1;

static void InterlockedMax(ref int target, int value)
{
    var seen = Volatile.Read(ref target);
    while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
    {
        seen = actual;
    }
}

static async Task CreateTableAsync(IAmazonDynamoDB dynamoDb, string table)
{
    try
    {
        await dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("PK", ScalarAttributeType.S), new("SK", ScalarAttributeType.S)],
            KeySchema = [new("PK", KeyType.HASH), new("SK", KeyType.RANGE)],
        });
    }
    catch (ResourceInUseException)
    {
        // Already there.
    }
}

internal sealed record Settings(string Table, bool CreateTable, int Messages, int Limit, int Instances, int Batch)
{
    public static Settings Parse(string[] args)
    {
        string Value(string name, string fallback) =>
            Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return new Settings(
            Value("--table", "leases"),
            args.Contains("--create-table"),
            int.Parse(Value("--messages", "60"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Value("--limit", "4"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Value("--instances", "6"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Value("--batch", "5"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
