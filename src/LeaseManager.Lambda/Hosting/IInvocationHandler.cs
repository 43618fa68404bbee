using LeaseManager.Hosting.Client;

namespace LeaseManager.Hosting;

/// <summary>
/// What the bootstrap loop runs for each event. The host owns the deadline, cold start, error typing
/// and the per-invocation log scope; a handler owns its payloads and its own metrics and log fields.
/// </summary>
public interface IInvocationHandler
{
    /// <param name="answerByMs">When the answer is due (epoch ms): Lambda's deadline less the host's margin; null without a deadline.</param>
    /// <param name="cancellationToken">Fires at <paramref name="answerByMs"/> or when the host stops.</param>
    /// <returns>The response payload.</returns>
    Task<byte[]> HandleAsync(Invocation invocation, long? answerByMs, CancellationToken cancellationToken);
}
