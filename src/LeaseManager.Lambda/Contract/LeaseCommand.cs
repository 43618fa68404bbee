using LeaseManager.Leasing;

namespace LeaseManager.Contract;

/// <summary>One parsed, validated invocation event (DESIGN §4).</summary>
public abstract record LeaseCommand
{
    public abstract string Action { get; }
}

public sealed record AcquireCommand(AcquireRequest Request) : LeaseCommand
{
    public override string Action => "acquire";
}

public sealed record ReleaseCommand(string LeaseId) : LeaseCommand
{
    public override string Action => "release";
}

public sealed record RenewCommand(string LeaseId, int? LeaseDurationSeconds) : LeaseCommand
{
    public override string Action => "renew";
}

/// <summary>The callback strategy's queueing call, from a <c>.waitForTaskToken</c> Task.</summary>
public sealed record WaitCommand(WaitRequest Request) : LeaseCommand
{
    public override string Action => "wait";
}

/// <summary>The scheduled sweep (callback strategy): expired slots go to queued waiters.</summary>
public sealed record SweepCommand : LeaseCommand
{
    public override string Action => "sweep";
}

/// <summary>
/// Release every lease an ended execution holds. From an EventBridge "Step Functions Execution Status
/// Change" event (<see cref="EndedAtMs"/> is its <c>stopDate</c>) or an explicit
/// <c>{"action": "reclaim", "owner_id": ...}</c> (no end time: one sweep).
/// </summary>
public sealed record ReclaimCommand(string OwnerId, string? ExecutionStatus = null, long? EndedAtMs = null) : LeaseCommand
{
    public override string Action => "reclaim";
}

/// <summary>An execution status event this function does not act on (the execution is not over).</summary>
public sealed record IgnoredEventCommand(string OwnerId, string ExecutionStatus) : LeaseCommand
{
    public override string Action => "reclaim";
}
