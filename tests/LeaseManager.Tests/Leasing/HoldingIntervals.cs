namespace LeaseManager.Tests.Leasing;

/// <summary>
/// What the acquirers experienced: each holds from the moment its grant arrived until the expiry it
/// was given. The most that overlap at any instant is what a user's workers would have seen.
/// </summary>
internal sealed class HoldingIntervals
{
    private readonly List<(long Start, long End)> _intervals = [];

    public int Count
    {
        get
        {
            lock (_intervals)
            {
                return _intervals.Count;
            }
        }
    }

    public void Add(long grantedAtMs, long expiresAtMs)
    {
        lock (_intervals)
        {
            _intervals.Add((grantedAtMs, expiresAtMs));
        }
    }

    /// <summary>Sweep over half-open intervals [start, end): an end at t frees capacity before a start at t takes it.</summary>
    public int MaxOverlap()
    {
        List<(long At, int Delta)> events;
        lock (_intervals)
        {
            events = _intervals.SelectMany(i => new[] { (i.Start, +1), (i.End, -1) }).ToList();
        }

        var current = 0;
        var max = 0;
        foreach (var (_, delta) in events.OrderBy(e => e.At).ThenBy(e => e.Delta))
        {
            current += delta;
            max = Math.Max(max, current);
        }

        return max;
    }
}
