namespace LeaseManager.Tests.Semantics;

/// <summary>
/// The suite against the function exactly as it ships (the Native AOT zip where it was built), run
/// in its own processes behind the Runtime API, scaled like Lambda by <see cref="FunctionPool"/>.
/// Time is the wall clock here: the process reads its own.
/// </summary>
[RequiresFunctionPackage]
public sealed class BinarySemantics(ITestOutputHelper output) : LeaseSemanticsSuite(controlsTime: false)
{
    private int _functions;

    protected override ITestOutputHelper Output => output;

    protected override Task<ILeaseEntryPoint> CreateAsync(PoolShape shape)
    {
        var environment = PackagedFunction.EnvironmentFor(Table.Name, Table.Peer.Endpoint, shape.Limit, shape.Prefix, shape.MaxDurationSeconds);
        var definition = PackagedFunction.Definition($"semantics-{Interlocked.Increment(ref _functions)}", environment);
        return Task.FromResult<ILeaseEntryPoint>(new BinaryEntryPoint(new FunctionPool(definition, shape.Instances)));
    }

    private sealed class BinaryEntryPoint(FunctionPool function) : JsonEntryPoint
    {
        public override ValueTask DisposeAsync() => function.DisposeAsync();

        protected override async Task<byte[]> InvokeAsync(byte[] payload)
        {
            var outcome = await function.InvokeAsync(payload);
            if (outcome.IsError)
            {
                outcome.HeaderErrorType.Should().Be(outcome.ErrorType, "the header and the body name the same error");
                throw new LeaseCallFailedException(outcome.ErrorType!, outcome.ErrorMessage ?? "");
            }

            return outcome.Payload!;
        }
    }
}
