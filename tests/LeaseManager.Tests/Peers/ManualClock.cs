namespace LeaseManager.Tests.Peers;

/// <summary>A clock the test moves by hand, so expiry is tested without sleeping.</summary>
/// <remarks>
/// By default it starts an hour ahead of the wall clock, so the TTL of every record a test writes lies
/// in the real future. DynamoDB Local deletes TTL-expired items within a second: a test that expires a
/// lease by moving this clock must not race that sweep when the machine is slow.
/// </remarks>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualClock()
        : this(DateTimeOffset.UtcNow.AddHours(1))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
