using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>The Lambda's handler: payload in, payload out; failures leave as <see cref="LeaseException"/>s.</summary>
public sealed class LeaseFunction(LeasePool pool)
{
    public LeasePool Pool { get; } = pool;

    public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var result = await HandleAsync(LeaseRequestParser.Parse(payload), cancellationToken).ConfigureAwait(false);
        return Serialize(result.Response);
    }

    public static byte[] Serialize(LeaseResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Status switch
        {
            LeaseResponse.ReleasedStatus => JsonSerializer.SerializeToUtf8Bytes(
                new ReleaseAnswer(response.Status, response.LeaseId, response.Released), ContractJson.Default.ReleaseAnswer),
            LeaseResponse.Renewed => JsonSerializer.SerializeToUtf8Bytes(
                new RenewAnswer(response.Status, response.LeaseId, response.LeaseExpiresAt), ContractJson.Default.RenewAnswer),
            _ => JsonSerializer.SerializeToUtf8Bytes(
                new AcquireAnswer(response.Status, response.LeaseId, response.LeaseExpiresAt, response.CurrentRunning, response.MaxConcurrentLeases), ContractJson.Default.AcquireAnswer),
        };
    }

    public async Task<LeaseResult> HandleAsync(LeaseCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        switch (command)
        {
            case AcquireCommand acquire:
                var outcome = await Pool.AcquireAsync(acquire.Request, cancellationToken).ConfigureAwait(false);
                return new LeaseResult(new LeaseResponse
                {
                    Status = outcome.Status == AcquireStatus.Acquired ? LeaseResponse.Acquired : LeaseResponse.Wait,
                    LeaseId = outcome.Lease?.LeaseId,
                    LeaseExpiresAt = outcome.Lease?.ExpiresAtEpochSeconds,
                    CurrentRunning = outcome.CurrentRunning,
                    MaxConcurrentLeases = outcome.MaxConcurrentLeases,
                }, outcome.ReclaimedExpired);
            case ReleaseCommand release:
                var released = await Pool.ReleaseAsync(release.LeaseId, cancellationToken).ConfigureAwait(false);
                return new LeaseResult(new LeaseResponse { Status = LeaseResponse.ReleasedStatus, LeaseId = released.LeaseId, Released = released.Released });
            case RenewCommand renew:
                var renewed = await Pool.RenewAsync(renew.LeaseId, renew.LeaseDurationSeconds, cancellationToken).ConfigureAwait(false);
                return new LeaseResult(new LeaseResponse { Status = LeaseResponse.Renewed, LeaseId = renewed.LeaseId, LeaseExpiresAt = renewed.ExpiresAtEpochSeconds });
            default:
                throw new InvalidRequestException($"Unsupported action '{command.Action}'.");
        }
    }
}

/// <summary>The answer plus what observability needs that the answer does not carry.</summary>
public sealed record LeaseResult(LeaseResponse Response, bool ReclaimedExpired = false);
