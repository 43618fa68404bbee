using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>The Lambda's handler: payload in, payload out; failures leave as <see cref="LeaseException"/>s.</summary>
public sealed class LeaseFunction(LeasePool pool, TimeProvider? clock = null)
{
    /// <summary>Time kept back from the invocation's own deadline for a reclaim's second sweep.</summary>
    public static readonly TimeSpan SweepBudget = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public LeasePool Pool { get; } = pool;

    public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var result = await HandleAsync(LeaseRequestParser.Parse(payload), null, cancellationToken).ConfigureAwait(false);
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
            LeaseResponse.Reclaimed or LeaseResponse.Ignored => JsonSerializer.SerializeToUtf8Bytes(
                new ReclaimAnswer(response.Status, response.OwnerId, response.ExecutionStatus, response.LeaseIds?.Count ?? 0, response.LeaseIds ?? [], response.Sweeps ?? 0),
                ContractJson.Default.ReclaimAnswer),
            _ => JsonSerializer.SerializeToUtf8Bytes(
                new AcquireAnswer(response.Status, response.LeaseId, response.LeaseExpiresAt, response.CurrentRunning, response.MaxConcurrentLeases), ContractJson.Default.AcquireAnswer),
        };
    }

    /// <param name="deadlineMs">When the answer is due (epoch ms), if known: bounds a reclaim's wait for late acquires.</param>
    public async Task<LeaseResult> HandleAsync(LeaseCommand command, long? deadlineMs = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);

        // Before any I/O: when this acquire was asked for. A reclaim of the owner releases only leases
        // asked for before the execution's end, never a redriven execution's new one.
        var startedAt = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        switch (command)
        {
            case AcquireCommand acquire:
                var outcome = await Pool.AcquireAsync(acquire.Request with { RequestedAtMs = acquire.Request.RequestedAtMs ?? startedAt }, cancellationToken).ConfigureAwait(false);
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
            case ReclaimCommand reclaim:
                var reclaimed = await Pool.ReclaimAsync(reclaim.OwnerId, reclaim.EndedAtMs ?? startedAt, SettleUntil(reclaim, deadlineMs), cancellationToken).ConfigureAwait(false);
                return new LeaseResult(new LeaseResponse
                {
                    Status = LeaseResponse.Reclaimed,
                    OwnerId = reclaimed.OwnerId,
                    ExecutionStatus = reclaim.ExecutionStatus,
                    LeaseIds = reclaimed.ReleasedLeaseIds,
                    Sweeps = reclaimed.Sweeps,
                });
            case IgnoredEventCommand ignored:
                return new LeaseResult(new LeaseResponse
                {
                    Status = LeaseResponse.Ignored,
                    OwnerId = ignored.OwnerId,
                    ExecutionStatus = ignored.ExecutionStatus,
                    LeaseIds = [],
                    Sweeps = 0,
                });
            default:
                throw new InvalidRequestException($"Unsupported action '{command.Action}'.");
        }
    }

    /// <summary>
    /// When to sweep a second time: once an acquire the execution started before it ended can no
    /// longer land (its end + the settle time, the function's timeout), but within this invocation.
    /// </summary>
    private long? SettleUntil(ReclaimCommand reclaim, long? deadlineMs)
    {
        if (reclaim.EndedAtMs is not { } ended || Pool.Options.ReclaimSettleSeconds == 0)
        {
            return null;
        }

        var settle = ended + (1000L * Pool.Options.ReclaimSettleSeconds);
        if (deadlineMs is { } deadline)
        {
            settle = Math.Min(settle, deadline - (long)SweepBudget.TotalMilliseconds);
        }

        return settle > _clock.GetUtcNow().ToUnixTimeMilliseconds() ? settle : null;
    }
}

/// <summary>The answer plus what observability needs that the answer does not carry.</summary>
public sealed record LeaseResult(LeaseResponse Response, bool ReclaimedExpired = false);
