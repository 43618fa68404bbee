using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace LocalPeers;

/// <summary>
/// The Lambda Runtime API (2018-06-01) of one execution environment, served on a loopback port as
/// the published spec describes: a long-polled <c>next</c>, then <c>response</c> or <c>error</c>
/// for that request id; <c>init/error</c> before the first <c>next</c>.
/// </summary>
public sealed class RuntimeApiServer : LoopbackHttpServer
{
    public const int MaxResponseBytes = 6 * 1024 * 1024;
    private const string Prefix = "/2018-06-01/runtime/";

    private readonly Channel<PendingInvocation> _queue = Channel.CreateUnbounded<PendingInvocation>();
    private readonly ConcurrentDictionary<string, PendingInvocation> _inFlight = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<RuntimeError> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstNext = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RuntimeApiServer() => StartServing();

    /// <summary>The value for <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Completes when the runtime reports an init error.</summary>
    public Task<RuntimeError> InitError => _initError.Task;

    /// <summary>Completes when the runtime first asks for work: init is over.</summary>
    public Task FirstNext => _firstNext.Task;

    /// <summary>Every request the runtime made, in order, for tests to inspect.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public Task<InvocationOutcome> Enqueue(InvocationRequest request)
    {
        var pending = new PendingInvocation(request);
        _queue.Writer.TryWrite(pending);
        return pending.Outcome.Task;
    }

    /// <summary>Fails every queued and running invocation (the process died or was killed).</summary>
    public void FailAll(string errorType, string message)
    {
        foreach (var id in _inFlight.Keys)
        {
            if (_inFlight.TryRemove(id, out var running))
            {
                running.Outcome.TrySetResult(InvocationOutcome.Failed(errorType, message));
            }
        }

        while (_queue.Reader.TryRead(out var queued))
        {
            queued.Outcome.TrySetResult(InvocationOutcome.Failed(errorType, message));
        }
    }

    protected override void OnStopping() => FailAll("Runtime.Shutdown", "The execution environment was shut down.");

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url?.AbsolutePath ?? "";
            var body = await ReadBodyAsync(request);
            Requests.Enqueue(new RecordedRequest(request.HttpMethod, path, request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase), body));
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                await WriteAsync(response, 404, """{"errorMessage":"Unknown path","errorType":"InvalidRequest"}""");
                return;
            }

            var route = path[Prefix.Length..].Split('/');
            switch (request.HttpMethod, route)
            {
                case ("GET", ["invocation", "next"]):
                    await NextAsync(response);
                    return;
                case ("POST", ["invocation", var id, "response"]):
                    if (body.Length > MaxResponseBytes)
                    {
                        await WriteAsync(response, 413, """{"errorMessage":"Response payload too large","errorType":"RequestEntityTooLarge"}""");
                        Complete(id, InvocationOutcome.Failed("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size."));
                        return;
                    }

                    await WriteAsync(response, Complete(id, InvocationOutcome.Succeeded(body)) ? 202 : 400, """{"status":"OK"}""");
                    return;
                case ("POST", ["invocation", var id, "error"]):
                    await WriteAsync(response, Complete(id, ParseError(request, body, "Unhandled")) ? 202 : 400, """{"status":"OK"}""");
                    return;
                case ("POST", ["init", "error"]):
                    var failure = ParseError(request, body, "Runtime.InitError");
                    _initError.TrySetResult(new RuntimeError(failure.ErrorType!, failure.ErrorMessage ?? "", failure.HeaderErrorType));
                    await WriteAsync(response, 202, """{"status":"OK"}""");
                    return;
                default:
                    await WriteAsync(response, 404, """{"errorMessage":"Unknown path","errorType":"InvalidRequest"}""");
                    return;
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The runtime went away mid-request.
        }
    }

    private async Task NextAsync(HttpListenerResponse response)
    {
        _firstNext.TrySetResult();
        PendingInvocation pending;
        try
        {
            pending = await _queue.Reader.ReadAsync(Stopping);
        }
        catch (OperationCanceledException)
        {
            response.Abort();
            return;
        }

        var request = pending.Request;
        _inFlight[request.RequestId] = pending;
        response.Headers["Lambda-Runtime-Aws-Request-Id"] = request.RequestId;
        response.Headers["Lambda-Runtime-Deadline-Ms"] = request.DeadlineMs.ToString(CultureInfo.InvariantCulture);
        response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = request.FunctionArn;
        if (request.TraceId is not null)
        {
            response.Headers["Lambda-Runtime-Trace-Id"] = request.TraceId;
        }

        await WriteAsync(response, 200, request.Payload);
    }

    private bool Complete(string requestId, InvocationOutcome outcome) =>
        _inFlight.TryRemove(requestId, out var pending) && pending.Outcome.TrySetResult(outcome);

    private static InvocationOutcome ParseError(HttpListenerRequest request, byte[] body, string fallbackType)
    {
        var headerType = request.Headers["Lambda-Runtime-Function-Error-Type"];
        string? type = null, message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                type = document.RootElement.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                message = document.RootElement.TryGetProperty("errorMessage", out var m) ? m.GetString() : null;
            }
        }
        catch (JsonException)
        {
            message = Encoding.UTF8.GetString(body);
        }

        return InvocationOutcome.Failed(type ?? headerType ?? fallbackType, message ?? "", body, headerType);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpListenerRequest request)
    {
        using var buffer = new MemoryStream();
        await request.InputStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static Task WriteAsync(HttpListenerResponse response, int status, string body) =>
        WriteAsync(response, status, Encoding.UTF8.GetBytes(body));

    private sealed class PendingInvocation(InvocationRequest request)
    {
        public InvocationRequest Request { get; } = request;

        public TaskCompletionSource<InvocationOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

public sealed record InvocationRequest(string RequestId, byte[] Payload, long DeadlineMs, string FunctionArn, string? TraceId);

/// <summary>What came back: a payload, or an error with its type (from the body, and the header as sent).</summary>
public sealed record InvocationOutcome(byte[]? Payload, string? ErrorType, string? ErrorMessage, byte[]? ErrorBody, string? HeaderErrorType)
{
    public bool IsError => ErrorType is not null;

    public string PayloadText => Payload is null ? "" : Encoding.UTF8.GetString(Payload);

    public static InvocationOutcome Succeeded(byte[] payload) => new(payload, null, null, null, null);

    public static InvocationOutcome Failed(string type, string message, byte[]? body = null, string? headerType = null) =>
        new(null, type, message, body ?? JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["errorMessage"] = message, ["errorType"] = type, ["stackTrace"] = Array.Empty<string>() }), headerType);
}

public sealed record RuntimeError(string ErrorType, string ErrorMessage, string? HeaderErrorType);

public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);
