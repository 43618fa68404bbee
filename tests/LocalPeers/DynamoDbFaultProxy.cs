using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace LocalPeers;

/// <summary>One DynamoDB request passing the proxy: the operation (<c>X-Amz-Target</c> suffix), its JSON body, and its 1-based ordinal among requests of that operation.</summary>
public sealed record DynamoDbCall(string Operation, string Body, int Ordinal);

/// <summary>
/// A loopback HTTP proxy in front of a real DynamoDB (DynamoDB Local) that injects the faults a
/// network really has, so the engine is tested against them rather than against a mock:
/// <list type="bullet">
/// <item>an optional delay per request, with jitter (the latency model: one round trip vs two shows);</item>
/// <item><see cref="Hold"/>: a request waits (e.g. a first attempt's write still in flight) before it is forwarded;</item>
/// <item><see cref="LoseAnswer"/>: the request is forwarded and APPLIED, then the real answer is discarded and
/// the client gets HTTP 500 with a DynamoDB JSON error body, so the SDK retries a write that already happened.</item>
/// </list>
/// </summary>
public sealed class DynamoDbFaultProxy : LoopbackHttpServer
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Content-Length", "Content-Type", "Expect", "Keep-Alive", "Transfer-Encoding",
    };

    private readonly HttpClient _upstream;
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private int _answersLost;

    public DynamoDbFaultProxy(string upstreamEndpoint, int port = 0)
        : base(port)
    {
        _upstream = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(upstreamEndpoint),
            Timeout = TimeSpan.FromSeconds(30),
        };
        StartServing();
    }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Added to every request before it is forwarded.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Uniform extra delay in [0, Jitter) on top of <see cref="Delay"/>.</summary>
    public TimeSpan Jitter { get; set; }

    /// <summary>Awaited before forwarding; return a task that completes when the request may go on.</summary>
    public Func<DynamoDbCall, Task>? Hold { get; set; }

    /// <summary>Decides, per request, to apply it and then answer 500 instead of the real answer.</summary>
    public Func<DynamoDbCall, bool>? LoseAnswer { get; set; }

    /// <summary>How many applied requests were answered with an injected 500.</summary>
    public int AnswersLost => Volatile.Read(ref _answersLost);

    /// <summary>
    /// Loses the answer of every <paramref name="n"/>th request of <paramref name="operation"/> (the
    /// request is applied), but never twice for the same request body: the SDK's retry of a lost answer
    /// is answered for real, as on a network that dropped one answer.
    /// </summary>
    public static Func<DynamoDbCall, bool> EveryNth(string operation, int n)
    {
        var lost = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        return call => call.Operation == operation && call.Ordinal % n == 0 && lost.TryAdd(call.Body, 0);
    }

    /// <summary>
    /// Loses the answer to the first try of every request of <paramref name="operations"/>: the SDK's
    /// retry resends the identical body, and that one is answered for real.
    /// </summary>
    public static Func<DynamoDbCall, bool> FirstTryOf(params string[] operations)
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        return call => operations.Contains(call.Operation, StringComparer.Ordinal) && seen.TryAdd(call.Body, 0);
    }

    /// <summary>A client that talks to DynamoDB through this proxy, with the SDK's normal retries.</summary>
    public AmazonDynamoDBClient CreateClient(int maxErrorRetry = 3, HttpClientFactory? httpClientFactory = null)
    {
        var config = new AmazonDynamoDBConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1", MaxErrorRetry = maxErrorRetry, Timeout = TimeSpan.FromSeconds(30) };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _upstream.Dispose();
    }

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, Stopping);
            var bytes = body.ToArray();
            var target = context.Request.Headers["X-Amz-Target"] ?? "unknown";
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            int ordinal;
            lock (_ordinals)
            {
                ordinal = _ordinals[operation] = _ordinals.GetValueOrDefault(operation) + 1;
            }

            var call = new DynamoDbCall(operation, Encoding.UTF8.GetString(bytes), ordinal);
            var wait = Delay + (Jitter > TimeSpan.Zero ? TimeSpan.FromTicks(Random.Shared.NextInt64(Jitter.Ticks)) : TimeSpan.Zero);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, Stopping);
            }

            if (Hold is { } hold)
            {
                await hold(call).WaitAsync(Stopping);
            }

            using var forward = new HttpRequestMessage(HttpMethod.Post, context.Request.Url!.PathAndQuery) { Content = new ByteArrayContent(bytes) };
            foreach (var name in context.Request.Headers.AllKeys)
            {
                if (name is not null && !HopHeaders.Contains(name))
                {
                    forward.Headers.TryAddWithoutValidation(name, context.Request.Headers.GetValues(name) ?? []);
                }
            }

            forward.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType ?? "application/x-amz-json-1.0");
            using var answer = await _upstream.SendAsync(forward, Stopping);
            var answerBody = await answer.Content.ReadAsByteArrayAsync(Stopping);

            if (LoseAnswer?.Invoke(call) == true)
            {
                // The write happened upstream; the client only learns "internal error" and retries it.
                Interlocked.Increment(ref _answersLost);
                await WriteAsync(response, 500, """{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Injected: the answer was lost after the request was applied"}"""u8.ToArray(), "application/x-amz-json-1.0");
                return;
            }

            foreach (var header in answer.Headers)
            {
                if (!HopHeaders.Contains(header.Key))
                {
                    response.Headers[header.Key] = string.Join(",", header.Value);
                }
            }

            await WriteAsync(response, (int)answer.StatusCode, answerBody, answer.Content.Headers.ContentType?.ToString() ?? "application/x-amz-json-1.0");
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or HttpListenerException or IOException)
        {
            try
            {
                response.Abort();
            }
            catch (ObjectDisposedException)
            {
                // Already closed.
            }
        }
    }
}
