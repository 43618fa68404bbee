using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LeaseManager.Contract;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;

namespace LeaseManager.Hosting;

/// <summary>
/// The bootstrap loop: take the next event, answer it, repeat. A failing invocation is reported on
/// its own <c>/error</c> path and never ends the loop.
/// </summary>
public sealed class LambdaHost
{
    /// <summary>Answer this long before Lambda's deadline, so the caller gets a typed, retryable error instead of a timeout.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(250);

    private readonly IRuntimeApiClient _runtime;
    private readonly LeaseFunction _function;
    private readonly StructuredLogger _logger;
    private readonly EmbeddedMetrics _metrics;
    private readonly TimeProvider _clock;
    private bool _coldStart = true;

    public LambdaHost(IRuntimeApiClient runtime, LeaseFunction function, StructuredLogger logger, EmbeddedMetrics metrics, TimeProvider? clock = null)
    {
        _runtime = runtime;
        _function = function;
        _logger = logger;
        _metrics = metrics;
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
        Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);
        _logger.BeginInvocation(new InvocationScope(invocation.RequestId, invocation.FunctionArn, invocation.TraceId, coldStart));
        if (coldStart)
        {
            _metrics.EmitColdStart();
        }

        var started = Stopwatch.GetTimestamp();
        string action = "unknown";
        try
        {
            if (_logger.Settings.LogEvent)
            {
                _logger.Info("Invocation event", EventField(invocation.Payload));
            }

            // When the answer is due: Lambda's deadline less our margin (none without a deadline).
            long? answerBy = invocation.DeadlineMs == long.MaxValue ? null : invocation.DeadlineMs - (long)DeadlineMargin.TotalMilliseconds;
            using var deadline = DeadlineToken(answerBy, stop);
            LeaseResult result;
            try
            {
                var command = LeaseRequestParser.Parse(invocation.Payload);
                action = command.Action;
                result = await _function.HandleAsync(command, answerBy, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !stop.IsCancellationRequested)
            {
                throw new TransientFailureException("The invocation ran out of time waiting for DynamoDB; retry later.", e);
            }

            await _runtime.RespondAsync(invocation.RequestId, LeaseFunction.Serialize(result.Response), stop).ConfigureAwait(false);
            Record(action, result, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            await ReportAsync(invocation.RequestId, action, e, Stopwatch.GetElapsedTime(started), stop).ConfigureAwait(false);
        }
        finally
        {
            _metrics.AddProperty(LogField.Of("function_request_id", invocation.RequestId));
            _metrics.Flush();
            _logger.EndInvocation();
        }
    }

    private void Record(string action, LeaseResult result, TimeSpan elapsed)
    {
        var response = result.Response;
        switch (response.Status)
        {
            case LeaseResponse.Acquired:
                _metrics.Add(LeaseMetrics.Acquired, 1);
                if (result.ReclaimedExpired)
                {
                    _metrics.Add(LeaseMetrics.ReclaimedExpired, 1);
                }

                break;
            case LeaseResponse.Wait:
                _metrics.Add(LeaseMetrics.Wait, 1);
                break;
            case LeaseResponse.ReleasedStatus:
                _metrics.Add(LeaseMetrics.Released, response.Released == true ? 1 : 0);
                break;
            case LeaseResponse.Renewed:
                _metrics.Add(LeaseMetrics.Renewed, 1);
                break;
            case LeaseResponse.Reclaimed:
                _metrics.Add(LeaseMetrics.ReclaimedAfterEnd, response.LeaseIds?.Count ?? 0);
                break;
        }

        if (response.CurrentRunning is { } running)
        {
            _metrics.Add(LeaseMetrics.ActiveLeases, running);
        }

        _metrics.AddProperty(LogField.Of("pool", _function.Pool.Options.LeasePrefix));
        _metrics.AddProperty(LogField.Of("action", action));
        _logger.Info(
            $"{action}: {response.Status}",
            LogField.Of("action", action),
            LogField.Of("status", response.Status),
            LogField.Of("lease_id", response.LeaseId),
            LogField.Of("lease_expires_at", response.LeaseExpiresAt),
            LogField.Of("current_running", (long?)response.CurrentRunning),
            LogField.Of("max_concurrent_leases", (long?)response.MaxConcurrentLeases),
            LogField.Of("released", response.Released),
            LogField.Of("owner_id", response.OwnerId),
            LogField.Of("execution_status", response.ExecutionStatus),
            LogField.Of("released_count", response.LeaseIds is { } ids ? ids.Count : null),
            LogField.Of("sweeps", (long?)response.Sweeps),
            LogField.Of("reclaimed_expired", result.ReclaimedExpired ? true : null),
            LogField.Of("pool", _function.Pool.Options.LeasePrefix),
            LogField.Of("duration_ms", (long)elapsed.TotalMilliseconds));
    }

    private async Task ReportAsync(string requestId, string action, Exception e, TimeSpan elapsed, CancellationToken stop)
    {
        // One closed set of answers: whatever failed, the caller sees a LeaseManager.* type it can
        // Retry or Catch. The .NET exception (type, message, stack) goes to the log only.
        var error = LeaseErrors.From(e);
        var type = error.ErrorType;
        var expected = error is InvalidRequestException or LeaseUnavailableException or LeaseLostException;
        _metrics.Add(LeaseMetrics.Errors, 1);
        _metrics.AddProperty(LogField.Of("error_type", type));
        _metrics.AddProperty(LogField.Of("action", action));
        var fields = new[] { LogField.Of("action", action), LogField.Of("error_type", type), LogField.Of("duration_ms", (long)elapsed.TotalMilliseconds) };
        if (expected)
        {
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

    private CancellationTokenSource DeadlineToken(long? answerByMs, CancellationToken stop)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (answerByMs is { } answerBy)
        {
            var left = TimeSpan.FromMilliseconds(answerBy - _clock.GetUtcNow().ToUnixTimeMilliseconds());
            source.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        return source;
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
}
