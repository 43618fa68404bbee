using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using LeaseManager.Contract;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;

namespace LeaseManager.Tests.Hosting;

/// <summary>
/// The Runtime API as the host sees it, in memory: hands out queued invocations (then reports the
/// environment gone, which ends the loop) and records what was answered, per request id and in order.
/// </summary>
public sealed class RecordingRuntimeClient : IRuntimeApiClient
{
    private readonly ConcurrentQueue<Invocation> _pending = new();

    public ConcurrentDictionary<string, byte[]> Responses { get; } = new();

    public ConcurrentDictionary<string, ErrorResponse> Errors { get; } = new();

    /// <summary>Every call after <c>next</c>: ("response" or "error", request id).</summary>
    public ConcurrentQueue<(string Kind, string RequestId)> Calls { get; } = new();

    /// <summary>When set, reporting an error fails with this (the Runtime API went away mid-report).</summary>
    public Func<Exception>? ErrorReportFault { get; set; }

    public void Enqueue(Invocation invocation) => _pending.Enqueue(invocation);

    public Task<Invocation> NextAsync(CancellationToken cancellationToken) =>
        _pending.TryDequeue(out var next) ? Task.FromResult(next) : Task.FromException<Invocation>(new HttpRequestException("no more invocations: the environment is shutting down"));

    public Task RespondAsync(string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Responses[requestId] = payload.ToArray();
        Calls.Enqueue(("response", requestId));
        return Task.CompletedTask;
    }

    public Task ReportErrorAsync(string requestId, ErrorResponse failure, CancellationToken cancellationToken)
    {
        if (ErrorReportFault is { } fault)
        {
            return Task.FromException(fault());
        }

        Errors[requestId] = failure;
        Calls.Enqueue(("error", requestId));
        return Task.CompletedTask;
    }

    public Task ReportInitErrorAsync(ErrorResponse failure, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The real DynamoDB Local client with one fault injected: every call <see cref="Faulty"/> selects
/// fails with the exception <see cref="Fault"/> makes, as the SDK would surface it (a faulted task).
/// </summary>
public class FaultInjectingDynamoDb : DispatchProxy
{
    private IAmazonDynamoDB _inner = null!;

    public Func<MethodInfo, bool> Faulty { get; private set; } = _ => false;

    public Func<Exception> Fault { get; private set; } = () => new InvalidOperationException();

    private int _injected;

    public int Injected => Volatile.Read(ref _injected);

    public static (IAmazonDynamoDB Client, FaultInjectingDynamoDb Proxy) Wrap(IAmazonDynamoDB inner, Func<MethodInfo, bool> faulty, Func<Exception> fault)
    {
        var client = Create<IAmazonDynamoDB, FaultInjectingDynamoDb>();
        var proxy = (FaultInjectingDynamoDb)(object)client;
        proxy._inner = inner;
        proxy.Faulty = faulty;
        proxy.Fault = fault;
        return (client, proxy);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (Faulty(targetMethod) && targetMethod.ReturnType.IsGenericType && targetMethod.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            Interlocked.Increment(ref _injected);
            var fromException = typeof(Task).GetMethods().Single(m => m.Name == nameof(Task.FromException) && m.IsGenericMethod);
            return fromException.MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]).Invoke(null, [Fault()]);
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

/// <summary>The function's host in this process, on a lease table, with what it logged and answered.</summary>
public sealed class InProcessHost
{
    private readonly MemoryStream _stdout = new();
    private readonly LambdaHost _host;

    public InProcessHost(LeaseTable table, IAmazonDynamoDB client, int maxConcurrent = 2)
    {
        var settings = new ObservabilitySettings { FunctionName = "in-process", MetricsDisabled = true };
        var logger = new StructuredLogger(_stdout, settings);
        var metrics = new EmbeddedMetrics(_stdout, settings);
        var handler = new LeaseHandler(new LeaseFunction(new LeasePool(client, table.Options(maxConcurrent))), logger, metrics);
        _host = new LambdaHost(Runtime, handler, logger, metrics, LeaseMetrics.Errors);
    }

    public RecordingRuntimeClient Runtime { get; } = new();

    /// <summary>One invocation with ten seconds to answer; returns its request id.</summary>
    public async Task<string> InvokeAsync(byte[] payload)
    {
        var requestId = Guid.NewGuid().ToString();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10).ToUnixTimeMilliseconds();
        await _host.HandleAsync(new Invocation(requestId, deadline, "arn:aws:lambda:us-east-1:000000000000:function:in-process", null, payload), CancellationToken.None);
        return requestId;
    }

    public Task<string> InvokeAsync(string json) => InvokeAsync(Encoding.UTF8.GetBytes(json));

    /// <summary>The JSON log lines written so far.</summary>
    public List<JsonElement> LogLines() => Encoding.UTF8.GetString(_stdout.ToArray())
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonDocument.Parse(line).RootElement.Clone())
        .Where(line => line.TryGetProperty("level", out _))
        .ToList();
}
