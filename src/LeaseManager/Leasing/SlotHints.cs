namespace LeaseManager.Leasing;

/// <summary>
/// This instance's belief about which slots are busy, so the first write of an acquire usually lands
/// on a free slot even in a well-used pool. Beliefs only choose where to try; DynamoDB's conditional
/// writes decide, so a stale belief costs a round trip, never correctness.
/// </summary>
internal sealed class SlotHints
{
    private readonly long[] _busyUntilMs;

    // The blind fast path (one unconditional-on-the-pool write) is only safe when no lease is live in a
    // slot at or above the limit (left over from a larger limit). Off until a consistent read shows
    // none; a read that shows one turns it off again, with no expiry: such a lease may be renewed past
    // any expiry this instance saw. A read that shows none is final: a lease seen expired (at the
    // read's start) cannot be renewed, and a pool of this limit never writes beyond it.
    private long _foreignBusyUntilMs = long.MaxValue;

    // The slot this instance freed last: known free as of that release, so the best first guess.
    private int _lastFreed = -1;

    // The limit in force as of the last read (an operator may store a lower one at run time), and
    // until when that read may be trusted for blind writes: an instance learns a lowered limit at its
    // next read, and reads at least this often while it writes blind, so a lowered limit binds every
    // instance within that span (LeasePool.SetLimitAsync waits it out).
    private int _limit;
    private long _trustUntilMs;
    private readonly long _trustMs;

    public SlotHints(int slots, TimeSpan trust)
    {
        _busyUntilMs = new long[slots];
        _limit = slots;
        _trustMs = (long)trust.TotalMilliseconds;
    }

    /// <summary>The limit in force as of this instance's last read of the pool.</summary>
    public int Limit => Volatile.Read(ref _limit);

    public bool FastPathAllowed(long nowMs) => Volatile.Read(ref _foreignBusyUntilMs) <= nowMs && nowMs < Volatile.Read(ref _trustUntilMs);

    /// <summary>Claims a slot believed free (from <paramref name="start"/> on) for this caller's attempt; -1 if none.</summary>
    public int TryReserve(int start, long nowMs, long reserveUntilMs, out long previousBusyUntilMs)
    {
        var n = Limit;
        var freed = Interlocked.Exchange(ref _lastFreed, -1);
        start %= n;
        if (freed >= 0 && freed < n)
        {
            start = freed;
        }

        for (var i = 0; i < n; i++)
        {
            var slot = (start + i) % n;
            var seen = Volatile.Read(ref _busyUntilMs[slot]);
            if (seen <= nowMs && Interlocked.CompareExchange(ref _busyUntilMs[slot], reserveUntilMs, seen) == seen)
            {
                previousBusyUntilMs = seen;
                return slot;
            }
        }

        previousBusyUntilMs = 0;
        return -1;
    }

    public void Observe(int slot, long busyUntilMs)
    {
        if (slot < _busyUntilMs.Length)
        {
            Volatile.Write(ref _busyUntilMs[slot], busyUntilMs);
        }
    }

    /// <summary>This instance released the lease in <paramref name="slot"/>.</summary>
    public void Freed(int slot)
    {
        if (slot < _busyUntilMs.Length)
        {
            Volatile.Write(ref _busyUntilMs[slot], 0);
            Volatile.Write(ref _lastFreed, slot);
        }
    }

    public void Refresh(PoolSnapshot snapshot)
    {
        var fresh = new long[_busyUntilMs.Length];
        var limit = snapshot.EffectiveLimit(fresh.Length);
        long foreign = 0;
        foreach (var s in snapshot.Slots)
        {
            if (s.Slot < limit)
            {
                fresh[s.Slot] = s.ExpiresAtMs;
            }
            else if (s.IsLiveAt(snapshot.ReadAtMs))
            {
                foreign = long.MaxValue;
            }
        }

        for (var i = 0; i < fresh.Length; i++)
        {
            Volatile.Write(ref _busyUntilMs[i], fresh[i]);
        }

        Volatile.Write(ref _limit, limit);
        Volatile.Write(ref _foreignBusyUntilMs, foreign);
        Volatile.Write(ref _trustUntilMs, snapshot.ReadAtMs + _trustMs);
    }
}
