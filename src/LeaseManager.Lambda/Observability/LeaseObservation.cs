using LeaseManager.Contract;

namespace LeaseManager.Observability;

/// <summary>Metric names the lease handler emits (CloudWatch Embedded Metric Format).</summary>
public static class LeaseMetrics
{
    public const string Acquired = "LeaseAcquired";
    public const string Wait = "LeaseWait";
    public const string Released = "LeaseReleased";
    public const string Renewed = "LeaseRenewed";
    public const string ReclaimedExpired = "LeaseReclaimedExpired";
    public const string ReclaimedAfterEnd = "LeaseReclaimedAfterExecutionEnd";
    public const string Errors = "LeaseErrors";
    public const string ActiveLeases = "ActiveLeases";

    /// <summary>The pool's limit as the answering function applied it (a gauge beside <see cref="ActiveLeases"/>).</summary>
    public const string Limit = "LeaseLimit";

    public const string Queued = "LeaseQueued";
    public const string HandedOff = "LeaseHandedOff";
    public const string WaitersGone = "LeaseWaitersGone";

    /// <summary>An acquire that found its concurrency key full (the pool may have had room); its counts are the key's, so no pool gauge is emitted.</summary>
    public const string KeyBusy = "LeaseKeyBusy";

    /// <summary>Queued waiters (a gauge, from the scheduled sweep and <c>status</c>).</summary>
    public const string Waiters = "LeaseWaiters";

    /// <summary>How long the longest-waiting waiter has been queued, in seconds (a gauge, from the sweep and <c>status</c>; absent when nobody waits).</summary>
    public const string OldestWaiterAge = "LeaseOldestWaiterAgeSeconds";

    /// <summary>Leases released by an operator (<c>force_release</c>).</summary>
    public const string ForceReleased = "LeaseForceReleased";
}

/// <summary>What a typed answer means to an operator: its metrics and its log fields, by pattern match.</summary>
public static class LeaseObservation
{
    public static IEnumerable<(string Metric, double Value)> Metrics(LeaseAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        switch (answer)
        {
            case LeaseAcquired acquired:
                yield return (LeaseMetrics.Acquired, 1);
                if (acquired.ReclaimedExpired)
                {
                    yield return (LeaseMetrics.ReclaimedExpired, 1);
                }

                foreach (var gauge in AnswerGauges(acquired.CurrentRunning, acquired.MaxConcurrentLeases))
                {
                    yield return gauge;
                }

                break;
            case LeaseWait { LimitedBy: Leasing.LeaseLimit.Key }:
                yield return (LeaseMetrics.Wait, 1);
                yield return (LeaseMetrics.KeyBusy, 1);
                break;
            case LeaseWait wait:
                yield return (LeaseMetrics.Wait, 1);
                foreach (var gauge in AnswerGauges(wait.CurrentRunning, wait.MaxConcurrentLeases))
                {
                    yield return gauge;
                }

                break;
            case LeaseReleased released:
                yield return (LeaseMetrics.Released, released.Released ? 1 : 0);
                break;
            case LeaseRenewed:
                yield return (LeaseMetrics.Renewed, 1);
                break;
            case LeasesReclaimed reclaimed:
                yield return (LeaseMetrics.ReclaimedAfterEnd, reclaimed.LeaseIds.Count);
                break;
            case LeaseQueued queued:
                yield return (LeaseMetrics.Queued, queued.Outcome == Leasing.WaitStatus.Queued ? 1 : 0);
                break;
            case LeasesSwept swept:
                yield return (LeaseMetrics.HandedOff, swept.HandedOff);
                yield return (LeaseMetrics.WaitersGone, swept.WaitersGone);
                foreach (var gauge in Gauges(swept.Held, swept.Limit, swept.Waiting, swept.OldestWaitMs))
                {
                    yield return gauge;
                }

                break;
            case PoolStatusReported status:
                foreach (var gauge in Gauges(status.Pool.HeldCount, status.Pool.Limit, status.Pool.WaitingCount, status.Pool.OldestWaitMs))
                {
                    yield return gauge;
                }

                break;
            case LeasesForceReleased forced:
                yield return (LeaseMetrics.ForceReleased, forced.LeaseIds.Count);
                break;
            case LimitSet set:
                yield return (LeaseMetrics.Limit, set.Outcome.Limit);
                break;
        }
    }

