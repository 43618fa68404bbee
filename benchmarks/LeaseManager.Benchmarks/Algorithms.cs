using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using LeaseManager.Leasing;
using LocalPeers;

namespace LeaseManager.Benchmarks;

/// <summary>One lease algorithm under test: acquire returns a token to release, or null (wait).</summary>
internal interface ILeaseAlgorithm
{
    string Name { get; }

    Task<string?> TryAcquireAsync(string owner, int durationSeconds);

    Task ReleaseAsync(string token);
}

/// <summary>This module's engine, acquiring as the exported AcquireLease state does on a first attempt.</summary>
internal sealed class OurLease(IAmazonDynamoDB db, LeasePoolOptions options) : ILeaseAlgorithm
{
    private readonly LeasePool _pool = new(db, options);

    public string Name => "this module";

    public async Task<string?> TryAcquireAsync(string owner, int durationSeconds) =>
        (await _pool.AcquireAsync(new AcquireRequest(owner, "bench", durationSeconds, Attempt: 0))).Lease?.LeaseId;

    public Task ReleaseAsync(string token) => _pool.ReleaseAsync(token);
}

/// <summary>The seed module's algorithm (count, then write), from the local peers. Kept only as a baseline.</summary>
internal sealed class SeedCountThenWrite(IAmazonDynamoDB db, LeasePoolOptions options) : ILeaseAlgorithm
{
    private readonly CountThenWritePool _pool = new(db, options.TableName, options.HashKeyAttribute, options.RangeKeyAttribute, options.PoolKey, options.MaxConcurrentLeases);

    public string Name => "seed (count, then write)";

    public async Task<string?> TryAcquireAsync(string owner, int durationSeconds) => (await _pool.TryAcquireAsync(owner, durationSeconds))?.Id;

    public Task ReleaseAsync(string token) => _pool.ReleaseAsync(token);
}

/// <summary>
/// AWS's sample semaphore for Step Functions: one item per pool with a counter and one attribute per
/// holder; acquire is UpdateItem <c>count &lt; limit AND attribute_not_exists(owner)</c>. No expiry.
/// Kept here only as a baseline.
/// </summary>
internal sealed class AwsSampleSemaphore(IAmazonDynamoDB db, LeasePoolOptions options) : ILeaseAlgorithm
{
    public string Name => "AWS sample (counter item)";

    public Task InitializeAsync() => db.PutItemAsync(new PutItemRequest
    {
        TableName = options.TableName,
        Item = new()
        {
            [options.HashKeyAttribute] = new() { S = options.PoolKey },
            [options.RangeKeyAttribute] = new() { S = "semaphore" },
            ["currentlockcount"] = new() { N = "0" },
        },
    });

    public async Task<string?> TryAcquireAsync(string owner, int durationSeconds)
    {
        var holder = "h_" + owner.Replace(':', '_').Replace('-', '_');
        var acquired = await TryUpdateAsync(
            holder,
            "SET currentlockcount = currentlockcount + :one, #holder = :now",
            "currentlockcount < :limit AND attribute_not_exists(#holder)",
            new()
            {
                [":one"] = new() { N = "1" },
                [":limit"] = new() { N = options.MaxConcurrentLeases.ToString(CultureInfo.InvariantCulture) },
                [":now"] = new() { N = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
            });
        return acquired ? holder : null;
    }

    // A failed condition on release means the holder was already released.
    public Task ReleaseAsync(string token) => TryUpdateAsync(
        token,
        "SET currentlockcount = currentlockcount - :one REMOVE #holder",
        "attribute_exists(#holder)",
        new() { [":one"] = new() { N = "1" } });

    /// <summary>One conditional update of the counter item for one holder; false when the condition fails.</summary>
    private async Task<bool> TryUpdateAsync(string holder, string update, string condition, Dictionary<string, AttributeValue> values)
    {
        try
        {
            await db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = options.TableName,
                Key = Key(),
                UpdateExpression = update,
                ConditionExpression = condition,
                ExpressionAttributeNames = new() { ["#holder"] = holder },
                ExpressionAttributeValues = values,
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private Dictionary<string, AttributeValue> Key() => new()
    {
        [options.HashKeyAttribute] = new() { S = options.PoolKey },
        [options.RangeKeyAttribute] = new() { S = "semaphore" },
    };
}
