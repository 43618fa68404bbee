using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;

namespace LeaseManager.Hosting;

/// <summary>
/// The bootstrap loop: take the next event, let the handler answer it, repeat. A failing invocation
/// is reported on its own <c>/error</c> path and never ends the loop. Knows nothing of leases: what
/// it adds to every invocation is the deadline, the cold start, the log scope and the error type.
/// </summary>
public sealed class LambdaHost
{
    /// <summary>Answer this long before Lambda's deadline, so the caller gets a typed, retryable error instead of a timeout.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(250);

    private readonly IRuntimeApiClient _runtime;
    private readonly IInvocationHandler _handler;
    private readonly StructuredLogger _logger;
    private readonly EmbeddedMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly string _errorMetric;
    private bool _coldStart = true;

    /// <param name="errorMetric">The metric counting failed invocations (the function's dashboards name it).</param>
    public LambdaHost(IRuntimeApiClient runtime, IInvocationHandler handler, StructuredLogger logger, EmbeddedMetrics metrics, string errorMetric, TimeProvider? clock = null)
    {
        _runtime = runtime;
        _handler = handler;
        _logger = logger;
        _metrics = metrics;
        _errorMetric = errorMetric;
        _clock = clock ?? TimeProvider.System;
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var invocation = await _runtime.NextAsync(stop).ConfigureAwait(false);
            await HandleAsync(invocation, stop).ConfigureAwait(false);
        }
    }

    public async Task HandleAsync(Invocation invocation, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var coldStart = _coldStart;
        _coldStart = false;

        // Downstream SDKs and Lambda's own tooling read the trace id from here.
        Environment.SetEnvironmentVariable(FunctionEnvironment.TraceId, invocation.TraceId);
        _logger.BeginInvocation(new InvocationScope(invocation.RequestId, invocation.FunctionArn, invocation.TraceId, coldStart));
        if (coldStart)
        {
            _metrics.EmitColdStart();
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            if (_logger.Settings.LogEvent)
            {
                _logger.Info("Invocation event", EventField(invocation.Payload));
            }

            // When the answer is due: Lambda's deadline less our margin (none without a deadline).
            long? answerBy = invocation.DeadlineMs == long.MaxValue ? null : invocation.DeadlineMs - (long)DeadlineMargin.TotalMilliseconds;
            using var deadline = new InvocationDeadline(answerBy, _clock, stop);
            byte[] response;
            try
            {
                response = await _handler.HandleAsync(invocation, answerBy, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                throw new TransientFailureException("The invocation ran out of time; retry later.", e);
            }

            await _runtime.RespondAsync(invocation.RequestId, response, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            await ReportAsync(invocation.RequestId, e, Stopwatch.GetElapsedTime(started), stop).ConfigureAwait(false);
        }
        finally
        {
            _metrics.AddProperty(LogField.Of("function_request_id", invocation.RequestId));
            _metrics.Flush();
            _logger.EndInvocation();
        }
    }

    private async Task ReportAsync(string requestId, Exception e, TimeSpan elapsed, CancellationToken stop)
    {
        // One closed set of answers: whatever failed, the caller sees a LeaseManager.* type it can
        // Retry or Catch. The .NET exception (type, message, stack) goes to the log only.
        var error = LeaseErrors.From(e);
        var type = error.ErrorType;
        _metrics.Add(_errorMetric, 1);
        _metrics.AddProperty(LogField.Of("error_type", type));
        var fields = new[] { LogField.Of("error_type", type), LogField.Of("duration_ms", (long)elapsed.TotalMilliseconds) };
        if (error is InvalidRequestException or LeaseUnavailableException or LeaseLostException)
        {
            // The caller's doing, answered as designed: nothing for an operator to fix.
            _logger.Warn(error.Message, null, fields);
        }
        else
        {
            // The original failure, not its contract wrapper: its type and stack are what a fix needs.
            _logger.Error(error.Message, ReferenceEquals(error, e) ? e.InnerException ?? e : e, fields);
        }

        try
        {
            await _runtime.ReportErrorAsync(requestId, new ErrorResponse(error.Message, type, []), stop).ConfigureAwait(false);
        }
        catch (HttpRequestException report)
        {
            _logger.Error("Could not report the invocation error to the Runtime API", report, LogField.Of("error_type", type));
        }
    }

    private static LogField EventField(ReadOnlyMemory<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return LogField.Json("event", document.RootElement.GetRawText());
        }
        catch (JsonException)
        {
            return LogField.Of("event", Encoding.UTF8.GetString(payload.Span));
        }
    }

    /// <summary>
    /// The token an invocation runs under: cancelled when the host stops or when the answer is due, on
    /// the host's clock (its timer too, so a test's clock fires it exactly when the test moves it there).
    /// </summary>
    private sealed class InvocationDeadline : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly ITimer? _timer;

        public InvocationDeadline(long? answerByMs, TimeProvider clock, CancellationToken stop)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (answerByMs is not { } answerBy)
            {
                return;
            }

            var left = TimeSpan.FromMilliseconds(answerBy - clock.GetUtcNow().ToUnixTimeMilliseconds());
            if (left > TimeSpan.Zero)
            {
                _timer = clock.CreateTimer(static state => ((InvocationDeadline)state!).Expire(), this, left, Timeout.InfiniteTimeSpan);
            }
            else
            {
                // Already too late: cancel now, so the handler starts no I/O (a timer due at once fires
                // later, on a timer thread, after the handler may have begun writing).
                _source.Cancel();
            }
        }

        public CancellationToken Token => _source.Token;

        public bool IsCancellationRequested => _source.IsCancellationRequested;

        public void Dispose()
        {
            _timer?.Dispose();
            _source.Dispose();
        }

        private void Expire()
        {
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The invocation ended just as its time ran out: nobody is left to cancel.
            }
        }
    }
}
