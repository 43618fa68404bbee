using System.Net;

namespace LocalPeers;

/// <summary>
/// An HTTP server on a loopback port that hands every request to <see cref="HandleAsync"/> on its
/// own task. Shared by the Runtime API and Invoke API servers.
/// </summary>
public abstract class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private Task? _serving;

    protected LoopbackHttpServer(int port = 0)
    {
        // A free port is found by binding port 0 and letting it go, so two servers started at once
        // (tests run in parallel) can be told the same one: the second Start fails, and tries another.
        for (var attempt = 1; ; attempt++)
        {
            Port = port == 0 ? FreePort() : port;
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                listener.Start();
                _listener = listener;
                return;
            }
            catch (HttpListenerException) when (port == 0 && attempt < 10)
            {
                listener.Close();
            }
        }
    }

    public int Port { get; }

    protected CancellationToken Stopping => _stop.Token;

    public virtual async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        OnStopping();
        _listener.Close();
        try
        {
            if (_serving is not null)
            {
                await _serving;
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
            // Closing the listener ends the accept loop.
        }

        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    public static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>Starts accepting; call once the derived server is fully constructed.</summary>
    protected void StartServing() => _serving = Task.Run(ServeAsync);

    protected abstract Task HandleAsync(HttpListenerContext context);

    /// <summary>Runs before the listener closes (fail pending work, wake waiters).</summary>
    protected virtual void OnStopping()
    {
    }

    protected static async Task WriteAsync(HttpListenerResponse response, int status, byte[] body, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }
}