    /// <summary>The pool's gauges an answer to an acquire carries: the leases running, where it knows them, and the limit it applied.</summary>
    private static IEnumerable<(string Metric, double Value)> AnswerGauges(int? running, int limit)
    {
        if (running is { } held)
        {
            yield return (LeaseMetrics.ActiveLeases, held);
        }

        yield return (LeaseMetrics.Limit, limit);
    }

    private static IEnumerable<(string Metric, double Value)> Gauges(int held, int limit, int waiting, long? oldestWaitMs)
    {
        yield return (LeaseMetrics.ActiveLeases, held);
        yield return (LeaseMetrics.Limit, limit);
        yield return (LeaseMetrics.Waiters, waiting);
        if (oldestWaitMs is { } oldest)
        {
            yield return (LeaseMetrics.OldestWaiterAge, oldest / 1000.0);
        }
    }

    /// <summary>The answer's own fields for its log line (a key that does not apply is left out).</summary>
    public static LogField[] Fields(LeaseAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        LogField[] specific = answer switch
        {
            LeaseAcquired a =>
            [
                LogField.Of("lease_id", a.Lease.LeaseId), LogField.Of("lease_expires_at", a.Lease.ExpiresAtEpochSeconds),
                LogField.Of("current_running", (long?)a.CurrentRunning), LogField.Of("max_concurrent_leases", (long?)a.MaxConcurrentLeases),
                LogField.Of("reclaimed_expired", a.ReclaimedExpired ? true : null),
            ],
            LeaseWait w => [LogField.Of("current_running", (long?)w.CurrentRunning), LogField.Of("max_concurrent_leases", (long?)w.MaxConcurrentLeases), LogField.Of("limited_by", w.LimitedByName)],
            LeaseReleased r => [LogField.Of("lease_id", r.LeaseId), LogField.Of("released", r.Released)],
            LeaseRenewed r => [LogField.Of("lease_id", r.LeaseId), LogField.Of("lease_expires_at", r.LeaseExpiresAt)],
            LeasesReclaimed r =>
            [
                LogField.Of("owner_id", r.OwnerId), LogField.Of("execution_status", r.ExecutionStatus),
                LogField.Of("released_count", (long?)r.LeaseIds.Count), LogField.Of("sweeps", (long?)r.Sweeps),
            ],
            LeaseQueued q => [LogField.Of("lease_id", q.Lease?.LeaseId)],
            LeasesSwept w =>
            [
                LogField.Of("expired_slots", (long?)w.ExpiredSlots), LogField.Of("handed_off", (long?)w.HandedOff), LogField.Of("waiters_gone", (long?)w.WaitersGone),
                LogField.Of("held", (long?)w.Held), LogField.Of("waiting", (long?)w.Waiting),
            ],
            PoolStatusReported p => [LogField.Of("held", (long?)p.Pool.HeldCount), LogField.Of("waiting", (long?)p.Pool.WaitingCount), LogField.Of("limit", (long?)p.Pool.Limit)],
            LeasesForceReleased f => [LogField.Of("requested_by", f.RequestedBy), LogField.Of("released_count", (long?)f.LeaseIds.Count), LogField.Of("lease_ids", string.Join(",", f.LeaseIds))],
            LimitSet l =>
            [
                LogField.Of("requested_by", l.RequestedBy), LogField.Of("limit", (long?)l.Outcome.Limit), LogField.Of("previous_limit", (long?)l.Outcome.PreviousLimit),
                LogField.Of("held", (long?)l.Outcome.HeldCount), LogField.Of("handed_off", (long?)l.Outcome.HandedOff),
            ],
            ExecutionEventIgnored i => [LogField.Of("owner_id", i.OwnerId), LogField.Of("execution_status", i.ExecutionStatus)],
            _ => [],
        };
        return [LogField.Of("status", answer.Status), .. specific];
    }
}
