using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace LeaseManager.Tests.Peers;

/// <summary>A fresh table on the shared peer plus helpers to build pools on it and read it back.</summary>
public sealed class LeaseTable : IAsyncDisposable
{
    private LeaseTable(DynamoDbPeer peer, string name, string hashKey, string rangeKey, string ttl)
    {
        Peer = peer;
        Name = name;
        HashKey = hashKey;
        RangeKey = rangeKey;
        TtlAttribute = ttl;
        Client = peer.CreateClient();
    }

    public DynamoDbPeer Peer { get; }

    public string Name { get; }

    public string HashKey { get; }

    public string RangeKey { get; }

    public string TtlAttribute { get; }

    public AmazonDynamoDBClient Client { get; }

    public static async Task<LeaseTable> CreateAsync(string hashKey = "PK", string rangeKey = "SK", string ttl = "ttl")
    {
        var peer = await DynamoDbPeer.SharedAsync();
        return new LeaseTable(peer, await peer.CreateTableAsync(hashKey, rangeKey, ttl), hashKey, rangeKey, ttl);
    }

    public LeasePoolOptions Options(int maxConcurrent, string prefix = "", int maxDurationSeconds = 600) => new()
    {
        TableName = Name,
        HashKeyAttribute = HashKey,
        RangeKeyAttribute = RangeKey,
        TtlAttribute = TtlAttribute,
        LeasePrefix = prefix,
        MaxConcurrentLeases = maxConcurrent,
        MaxLeaseDurationSeconds = maxDurationSeconds,
    };

    public LeasePool Pool(int maxConcurrent, string prefix = "", TimeProvider? clock = null, CountingHttpClientFactory? counter = null, int maxDurationSeconds = 600) =>
        new(counter is null ? Client : Peer.CreateClient(counter), Options(maxConcurrent, prefix, maxDurationSeconds), clock);

    /// <summary>A pool that reaches the table through <paramref name="client"/> (e.g. a <see cref="DynamoDbFaultProxy"/> client).</summary>
    public LeasePool PoolVia(IAmazonDynamoDB client, int maxConcurrent, string prefix = "", TimeProvider? clock = null, int maxDurationSeconds = 600) =>
        new(client, Options(maxConcurrent, prefix, maxDurationSeconds), clock);

    /// <summary>A fault-injecting proxy in front of this table's DynamoDB.</summary>
    public DynamoDbFaultProxy Proxy() => new(Peer.Endpoint);

    public async Task<List<Dictionary<string, AttributeValue>>> ItemsAsync()
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Client.ScanAsync(new ScanRequest { TableName = Name, ConsistentRead = true, ExclusiveStartKey = start });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return items;
    }

    public async Task<int> LiveSlotCountAsync(string prefix, long nowMs) => (await LiveSlotsAsync(prefix, nowMs)).Count;

    /// <summary>The live slot items of a pool (what holds capacity), read consistently.</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> LiveSlotsAsync(string prefix, long nowMs) =>
        (await ItemsAsync()).Where(i =>
            i[HashKey].S == LeasePoolOptions.PoolKeyFor(prefix)
            && i[RangeKey].S.StartsWith("slot#", StringComparison.Ordinal)
            && i.ContainsKey("expires_at_ms")
            && long.Parse(i["expires_at_ms"].N, System.Globalization.CultureInfo.InvariantCulture) > nowMs).ToList();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DeleteTableAsync(Name);
        }
        catch (AmazonDynamoDBException)
        {
            // The peer may already be gone at the end of the run.
        }

        Client.Dispose();
    }
}
