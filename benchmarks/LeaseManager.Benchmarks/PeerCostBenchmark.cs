using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>
/// What each kind of request costs the DynamoDB peer itself: requests per second from 64 concurrent
/// callers, for the request shapes the three algorithms use. Explains the throughput tables: on
/// DynamoDB Local every request competes for the same two cores.
/// </summary>
internal sealed class PeerCostBenchmark(DynamoDbPeer peer, string table, TimeSpan duration)
{
    public sealed record Result(string Request, double PerSecond);

    public async Task<List<Result>> RunAsync()
    {
        using var db = peer.CreateClient(timeout: TimeSpan.FromSeconds(30));
        var results = new List<Result>();
        var shapes = new (string Name, Func<int, int, Task> Call)[]
        {
            ("PutItem, unconditional (seed's acquire write)", (c, n) => db.PutItemAsync(new PutItemRequest { TableName = table, Item = Item("cost-put", $"{c}-{n % 4}", 0) })),
            ("PutItem, conditional on expiry (this module's acquire)", async (c, n) =>
            {
                try
                {
                    await db.PutItemAsync(new PutItemRequest
                    {
                        TableName = table,
                        Item = Item("cost-cond", $"{c}", long.MaxValue - n),
                        ConditionExpression = "attribute_not_exists(PK) OR expires_at_ms <= :now",
                        ExpressionAttributeValues = new() { [":now"] = new() { N = long.MaxValue.ToString(CultureInfo.InvariantCulture) } },
                        ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                    });
                }
                catch (ConditionalCheckFailedException)
                {
                }
            }),
            ("DeleteItem, conditional on lease id (this module's release)", async (c, n) =>
            {
                try
                {
                    await db.DeleteItemAsync(new DeleteItemRequest
                    {
                        TableName = table,
                        Key = new() { ["PK"] = new() { S = "cost-del" }, ["SK"] = new() { S = $"{c}" } },
                        ConditionExpression = "lease_id = :id",
                        ExpressionAttributeValues = new() { [":id"] = new() { S = "x" } },
                    });
                }
                catch (ConditionalCheckFailedException)
                {
                }
            }),
            ("Query COUNT of a pool's live leases (seed's acquire read)", (c, n) => db.QueryAsync(new QueryRequest
            {
                TableName = table,
                ConsistentRead = true,
                KeyConditionExpression = "PK = :pk",
                FilterExpression = "expires_at_ms > :now",
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "cost-put" }, [":now"] = new() { N = "0" } },
                Select = Select.COUNT,
            })),
            ("UpdateItem on one shared counter item (AWS sample)", (c, n) => db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new() { ["PK"] = new() { S = "cost-counter" }, ["SK"] = new() { S = "semaphore" } },
                UpdateExpression = "ADD currentlockcount :one",
                ExpressionAttributeValues = new() { [":one"] = new() { N = "1" } },
            })),
            ("TransactWriteItems, two conditional puts (this module's looked-up acquire)", async (c, n) =>
            {
                try
                {
                    await db.TransactWriteItemsAsync(new TransactWriteItemsRequest
                    {
                        TransactItems =
                        [
                            new() { Put = new Put { TableName = table, Item = Item("cost-tx", $"s{c}-{n}", 0), ConditionExpression = "attribute_not_exists(PK)" } },
                            new() { Put = new Put { TableName = table, Item = Item("cost-tx", $"o{c}-{n}", 0), ConditionExpression = "attribute_not_exists(PK)" } },
                        ],
                    });
                }
                catch (TransactionCanceledException)
                {
                }
            }),
        };

        foreach (var (name, call) in shapes)
        {
            var count = 0;
            using var stop = new CancellationTokenSource(duration);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 64).Select(c => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    await call(c, n);
                    Interlocked.Increment(ref count);
                }
            })));
            results.Add(new Result(name, count / clock.Elapsed.TotalSeconds));
        }

        return results;
    }

    private static Dictionary<string, AttributeValue> Item(string pk, string sk, long expires) => new()
    {
        ["PK"] = new() { S = pk },
        ["SK"] = new() { S = sk },
        ["lease_id"] = new() { S = "y" },
        ["expires_at_ms"] = new() { N = expires.ToString(CultureInfo.InvariantCulture) },
    };
}
