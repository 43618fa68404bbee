using System.Text.Json;
using System.Text.Json.Serialization;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>
/// The function's answer: one sealed type per outcome, a closed set. Each action's answers share one
/// wire shape, every key always present (<c>null</c> where it does not apply), so a Step Functions
/// <c>ResultSelector</c> can name every key without failing on a missing path (docs/reference.md,
/// "Lambda contract").
/// </summary>
public abstract record LeaseAnswer
{
    private protected LeaseAnswer()
    {
    }

    /// <summary>The <c>status</c> the caller's Choice state reads.</summary>
    public abstract string Status { get; }

    /// <summary>The answer as the function sends it (UTF-8 JSON, source-generated serialisation).</summary>
    public abstract byte[] ToUtf8Json();
}

/// <summary>A slot was granted (or the owner's live lease returned).</summary>
/// <param name="ReclaimedExpired">The slot was taken over from an expired lease: observability only, not on the wire.</param>
public sealed record LeaseAcquired(Lease Lease, int? CurrentRunning, int MaxConcurrentLeases, bool ReclaimedExpired = false) : LeaseAnswer
{
    public override string Status => "acquired";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new AcquireWire(Status, Lease.LeaseId, Lease.ExpiresAtEpochSeconds, CurrentRunning, MaxConcurrentLeases, null), ContractJson.Default.AcquireWire);
}

/// <summary>The pool, or the request's concurrency key, is full: ask again later.</summary>
/// <param name="LimitedBy">Which limit was reached; with a key, the counts are the key's.</param>
public sealed record LeaseWait(int? CurrentRunning, int MaxConcurrentLeases, LeaseLimit LimitedBy = LeaseLimit.Pool) : LeaseAnswer
{
    public override string Status => "wait";

    /// <summary>The wire value of <see cref="LimitedBy"/>.</summary>
    public string LimitedByName => LimitedBy == LeaseLimit.Key ? "key" : "pool";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new AcquireWire(Status, null, null, CurrentRunning, MaxConcurrentLeases, LimitedByName), ContractJson.Default.AcquireWire);
}

/// <param name="Released">False when the lease was no longer held (released twice, expired and taken over).</param>
public sealed record LeaseReleased(string LeaseId, bool Released) : LeaseAnswer
{
    public override string Status => "released";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(new ReleaseWire(Status, LeaseId, Released), ContractJson.Default.ReleaseWire);
}

public sealed record LeaseRenewed(string LeaseId, long LeaseExpiresAt) : LeaseAnswer
{
    public override string Status => "renewed";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(new RenewWire(Status, LeaseId, LeaseExpiresAt), ContractJson.Default.RenewWire);
}

/// <summary>The leases an ended execution held, released over one or two sweeps.</summary>
/// <param name="ExecutionStatus">From the EventBridge event; null for an explicit reclaim.</param>
public sealed record LeasesReclaimed(string OwnerId, string? ExecutionStatus, IReadOnlyList<string> LeaseIds, int Sweeps) : LeaseAnswer
{
    public override string Status => "reclaimed";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new ReclaimWire(Status, OwnerId, ExecutionStatus, LeaseIds.Count, LeaseIds, Sweeps), ContractJson.Default.ReclaimWire);
}

/// <summary>An execution status event this function does not act on (the execution is not over).</summary>
public sealed record ExecutionEventIgnored(string OwnerId, string ExecutionStatus) : LeaseAnswer
{
    public override string Status => "ignored";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new ReclaimWire(Status, OwnerId, ExecutionStatus, 0, [], 0), ContractJson.Default.ReclaimWire);
}

/// <summary>
/// The answer to <c>wait</c> (Step Functions ignores it: the lease arrives through the task token).
/// <c>queued</c>: the waiter is in the queue; <c>delivered</c>: it already held a lease, sent again.
/// </summary>
public sealed record LeaseQueued(WaitStatus Outcome, Lease? Lease) : LeaseAnswer
{
    public override string Status => Outcome == WaitStatus.Delivered ? "delivered" : "queued";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(new WaitWire(Status, null, Lease?.LeaseId), ContractJson.Default.WaitWire);
}

/// <summary>The answer to <c>sweep</c>: what it found and handed to waiters, and the pool's gauges after it.</summary>
/// <param name="OldestWaitMs">How long the longest-waiting waiter has been queued; null when nobody waits.</param>
public sealed record LeasesSwept(int ExpiredSlots, int HandedOff, int WaitersGone, int Held = 0, int Limit = 0, int Waiting = 0, long? OldestWaitMs = null) : LeaseAnswer
{
    public override string Status => "swept";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new SweepWire(Status, ExpiredSlots, HandedOff, WaitersGone, Held, Limit, Waiting, OldestWaitMs / 1000), ContractJson.Default.SweepWire);
}

// One wire shape per action: the answers of an action cannot differ in their keys.
internal sealed record AcquireWire(string Status, string? LeaseId, long? LeaseExpiresAt, int? CurrentRunning, int? MaxConcurrentLeases, string? LimitedBy);

internal sealed record ReleaseWire(string Status, string? LeaseId, bool? Released);

internal sealed record RenewWire(string Status, string? LeaseId, long? LeaseExpiresAt);

internal sealed record ReclaimWire(string Status, string? OwnerId, string? ExecutionStatus, int ReleasedCount, IReadOnlyList<string> LeaseIds, int Sweeps);

internal sealed record WaitWire(string Status, int? Position, string? LeaseId);

internal sealed record SweepWire(string Status, int ExpiredSlots, int HandedOff, int WaitersGone, int Held, int Limit, int Waiting, long? OldestWaitSeconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AcquireWire))]
[JsonSerializable(typeof(ReleaseWire))]
[JsonSerializable(typeof(RenewWire))]
[JsonSerializable(typeof(ReclaimWire))]
[JsonSerializable(typeof(WaitWire))]
[JsonSerializable(typeof(SweepWire))]
internal sealed partial class ContractJson : JsonSerializerContext;
