namespace LeaseManager.Contract;

/// <summary>
/// An operator's action. Served only by the module's admin function (<c>LEASE_ADMIN_ACTIONS=enabled</c>):
/// the function a state machine invokes refuses them, so the state machine's invoke policy cannot
/// reach them.
/// </summary>
public abstract record AdminCommand : LeaseCommand;

/// <summary><c>{"action":"status","max_entries":n?}</c>: limits, live leases, queued waiters, the oldest wait.</summary>
public sealed record StatusCommand(int MaxEntries) : AdminCommand
{
    public override string Action => "status";
}

/// <summary>
/// <c>{"action":"force_release","lease_id":s,"requested_by":s}</c> or
/// <c>{"action":"force_release","owner_id":s,"resource_id":s?,"requested_by":s}</c>.
/// </summary>
public sealed record ForceReleaseCommand(string? LeaseId, string? OwnerId, string? ResourceId, string RequestedBy) : AdminCommand
{
    public override string Action => "force_release";
}

/// <summary>
/// <c>{"action":"set_limit","limit":n|null,"requested_by":s}</c>: null goes back to the configured limit.
/// With <c>"concurrency_key":s</c>, the limit of that key instead of the pool's.
/// </summary>
public sealed record SetLimitCommand(int? Limit, string RequestedBy, string? ConcurrencyKey = null) : AdminCommand
{
    public override string Action => "set_limit";
}
