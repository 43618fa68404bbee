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
