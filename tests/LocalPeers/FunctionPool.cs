using System.Collections.Concurrent;

namespace LocalPeers;

/// <summary>
/// A function's execution environments, scaled like Lambda: an invocation takes an idle warm
/// environment if there is one, otherwise a new one (a cold start) up to the concurrency limit, and
/// waits beyond it.
/// </summary>
public sealed class FunctionPool : IAsyncDisposable
{
    private readonly ConcurrentStack<ExecutionEnvironment> _idle = new();
    private readonly ConcurrentBag<ExecutionEnvironment> _all = [];
    private readonly SemaphoreSlim _capacity;
    private int _created;
    private int _invocations;

    public FunctionPool(FunctionDefinition function, int maxConcurrency)
    {
        Function = function;
        MaxConcurrency = maxConcurrency;
        _capacity = new SemaphoreSlim(maxConcurrency, maxConcurrency);
    }

    public FunctionDefinition Function { get; }

    public int MaxConcurrency { get; }

    public int Environments => _all.Count;

    public int Invocations => _invocations;

    public int ColdStarts => _all.Sum(e => e.ColdStarts);

    public async Task<InvocationOutcome> InvokeAsync(byte[] payload, string? traceId = null, CancellationToken cancellationToken = default)
    {
        await _capacity.WaitAsync(cancellationToken);
        var environment = _idle.TryPop(out var warm) ? warm : Create();
        try
        {
            Interlocked.Increment(ref _invocations);
            return await environment.InvokeAsync(payload, traceId, cancellationToken);
        }
        finally
        {
            _idle.Push(environment);
            _capacity.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var environment in _all)
        {
            await environment.DisposeAsync();
        }

        _capacity.Dispose();
    }

    private ExecutionEnvironment Create()
    {
        var environment = new ExecutionEnvironment(Function, Interlocked.Increment(ref _created));
        _all.Add(environment);
        return environment;
    }
}
