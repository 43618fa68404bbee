using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace LocalPeers;

/// <summary>
/// Deliberately wrong: the seed module's algorithm — count the live leases with a consistent Query,
/// then write a new item with no condition. Two callers that both see room both write, so it admits
/// more than the limit. The contention tests run it to prove their checks can fail, and the
/// benchmarks run it as the baseline it is.
/// </summary>
public sealed class CountThenWritePool(IAmazonDynamoDB db, string table, string hashKey, string rangeKey, string poolKey, int limit)
{
    /// <summary>Returns the new lease's id and expiry (epoch ms), or null when the count said the pool is full.</summary>
    public async Task<(string Id, long ExpiresAtMs)?> TryAcquireAsync(string owner, int durationSeconds)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var live = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await db.QueryAsync(new QueryRequest
            {
                TableName = table,
                ConsistentRead = true,
                KeyConditionExpression = "#pk = :pk",
                FilterExpression = "expires_at_ms > :now",
                ExpressionAttributeNames = new() { ["#pk"] = hashKey },
                ExpressionAttributeValues = new() { [":pk"] = new() { S = poolKey }, [":now"] = N(now) },
                Select = Select.COUNT,
                ExclusiveStartKey = start,
            });
            live += page.Count ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        if (live >= limit)
        {
            return null;
        }

        var id = Guid.NewGuid().ToString("N");
        var expires = now + (durationSeconds * 1000L);
        await db.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                [hashKey] = new() { S = poolKey },
                [rangeKey] = new() { S = "lease#" + id },
                ["expires_at_ms"] = N(expires),
                ["owner"] = new() { S = owner },
            },
        });
        return (id, expires);
    }

    public Task ReleaseAsync(string id) => db.DeleteItemAsync(new DeleteItemRequest
    {
        TableName = table,
        Key = new() { [hashKey] = new() { S = poolKey }, [rangeKey] = new() { S = "lease#" + id } },
    });

    private static AttributeValue N(long v) => new() { N = v.ToString(CultureInfo.InvariantCulture) };
}
