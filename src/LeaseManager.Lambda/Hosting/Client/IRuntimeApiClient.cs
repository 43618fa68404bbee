
namespace LeaseManager.Hosting.Client;

/// <summary>The calls a runtime makes to Lambda's Runtime API.</summary>
public interface IRuntimeApiClient
{
    Task<Invocation> NextAsync(CancellationToken cancellationToken);

    Task RespondAsync(string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    Task ReportErrorAsync(string requestId, ErrorResponse failure, CancellationToken cancellationToken);

    Task ReportInitErrorAsync(ErrorResponse failure, CancellationToken cancellationToken);
}
