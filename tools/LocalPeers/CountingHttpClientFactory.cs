using System.Collections.Concurrent;
using Amazon.Runtime;

namespace LocalPeers;

/// <summary>
/// Counts the DynamoDB requests that really leave the process, by operation (<c>X-Amz-Target</c>),
/// including the SDK's own retries. Tests assert round trips with it, so a regression shows.
/// </summary>
public sealed class CountingHttpClientFactory : HttpClientFactory
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

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
            return base.SendAsync(request, cancellationToken);
        }
    }
}
