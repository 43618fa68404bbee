using System.Diagnostics;
using LeaseManager.Hosting;
using LeaseManager.Hosting.Client;
using LeaseManager.Observability;

namespace LeaseManager.Contract;

/// <summary>
/// The lease contract as the host's handler: parse the event, answer it with <see cref="LeaseFunction"/>,
/// and record what the typed answer means (its metrics and log line). Failures leave as exceptions for
/// the host to type.
/// </summary>
public sealed class LeaseHandler(LeaseFunction function, StructuredLogger logger, EmbeddedMetrics metrics) : IInvocationHandler
{
    public LeaseFunction Function { get; } = function;

    public async Task<byte[]> HandleAsync(Invocation invocation, long? answerByMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var started = Stopwatch.GetTimestamp();
        var pool = LogField.Of("pool", Function.Pool.Options.LeasePrefix);
        var command = LeaseRequestParser.Parse(invocation.Payload);

        // On this invocation's every line and metric document, the host's error line included.
        var action = LogField.Of("action", command.Action);
        logger.AppendKey(action);
        metrics.AddProperty(action);
        metrics.AddProperty(pool);

        var answer = await Function.HandleAsync(command, answerByMs, cancellationToken).ConfigureAwait(false);
        foreach (var (metric, value) in LeaseObservation.Metrics(answer))
        {
            metrics.Add(metric, value);
        }

        logger.Info(
            $"{command.Action}: {answer.Status}",
            [.. LeaseObservation.Fields(answer), pool, LogField.Of("duration_ms", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)]);
        return answer.ToUtf8Json();
    }
}
