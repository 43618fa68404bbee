using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LeaseManager.Hosting.Client;

/// <summary>
/// HTTP client of the Lambda Runtime API. <c>next</c> is a long poll that may block for as long as the
/// environment is frozen, so the client has no timeout of its own.
/// </summary>
public sealed class RuntimeApiClient : IRuntimeApiClient, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    public RuntimeApiClient(string runtimeApi)
    {
        ArgumentException.ThrowIfNullOrEmpty(runtimeApi);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://{runtimeApi}/2018-06-01/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var headers = response.Headers;
        var requestId = Header(headers, RuntimeApiHeaders.RequestId)
            ?? throw new InvalidOperationException($"The Runtime API sent an invocation without {RuntimeApiHeaders.RequestId}.");
        var deadline = long.TryParse(Header(headers, RuntimeApiHeaders.DeadlineMs), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : long.MaxValue;
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new Invocation(requestId, deadline, Header(headers, RuntimeApiHeaders.InvokedFunctionArn) ?? "", Header(headers, RuntimeApiHeaders.TraceId), payload);
    }

    public async Task RespondAsync(string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync(new Uri($"invocation/{Uri.EscapeDataString(requestId)}/response", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public Task ReportErrorAsync(string requestId, ErrorResponse failure, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", failure, cancellationToken);

    public Task ReportInitErrorAsync(ErrorResponse failure, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", failure, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task PostErrorAsync(string path, ErrorResponse failure, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(failure, RuntimeErrorJson.Default.ErrorResponse));
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.TryAddWithoutValidation(RuntimeApiHeaders.FunctionErrorType, failure.ErrorType);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
