using LeaseManager.Contract;

namespace LeaseManager.Tests.Semantics;

/// <summary>
/// The suite against the Lambda's JSON handler in this process: bytes in, bytes out, failures typed
/// as the host types them (<see cref="LeaseErrors.From"/>), one handler per warm instance.
/// </summary>
public sealed class HandlerSemantics(ITestOutputHelper output) : LeaseSemanticsSuite(controlsTime: true)
{
    protected override ITestOutputHelper Output => output;

    protected override Task<ILeaseEntryPoint> CreateAsync(PoolShape shape)
    {
        var clock = shape.RealTime ? TimeProvider.System : Time.Provider;
        var handlers = Enumerable.Range(0, shape.Instances)
            .Select(_ => new LeaseFunction(Table.Pool(shape.Limit, shape.Prefix, clock, maxDurationSeconds: shape.MaxDurationSeconds), clock))
            .ToList();
        return Task.FromResult<ILeaseEntryPoint>(new HandlerEntryPoint(handlers));
    }

    private sealed class HandlerEntryPoint(IReadOnlyList<LeaseFunction> handlers) : JsonEntryPoint
    {
        private int _next;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        protected override async Task<byte[]> InvokeAsync(byte[] payload)
        {
            var handler = handlers[(int)((uint)Interlocked.Increment(ref _next) % handlers.Count)];
            try
            {
                return await handler.InvokeAsync(payload);
            }
            catch (Exception e)
            {
                var typed = LeaseErrors.From(e);
                throw new LeaseCallFailedException(typed.ErrorType, typed.Message);
            }
        }
    }
}
