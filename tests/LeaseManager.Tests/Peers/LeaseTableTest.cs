namespace LeaseManager.Tests.Peers;

/// <summary>The set-up most test classes share: a fresh lease table per test, deleted afterwards.</summary>
public abstract class LeaseTableTest : IAsyncLifetime
{
    protected LeaseTable Table { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Table = await LeaseTable.CreateAsync();

    public virtual async Task DisposeAsync() => await Table.DisposeAsync();

    protected static long WallNowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>How many warm Lambdas (pool instances) the concurrency tests run side by side.</summary>
    protected const int Instances = 4;

    /// <summary><paramref name="count"/> pool instances, as that many warm Lambdas would each have their own.</summary>
    protected static LeasePool[] WarmPools(Func<LeasePool> create, int count = Instances) => Enumerable.Range(0, count).Select(_ => create()).ToArray();
}

/// <summary>A fresh lease table reached through a fault-injecting proxy, for the lost-answer and late-write cases.</summary>
public abstract class ProxiedTableTest : LeaseTableTest
{
    protected DynamoDbFaultProxy Proxy { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Proxy = Table.Proxy();
    }

    public override async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await base.DisposeAsync();
    }
}
