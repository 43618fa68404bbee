using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>The JSON contract over a <see cref="LeasePool"/>: a parsed command in, a typed answer out; failures leave as <see cref="LeaseException"/>s.</summary>
/// <param name="pool">The pool every action works on.</param>
/// <param name="clock">The clock invocations are timed by; tests pass a manual one.</param>
/// <param name="adminActions">Serve the operator's actions (the module's admin function only); otherwise they are refused.</param>
public sealed class LeaseFunction(LeasePool pool, TimeProvider? clock = null, bool adminActions = false)
{
    /// <summary>Time kept back from the invocation's own deadline for a reclaim's second sweep.</summary>
    public static readonly TimeSpan SweepBudget = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public LeasePool Pool { get; } = pool;

    /// <summary>
    /// The whole contract in process: event bytes in, answer bytes out, failures thrown as
    /// <see cref="LeaseException"/>s. The stable entry point of tests that drive the JSON contract.
    /// </summary>
    public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        var answer = await HandleAsync(LeaseRequestParser.Parse(payload), null, cancellationToken).ConfigureAwait(false);
        return answer.ToUtf8Json();
    }

    /// <param name="deadlineMs">When the answer is due (epoch ms), if known: bounds a reclaim's wait for late acquires.</param>
    public async Task<LeaseAnswer> HandleAsync(LeaseCommand command, long? deadlineMs = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);

        // Before any I/O: when this acquire was asked for. A reclaim of the owner releases only leases
        // asked for before the execution's end, never a redriven execution's new one.
        var startedAt = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        switch (command)
        {
            case AcquireCommand acquire:
                var outcome = await Pool.AcquireAsync(acquire.Request with { RequestedAtMs = acquire.Request.RequestedAtMs ?? startedAt }, cancellationToken).ConfigureAwait(false);
                return outcome is { Status: AcquireStatus.Acquired, Lease: { } lease }
                    ? new LeaseAcquired(lease, outcome.CurrentRunning, outcome.MaxConcurrentLeases, outcome.ReclaimedExpired)
                    : new LeaseWait(outcome.CurrentRunning, outcome.MaxConcurrentLeases, outcome.LimitedBy ?? LeaseLimit.Pool);
            case ReleaseCommand release:
                var released = await Pool.ReleaseAsync(release.LeaseId, cancellationToken).ConfigureAwait(false);
                return new LeaseReleased(released.LeaseId, released.Released);
            case RenewCommand renew:
                var renewed = await Pool.RenewAsync(renew.LeaseId, renew.LeaseDurationSeconds, cancellationToken).ConfigureAwait(false);
                return new LeaseRenewed(renewed.LeaseId, renewed.ExpiresAtEpochSeconds);
            case ReclaimCommand reclaim:
                var reclaimed = await Pool.ReclaimAsync(reclaim.OwnerId, reclaim.EndedAtMs ?? startedAt, SettleUntil(reclaim, deadlineMs), cancellationToken).ConfigureAwait(false);
                return new LeasesReclaimed(reclaimed.OwnerId, reclaim.ExecutionStatus, reclaimed.ReleasedLeaseIds, reclaimed.Sweeps);
            case WaitCommand wait:
                var waited = await Pool.WaitAsync(wait.Request with { RequestedAtMs = wait.Request.RequestedAtMs ?? startedAt }, cancellationToken).ConfigureAwait(false);
                return new LeaseQueued(waited.Status, waited.Lease);
            case SweepCommand:
                // The scheduled sweep also reports the pool's gauges (held, waiting, oldest wait) for
                // the dashboard and the oldest-waiter alarm: one more read, once per schedule period.
                var swept = await Pool.SweepAsync(cancellationToken).ConfigureAwait(false);
                var after = await Pool.GetStatusAsync(0, cancellationToken).ConfigureAwait(false);
                return new LeasesSwept(swept.ExpiredSlots, swept.HandedOff, swept.WaitersGone, after.HeldCount, after.Limit, after.WaitingCount, after.OldestWaitMs);
            case AdminCommand admin when !adminActions:
                throw new InvalidRequestException(
                    $"'{admin.Action}' is an operator action, served only by the module's admin function (output admin_function_name, invoked with the admin_permissions policy).");
            case StatusCommand status:
                return new PoolStatusReported(await Pool.GetStatusAsync(status.MaxEntries, cancellationToken).ConfigureAwait(false));
            case ForceReleaseCommand { LeaseId: { } leaseId } byLease:
                return new LeasesForceReleased((await Pool.ForceReleaseAsync(leaseId, cancellationToken).ConfigureAwait(false)).ReleasedLeaseIds, byLease.RequestedBy);
            case ForceReleaseCommand byOwner:
                var freed = await Pool.ForceReleaseOwnerAsync(byOwner.OwnerId!, byOwner.ResourceId, cancellationToken).ConfigureAwait(false);
                return new LeasesForceReleased(freed.ReleasedLeaseIds, byOwner.RequestedBy);
            case SetLimitCommand { ConcurrencyKey: { } key } setKeyLimit:
                return new KeyLimitSet(await Pool.SetKeyLimitAsync(key, setKeyLimit.Limit, cancellationToken).ConfigureAwait(false), setKeyLimit.RequestedBy);
            case SetLimitCommand setLimit:
                return new LimitSet(await Pool.SetLimitAsync(setLimit.Limit, cancellationToken).ConfigureAwait(false), setLimit.RequestedBy);
            case IgnoredEventCommand ignored:
                return new ExecutionEventIgnored(ignored.OwnerId, ignored.ExecutionStatus);
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
