namespace LeaseManager.Tests.Semantics;

/// <summary>The suite against the library: <see cref="Leasing.LeasePool"/> called directly.</summary>
public sealed class LibrarySemantics(ITestOutputHelper output) : LeaseSemanticsSuite(controlsTime: true)
{
    protected override ITestOutputHelper Output => output;

    protected override Task<ILeaseEntryPoint> CreateAsync(PoolShape shape) =>
        Task.FromResult<ILeaseEntryPoint>(new LibraryEntryPoint(Enumerable.Range(0, shape.Instances)
            .Select(_ => Table.Pool(shape.Limit, shape.Prefix, shape.RealTime ? null : Time.Provider, maxDurationSeconds: shape.MaxDurationSeconds))
            .ToList()));
}
