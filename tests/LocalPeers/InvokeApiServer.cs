using System.Net;
using System.Text;
using System.Text.Json;

namespace LocalPeers;

/// <summary>
/// Lambda's Invoke API on loopback (<c>POST /2015-03-31/functions/{name}/invocations</c>, synchronous
/// RequestResponse), answering as Lambda does: the payload with 200, and for a function error the
/// error document with <c>X-Amz-Function-Error: Unhandled</c>. <c>GET /local/stats</c> reports
/// environments, cold starts and invocations per function.
/// </summary>
public sealed class InvokeApiServer : LoopbackHttpServer
{
    private readonly IReadOnlyDictionary<string, FunctionPool> _functions;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentQueue<(string Type, string Message)>> _faults = new(StringComparer.Ordinal);

    public InvokeApiServer(IReadOnlyDictionary<string, FunctionPool> functions, int port = 0)
        : base(port)
    {
        _functions = functions;
        StartServing();
    }

    public string Url => $"http://127.0.0.1:{Port}";

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var segments = (context.Request.Url?.AbsolutePath ?? "").Trim('/').Split('/');
            if (context.Request.HttpMethod == "GET" && segments is ["local", "stats"])
            {
                var stats = _functions.ToDictionary(f => f.Key, f => new Dictionary<string, int>
                {
                    ["environments"] = f.Value.Environments,
                    ["cold_starts"] = f.Value.ColdStarts,
                    ["invocations"] = f.Value.Invocations,
                });
                await WriteAsync(response, 200, JsonSerializer.SerializeToUtf8Bytes(stats));
                return;
            }

            if (context.Request.HttpMethod == "POST" && segments is ["local", "faults"])
            {
                using var fault = await JsonDocument.ParseAsync(context.Request.InputStream);
                var target = fault.RootElement.GetProperty("function").GetString()!;
                var queue = _faults.GetOrAdd(target, _ => new());
                var count = fault.RootElement.TryGetProperty("count", out var c) ? c.GetInt32() : 1;
                for (var i = 0; i < count; i++)
                {
                    queue.Enqueue((fault.RootElement.GetProperty("errorType").GetString()!, fault.RootElement.TryGetProperty("errorMessage", out var m) ? m.GetString() ?? "" : "Injected fault"));
                }

                await WriteAsync(response, 202, """{"status":"OK"}"""u8.ToArray());
                return;
            }

            if (context.Request.HttpMethod != "POST" || segments is not ["2015-03-31", "functions", var name, "invocations"])
            {
                await WriteAsync(response, 404, """{"Type":"User","message":"Unknown operation"}"""u8.ToArray());
                return;
            }

            // A function may be named by ARN, as state machines do.
            name = Uri.UnescapeDataString(name);
            var key = name.Contains(':', StringComparison.Ordinal) ? name[(name.LastIndexOf(":function:", StringComparison.Ordinal) + 10)..].Split(':')[0] : name;
            if (!_functions.TryGetValue(key, out var pool))
            {
                await WriteAsync(response, 404, Encoding.UTF8.GetBytes($$"""{"Type":"User","message":"Function not found: {{key}}"}"""));
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var outcome = _faults.TryGetValue(key, out var pending) && pending.TryDequeue(out var injected)
                ? InvocationOutcome.Failed(injected.Type, injected.Message)
                : await pool.InvokeAsync(body.ToArray(), context.Request.Headers["X-Amzn-Trace-Id"]);
            response.Headers["X-Amz-Executed-Version"] = "$LATEST";
            if (outcome.IsError)
            {
                response.Headers["X-Amz-Function-Error"] = "Unhandled";
                await WriteAsync(response, 200, outcome.ErrorBody ?? []);
            }
            else
            {
                await WriteAsync(response, 200, outcome.Payload ?? []);
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // Caller went away.
        }
    }
}
