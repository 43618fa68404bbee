namespace LeaseManager.Tests.Semantics;

/// <summary>
/// The guarantees G1–G6 of the lease, written once and proved against every entry point (the library,
/// the JSON handler in process, the packaged binary through the Runtime API), the way DistributedLock
/// runs one suite over every backend. A concrete subclass only says how to open a pool; every
/// assertion about state reads the table itself. Cases live in the partial files by guarantee.
/// </summary>
public abstract partial class LeaseSemanticsSuite : LeaseTableTest
{
    private readonly List<ILeaseEntryPoint> _opened = [];

    protected LeaseSemanticsSuite(bool controlsTime) => Time = new SuiteTime(controlsTime);

    /// <summary>The clock the pools opened by a case run on: moved by hand where the entry point allows.</summary>
    protected SuiteTime Time { get; }

    /// <summary>Opens the entry point on <paramref name="shape"/>, on this case's table.</summary>
    protected abstract Task<ILeaseEntryPoint> CreateAsync(PoolShape shape);

    public override async Task DisposeAsync()
    {
        foreach (var entryPoint in _opened)
        {
            await entryPoint.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected async Task<ILeaseEntryPoint> OpenAsync(int limit, string prefix = "", int maxDurationSeconds = 600, int instances = 1, bool realTime = false)
    {
        var entryPoint = await CreateAsync(new PoolShape(limit, prefix, maxDurationSeconds, instances, realTime));
        _opened.Add(entryPoint);
        return entryPoint;
    }

    protected Task<int> LiveAsync(string prefix = "") => Table.LiveSlotCountAsync(prefix, Time.NowMs);

    /// <summary>The slot a lease id names: release and renew rely on it, and the lowered-limit case picks by it.</summary>
    protected static int SlotOf(string? leaseId) =>
        LeaseId.TryParse(leaseId, out var id) ? id.Value.Slot : throw new InvalidOperationException($"'{leaseId}' is not a lease id.");

    protected static async Task<LeaseCallFailedException> FailsWith(string errorType, Func<Task> call)
    {
        var failure = (await call.Should().ThrowAsync<LeaseCallFailedException>()).Which;
        failure.ErrorType.Should().Be(errorType, failure.Message);
        return failure;
    }
}
