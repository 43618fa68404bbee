namespace LeaseManager.Leasing;

/// <summary>
/// A held lease. Disposing it releases the lease (fenced: a lease that was lost meanwhile is left
/// alone). <see cref="KeepRenewed"/> renews it in the background; <see cref="LeaseLost"/> fires when
/// the lease is no longer held, so work can stop before it runs uncounted.
/// </summary>
public sealed class LeaseHandle : IAsyncDisposable
{
    private readonly LeasePool _pool;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _renewing;
    private long _expiresAtMs;
    private int _disposed;

    internal LeaseHandle(LeasePool pool, Lease lease, string? resourceId, TimeProvider clock)
    {
        _pool = pool;
        _clock = clock;
        LeaseId = lease.LeaseId;
        ResourceId = resourceId;
        _expiresAtMs = lease.ExpiresAtMs;
    }

    /// <summary>The lease's id: what <see cref="LeasePool.ReleaseAsync"/> and <see cref="LeasePool.RenewAsync"/> take.</summary>
    public string LeaseId { get; }

    /// <summary>The resource id the lease was taken for, if any.</summary>
    public string? ResourceId { get; }

    /// <summary>When the lease stops counting unless renewed.</summary>
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(Volatile.Read(ref _expiresAtMs));

    /// <summary>Fires when the lease is known to be lost (a renewal found it expired or taken over).</summary>
    public CancellationToken LeaseLost => _lost.Token;

    /// <summary>Extends the lease to <paramref name="duration"/> (default: the pool's longest) from now.</summary>
    /// <param name="duration">The new duration from now, rounded up to whole seconds; null: the pool's longest.</param>
    /// <param name="cancellationToken">Abandons the renewal (the lease keeps its old expiry).</param>
    /// <exception cref="LeaseLostException">The lease is no longer held; <see cref="LeaseLost"/> has fired.</exception>
    public async Task RenewAsync(TimeSpan? duration = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int? seconds = duration is { } d ? (int)Math.Ceiling(d.TotalSeconds) : null;
        try
        {
            var renewed = await _pool.RenewAsync(LeaseId, seconds, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _expiresAtMs, renewed.ExpiresAtMs);
        }
        catch (LeaseLostException)
        {
            await _lost.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Renews the lease in the background every <paramref name="interval"/> (default: a third of
    /// its current duration) until the handle is disposed or the lease is lost. A transient failure
    /// is retried sooner; a lease that could not be renewed before it expired counts as lost.
    /// </summary>
    /// <param name="interval">Time between renewals; keep it well under the lease's duration.</param>
    /// <exception cref="InvalidOperationException">The handle already renews itself.</exception>
    public void KeepRenewed(TimeSpan? interval = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_renewing is not null)
        {
            throw new InvalidOperationException("The lease is already being renewed.");
        }

        var every = interval ?? TimeSpan.FromMilliseconds(Math.Max(100, (_expiresAtMs - _clock.GetUtcNow().ToUnixTimeMilliseconds()) / 3.0));
        if (every <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The renewal interval must be positive.");
        }

        _renewing = RenewLoopAsync(every, _stop.Token);
    }

    /// <summary>Stops renewing and releases the lease. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewing is { } renewing)
        {
            await renewing.ConfigureAwait(false);
        }

        try
        {
            if (!_lost.IsCancellationRequested)
            {
                await _pool.ReleaseAsync(LeaseId, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _stop.Dispose();
            _lost.Dispose();
        }
    }

    private async Task RenewLoopAsync(TimeSpan every, CancellationToken stop)
    {
        var wait = every;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, _clock, stop).ConfigureAwait(false);
                await RenewAsync(null, stop).ConfigureAwait(false);
                wait = every;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (LeaseLostException)
            {
                return;
            }
            catch (TransientFailureException)
            {
                if (_clock.GetUtcNow().ToUnixTimeMilliseconds() >= Volatile.Read(ref _expiresAtMs))
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                wait = TimeSpan.FromMilliseconds(Math.Max(50, every.TotalMilliseconds / 4));
            }
        }
    }
}
