using System.Text.Json;
using System.Text.Json.Serialization;
using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>The answer to <c>status</c>: times in epoch seconds like every answer, ages in seconds.</summary>
public sealed record PoolStatusReported(PoolStatus Pool) : LeaseAnswer
{
    public override string Status => "pool_status";

    public override byte[] ToUtf8Json()
    {
        var now = Pool.ReadAtMs;
        var wire = new StatusWire(
            Status,
            Pool.Limit,
            Pool.ConfiguredLimit,
            Pool.StoredLimit,
            Pool.HeldCount,
            Pool.WaitingCount,
            Pool.OldestWaitMs / 1000,
            Pool.LeasesTruncated,
            Pool.WaitersTruncated,
            now / 1000,
            [.. Pool.Leases.Select(l => new HeldLeaseWire(l.LeaseId, l.Slot, l.OwnerId, l.ResourceId, l.AcquiredAtMs / 1000, l.ExpiresAtMs / 1000, l.Renewals, l.AboveLimit, l.ConcurrencyKey))],
            [.. Pool.Waiters.Select(w => new WaiterWire(w.Position, w.OwnerId, w.ResourceId, w.Priority, w.QueuedAtMs / 1000, Math.Max(0, now - w.QueuedAtMs) / 1000, w.ConcurrencyKey, w.WaitsForKey))]);
        return JsonSerializer.SerializeToUtf8Bytes(wire, AdminJson.Default.StatusWire);
    }
}

/// <summary>The answer to <c>force_release</c>: the leases it freed (or handed to queued waiters).</summary>
public sealed record LeasesForceReleased(IReadOnlyList<string> LeaseIds, string RequestedBy) : LeaseAnswer
{
    public override string Status => "force_released";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new ForceReleaseWire(Status, LeaseIds.Count, LeaseIds, RequestedBy), AdminJson.Default.ForceReleaseWire);
}

/// <summary>The answer to <c>set_limit</c>.</summary>
public sealed record LimitSet(SetLimitOutcome Outcome, string RequestedBy) : LeaseAnswer
{
    public override string Status => "limit_set";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new SetLimitWire(Status, Outcome.Limit, Outcome.PreviousLimit, Outcome.StoredLimit, Outcome.ConfiguredLimit, Outcome.HeldCount, Outcome.HandedOff, Outcome.WaitedMs, RequestedBy),
        AdminJson.Default.SetLimitWire);
}

/// <summary>The answer to <c>set_limit</c> with a <c>concurrency_key</c>: the key as it stands now.</summary>
public sealed record KeyLimitSet(KeyStatus Key, string RequestedBy) : LeaseAnswer
{
    public override string Status => "key_limit_set";

    public override byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new KeyLimitWire(Status, Key.ConcurrencyKey, Key.Limit, Key.StoredLimit, Key.ConfiguredLimit, Key.Held, RequestedBy),
        AdminJson.Default.KeyLimitWire);
}

internal sealed record StatusWire(
    string Status, int Limit, int ConfiguredLimit, int? StoredLimit, int Held, int Waiting, long? OldestWaitSeconds,
    bool LeasesTruncated, bool WaitersTruncated, long ReadAt, IReadOnlyList<HeldLeaseWire> Leases, IReadOnlyList<WaiterWire> Waiters);

internal sealed record HeldLeaseWire(string LeaseId, int Slot, string? OwnerId, string? ResourceId, long? AcquiredAt, long ExpiresAt, int Renewals, bool AboveLimit, string? ConcurrencyKey);

internal sealed record WaiterWire(int Position, string OwnerId, string? ResourceId, int Priority, long QueuedAt, long WaitSeconds, string? ConcurrencyKey, bool WaitsForKey);

internal sealed record ForceReleaseWire(string Status, int ReleasedCount, IReadOnlyList<string> LeaseIds, string RequestedBy);

internal sealed record KeyLimitWire(string Status, string ConcurrencyKey, int Limit, int? StoredLimit, int ConfiguredLimit, int Held, string RequestedBy);

internal sealed record SetLimitWire(string Status, int Limit, int PreviousLimit, int? StoredLimit, int ConfiguredLimit, int Held, int HandedOff, long WaitedMs, string RequestedBy);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatusWire))]
[JsonSerializable(typeof(ForceReleaseWire))]
[JsonSerializable(typeof(SetLimitWire))]
[JsonSerializable(typeof(KeyLimitWire))]
internal sealed partial class AdminJson : JsonSerializerContext;
