using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using LeaseManager.Leasing;

namespace LeaseManager.Tests.Leasing;

/// <summary>
/// Deliberately wrong: the seed system's algorithm (count the live leases with a consistent Query,
/// then write a new item). It exists only to prove the contention test can fail.
/// </summary>
internal sealed class RacyCountThenWritePool(IAmazonDynamoDB db, LeasePoolOptions options)
{
    public async Task<Lease?> TryAcquireAsync(int durationSeconds)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var page = await db.QueryAsync(new QueryRequest
        {
            TableName = options.TableName,
            ConsistentRead = true,
            KeyConditionExpression = "#pk = :pk",
            FilterExpression = "expires_at_ms > :now",
            ExpressionAttributeNames = new() { ["#pk"] = options.HashKeyAttribute },
            ExpressionAttributeValues = new()
            {
                [":pk"] = new AttributeValue { S = options.PoolKey },
                [":now"] = new AttributeValue { N = now.ToString(CultureInfo.InvariantCulture) },
            },
        });
        if ((page.Items?.Count ?? 0) >= options.MaxConcurrentLeases)
        {
            return null;
        }

        var id = Guid.NewGuid().ToString("N");
        var expires = now + (durationSeconds * 1000L);
        await db.PutItemAsync(new PutItemRequest
        {
            TableName = options.TableName,
            Item = new()
            {
                [options.HashKeyAttribute] = new AttributeValue { S = options.PoolKey },
                [options.RangeKeyAttribute] = new AttributeValue { S = "lease#" + id },
                ["expires_at_ms"] = new AttributeValue { N = expires.ToString(CultureInfo.InvariantCulture) },
            },
        });
        return new Lease(id, -1, expires);
    }
}
