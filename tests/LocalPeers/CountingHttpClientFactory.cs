using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Amazon.Runtime;

namespace LocalPeers;

/// <summary>
/// Counts the DynamoDB requests that really leave the process, by operation (<c>X-Amz-Target</c>),
/// including the SDK's own retries. Tests assert round trips with it, so a regression shows.
/// </summary>
public sealed class CountingHttpClientFactory : HttpClientFactory
{
    private static readonly AsyncLocal<StrongBox<int>?> CurrentScope = new();
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    /// <summary>
    /// Counts the requests made by the calling flow from here on (it flows through awaits into the
    /// HTTP handler), so concurrent callers sharing one client can each count their own calls.
    /// </summary>
    public static StrongBox<int> BeginScope() => CurrentScope.Value = new StrongBox<int>(0);

    public int Total => _calls.Values.Sum();

    public int Count(string operation) => _calls.TryGetValue(operation, out var n) ? n : 0;

    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_calls);

    public void Reset() => _calls.Clear();

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new CountingHandler(this) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } });

    private sealed class CountingHandler(CountingHttpClientFactory owner) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "unknown";
            var operation = target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..];
            owner._calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
            if (CurrentScope.Value is { } scope)
            {
                Interlocked.Increment(ref scope.Value);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
