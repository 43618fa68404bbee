using System.Text.Json.Serialization;
using LeaseManager.Leasing;

namespace LeaseManager.Cli;

/// <summary>What <c>status</c> prints (text or JSON).</summary>
/// <param name="Table">The lease table.</param>
/// <param name="Pool">The pool's lease prefix, "(default)" for none.</param>
/// <param name="ConfiguredLimit">max_concurrent_leases when given with --max-leases; null: unknown.</param>
/// <param name="StoredLimit">The limit set at run time; null when none is.</param>
/// <param name="Limit">The limit in force; null when neither a stored nor the configured limit is known.</param>
/// <param name="Held">Live leases, all of them.</param>
/// <param name="Waiting">Queued waiters, all of them.</param>
/// <param name="OldestWaitMs">The longest wait in the queue; null when nobody waits.</param>
/// <param name="ReadAtMs">When the table was read (epoch ms).</param>
/// <param name="LeasesTruncated">More leases are live than listed.</param>
/// <param name="WaitersTruncated">More waiters are queued than listed.</param>
/// <param name="Leases">Live leases, oldest first.</param>
/// <param name="Waiters">Queued waiters in serving order.</param>
internal sealed record StatusReport(
    string Table,
    string Pool,
    int? ConfiguredLimit,
    int? StoredLimit,
    int? Limit,
    int Held,
    int Waiting,
    long? OldestWaitMs,
    long ReadAtMs,
    bool LeasesTruncated,
    bool WaitersTruncated,
    IReadOnlyList<HeldLease> Leases,
    IReadOnlyList<WaitingOwner> Waiters)
{
    public static StatusReport From(string table, string pool, int? configured, PoolStatus status) => new(
        table,
        pool,
        configured,
        status.StoredLimit,
        configured is not null || status.StoredLimit is not null ? status.Limit : null,
        status.HeldCount,
        status.WaitingCount,
        status.OldestWaitMs,
        status.ReadAtMs,
        status.LeasesTruncated,
        status.WaitersTruncated,
        status.Leases,
        status.Waiters);
}

/// <summary>What <c>release</c> did.</summary>
/// <param name="Table">The lease table.</param>
/// <param name="Pool">The pool.</param>
/// <param name="ReleasedLeaseIds">The leases this call freed (or handed to queued waiters).</param>
/// <param name="HandOff">Freed slots went to the head of the queue (--callback).</param>
internal sealed record ReleaseReport(string Table, string Pool, IReadOnlyList<string> ReleasedLeaseIds, bool HandOff);

/// <summary>What <c>set-limit</c> did.</summary>
/// <param name="Table">The lease table.</param>
/// <param name="Pool">The pool.</param>
/// <param name="Outcome">The library's answer: limits before and after, holders, hand-offs, the wait.</param>
internal sealed record SetLimitReport(string Table, string Pool, SetLimitOutcome Outcome);

/// <summary>Source-generated JSON (no reflection: trimming and Native AOT see every type), snake_case like the function's answers.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(ReleaseReport))]
[JsonSerializable(typeof(SetLimitReport))]
internal sealed partial class CliJson : JsonSerializerContext;
