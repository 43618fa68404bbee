using System.Collections.Concurrent;
using System.Diagnostics;
using LeaseManager.Hosting;

namespace LocalPeers;

/// <summary>What Lambda knows about a function: how to start its runtime and with which environment.</summary>
public sealed record FunctionDefinition
{
    public required string Name { get; init; }

    /// <summary>A <c>bootstrap</c> executable, or a <c>.dll</c> run as the managed runtime's executable mode does (<c>dotnet x.dll</c>).</summary>
    public required string Command { get; init; }

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public int TimeoutSeconds { get; init; } = 10;

    public int MemorySizeMb { get; init; } = 256;

    public string Region { get; init; } = "us-east-1";

    public string Arn => $"arn:aws:lambda:{Region}:000000000000:function:{Name}";
}

/// <summary>
/// One execution environment: a Runtime API endpoint and the runtime process serving it, started on
/// first use (a cold start), reused while it lives, replaced after a crash or timeout, as Lambda does.
/// </summary>
public sealed class ExecutionEnvironment : IAsyncDisposable
{
    private readonly FunctionDefinition _function;
    private readonly SemaphoreSlim _busy = new(1, 1);
    private RuntimeApiServer? _server;
    private Process? _process;

    public ExecutionEnvironment(FunctionDefinition function, int index)
    {
        _function = function;
        Index = index;
    }

    public int Index { get; }

    public int ColdStarts { get; private set; }

    public int Invocations { get; private set; }

    /// <summary>Time from process start to the runtime's first <c>next</c>, for each cold start.</summary>
    public ConcurrentQueue<TimeSpan> InitDurations { get; } = new();

    /// <summary>Every line the runtime wrote to stdout (logs, EMF) and stderr.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    public RuntimeApiServer? Server => _server;

    public Process? Process => _process;

    public async Task<InvocationOutcome> InvokeAsync(byte[] payload, string? traceId = null, CancellationToken cancellationToken = default)
    {
        await _busy.WaitAsync(cancellationToken);
        try
        {
            Invocations++;
            if (_process is null || _process.HasExited)
            {
                await StartAsync();
            }

            var server = _server!;
            var process = _process!;
            var deadline = DateTimeOffset.UtcNow.AddSeconds(_function.TimeoutSeconds);
            var request = new InvocationRequest(Guid.NewGuid().ToString(), payload, deadline.ToUnixTimeMilliseconds(), _function.Arn, traceId ?? NewTraceHeader());
            var answer = server.Enqueue(request);
            var exited = process.WaitForExitAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(deadline - DateTimeOffset.UtcNow, timeout.Token);
            var first = await Task.WhenAny(answer, server.InitError, exited, timer);
            await timeout.CancelAsync();
            if (first == answer)
            {
                return await answer;
            }

            if (first == server.InitError)
            {
                var init = await server.InitError;
                await StopAsync();
                return InvocationOutcome.Failed(init.ErrorType, init.ErrorMessage, headerType: init.HeaderErrorType);
            }

            if (first == timer)
            {
                await StopAsync();
                // Lambda's own words for an invocation that ran past the function's timeout.
                return InvocationOutcome.Failed("Sandbox.Timedout", $"RequestId: {request.RequestId} Error: Task timed out after {_function.TimeoutSeconds:0.00} seconds");
            }

            await Task.Delay(50, CancellationToken.None); // let an in-flight answer land before declaring a crash
            if (answer.IsCompleted)
            {
                return await answer;
            }

            var code = process.ExitCode;
            await StopAsync();
            return InvocationOutcome.Failed("Runtime.ExitError", $"RequestId: {request.RequestId} Error: Runtime exited with error: exit status {code}");
        }
        finally
        {
            _busy.Release();
        }
    }

    /// <summary>Starts the runtime and waits until it asks for work (or fails init); returns the init time.</summary>
    public async Task<TimeSpan> StartAsync()
    {
        await StopAsync();
        _server = new RuntimeApiServer();
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(_function.Command)) ?? ".",
        };
        if (_function.Command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = "dotnet";
            start.ArgumentList.Add(Path.GetFullPath(_function.Command));
        }
        else
        {
            start.FileName = Path.GetFullPath(_function.Command);
        }

        var env = start.Environment;
        env[FunctionEnvironment.RuntimeApi] = _server.Address;
        env[FunctionEnvironment.FunctionName] = _function.Name;
        env[FunctionEnvironment.FunctionVersion] = "$LATEST";
        env[FunctionEnvironment.FunctionMemorySize] = _function.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
        env[FunctionEnvironment.Region] = _function.Region;
        env[FunctionEnvironment.DefaultRegion] = _function.Region;
        env["AWS_ACCESS_KEY_ID"] = env.TryGetValue("AWS_ACCESS_KEY_ID", out var key) && !string.IsNullOrEmpty(key) ? key : "local";
        env["AWS_SECRET_ACCESS_KEY"] = env.TryGetValue("AWS_SECRET_ACCESS_KEY", out var secret) && !string.IsNullOrEmpty(secret) ? secret : "local";
        env["AWS_EC2_METADATA_DISABLED"] = "true";
        env["DOTNET_ROLL_FORWARD"] = "Major";
        foreach (var (name, value) in _function.Environment)
        {
            if (value is null)
            {
                env.Remove(name);
            }
            else
            {
                env[name] = value;
            }
        }

        var clock = Stopwatch.StartNew();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Output.Enqueue("stderr: " + e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        ColdStarts++;

        await Task.WhenAny(_server.FirstNext, _server.InitError, process.WaitForExitAsync());
        var init = clock.Elapsed;
        if (_server.FirstNext.IsCompleted)
        {
            InitDurations.Enqueue(init);
        }

        return init;
    }

    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            process.Dispose();
            _process = null;
        }

        if (_server is { } server)
        {
            await server.DisposeAsync();
            _server = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _busy.Dispose();
    }

    private static string NewTraceHeader()
    {
        var epoch = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 12)).ToLowerInvariant();
        var parent = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 8)).ToLowerInvariant();
        return $"Root=1-{epoch}-{id};Parent={parent};Sampled=1";
    }
}
