using System.Text.Json;
using LeaseManager.Leasing;

namespace LeaseManager.Cli;

/// <summary>One command against one pool: builds the pool from the options, runs the library's operator API, prints the answer.</summary>
internal sealed partial class PoolCommand
{
    private const int DefaultEntries = 20;

    private readonly Arguments _args;
    private readonly CliEnvironment _environment;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly LeasePoolOptions _options;
    private readonly int? _maxLeases;

    public PoolCommand(Arguments args, CliEnvironment environment, TextWriter stdout, TextWriter stderr)
    {
        _args = args;
        _environment = environment;
        _stdout = stdout;
        _stderr = stderr;
        _maxLeases = args.Int("max-leases", 1, LeasePoolOptions.MaxSlots);
        _options = new LeasePoolOptions
        {
            TableName = args.Required("table", environment.Variables("LEASE_TABLE_NAME")),
            LeasePrefix = args.Value("pool") ?? environment.Variables("LEASE_PREFIX") ?? "",
            HashKeyAttribute = args.Value("hash-key") ?? "PK",
            RangeKeyAttribute = args.Value("range-key") ?? "SK",
            TtlAttribute = args.Value("ttl-attribute") ?? "ttl",

            // Reading needs no limit: without --max-leases the pool is read as the largest there is,
            // and the configured limit is shown as unknown rather than as that number.
            MaxConcurrentLeases = _maxLeases ?? LeasePoolOptions.MaxSlots,

            // A key's configured limit: only set-limit --key asks for it (keys are off otherwise).
            MaxConcurrentLeasesPerKey = args.Int("max-per-key", 1, LeasePoolOptions.MaxSlots),
        };
        try
        {
            _options.Validate();
        }
        catch (ConfigurationException e)
        {
            throw new UsageException(e.Message.TrimEnd('.'));
        }
    }

    private string PoolName => _options.LeasePrefix.Length == 0 ? "(default)" : _options.LeasePrefix;

    public async Task<int> StatusAsync(CancellationToken cancellationToken)
    {
        var entries = _args.Int("max-entries", 0, LeasePool.MaxStatusEntries) ?? DefaultEntries;
        var status = await ReaderPool().GetStatusAsync(entries, cancellationToken).ConfigureAwait(false);
        var report = StatusReport.From(_options.TableName, PoolName, _maxLeases, status);
        if (_args.Flag("json"))
        {
            await WriteJsonAsync(report, CliJson.Default.StatusReport).ConfigureAwait(false);
        }
        else
        {
            await _stdout.WriteAsync(StatusView.Render(report, _args.Flag("wide"))).ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    public async Task<int> ReleaseAsync(CancellationToken cancellationToken)
    {
        _args.ExactlyOne("lease-id", "owner");
        if (_args.Has("resource") && !_args.Has("owner"))
        {
            throw new UsageException("--resource goes with --owner");
        }

        var pool = await WriterPool(release: true, newLimit: null, cancellationToken).ConfigureAwait(false);
        var outcome = _args.Value("lease-id") is { } leaseId
            ? await pool.ForceReleaseAsync(leaseId, cancellationToken).ConfigureAwait(false)
            : await pool.ForceReleaseOwnerAsync(_args.Value("owner")!, _args.Value("resource"), cancellationToken).ConfigureAwait(false);
        var handOff = _args.Flag("callback");
        var report = new ReleaseReport(_options.TableName, PoolName, outcome.ReleasedLeaseIds, handOff);
        if (_args.Flag("json"))
        {
            await WriteJsonAsync(report, CliJson.Default.ReleaseReport).ConfigureAwait(false);
            return Cli.Ok;
        }

        var what = _args.Value("lease-id") is { } id ? $"lease {id}" : $"leases of {_args.Value("owner")}" + (_args.Value("resource") is { } r ? $" for {r}" : "");
        if (outcome.ReleasedLeaseIds.Count == 0)
        {
            await _stdout.WriteLineAsync($"pool {PoolName}: nothing released: no live {what} (already released, expired or re-granted).").ConfigureAwait(false);
            return Cli.Ok;
        }

        var to = handOff ? " (each freed slot went to the head of the queue when one waited)" : "";
        await _stdout.WriteLineAsync($"pool {PoolName}: released {outcome.ReleasedLeaseIds.Count} lease(s){to}:").ConfigureAwait(false);
        foreach (var released in outcome.ReleasedLeaseIds)
        {
            await _stdout.WriteLineAsync("  " + released).ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    public async Task<int> SetLimitAsync(CancellationToken cancellationToken)
    {
        if (_maxLeases is null)
        {
            throw new UsageException("--max-leases is required: the pool's max_concurrent_leases, the upper bound of any limit");
        }

        _args.ExactlyOne("limit", "default");
        var limit = _args.Has("limit") ? _args.Int("limit", 1, int.MaxValue) : null;
        if (_args.Has("key"))
        {
            return await SetKeyLimitAsync(_args.Value("key")!, limit, cancellationToken).ConfigureAwait(false);
        }

        if (_args.Has("max-per-key") || _args.Has("requested-by"))
        {
            throw new UsageException($"--{(_args.Has("max-per-key") ? "max-per-key" : "requested-by")} goes with --key");
        }

        var pool = await WriterPool(release: false, limit, cancellationToken).ConfigureAwait(false);
        var outcome = await pool.SetLimitAsync(limit, cancellationToken).ConfigureAwait(false);
        if (_args.Flag("json"))
        {
            await WriteJsonAsync(new SetLimitReport(_options.TableName, PoolName, outcome), CliJson.Default.SetLimitReport).ConfigureAwait(false);
            return Cli.Ok;
        }

        var stored = outcome.StoredLimit is { } s ? $"stored {s}" : "no stored limit";
        await _stdout.WriteLineAsync($"pool {PoolName}: limit {outcome.PreviousLimit} -> {outcome.Limit} ({stored}; configured {outcome.ConfiguredLimit}).").ConfigureAwait(false);
        var above = Math.Max(0, outcome.HeldCount - outcome.Limit);
        await _stdout.WriteLineAsync($"  held now: {outcome.HeldCount}" + (above > 0 ? $" ({above} above the limit: they end, released or expired, and are not passed on)" : "")).ConfigureAwait(false);
        if (outcome.WaitedMs > 0)
        {
            await _stdout.WriteLineAsync($"  waited {outcome.WaitedMs / 1000.0:0.0} s: every instance now honours the lowered limit.").ConfigureAwait(false);
        }

        if (outcome.HandedOff > 0)
        {
            await _stdout.WriteLineAsync($"  {outcome.HandedOff} queued waiter(s) granted a slot at once (Step Functions told).").ConfigureAwait(false);
        }

        return Cli.Ok;
    }

    /// <summary>A pool that reads the slots and the queue (a hand-off pool that never hands off).</summary>
    private LeasePool ReaderPool() =>
        new(_environment.DynamoDb(_environment.Region), _options with { HandOffToWaiters = true }, _environment.Clock, ReadOnlyNotifier.Instance);

    /// <summary>
    /// The pool a write goes through. With --callback it hands freed slots to queued waiters and wakes
    /// them through Step Functions. Without it, a write that frees room (a release, a raised limit)
    /// is refused while waiters are queued: the room would sit free beside them until the function's
    /// sweep, or, handed over unannounced, be held by an execution that never hears of it.
    /// </summary>
    /// <param name="newLimit">For set-limit: the limit asked for (null: back to the configured one).</param>
    private async Task<LeasePool> WriterPool(bool release, int? newLimit, CancellationToken cancellationToken)
    {
        var status = await ReaderPool().GetStatusAsync(0, cancellationToken).ConfigureAwait(false);
        var target = newLimit ?? _options.MaxConcurrentLeases;
        if (!release && target < status.Limit && target >= 1 && target <= _options.MaxConcurrentLeases)
        {
            await _stderr.WriteLineAsync($"lowering the limit of pool {PoolName} from {status.Limit} to {target}: waiting {_options.LimitRefreshSeconds + 1} s until every instance honours it...").ConfigureAwait(false);
        }

        if (_args.Flag("callback"))
        {
            return new LeasePool(_environment.DynamoDb(_environment.Region), _options with { HandOffToWaiters = true }, _environment.Clock, _environment.Notifier(_environment.Region));
        }

        if ((release || target > status.Limit) && status.WaitingCount > 0)
        {
            var action = release ? "release" : "raised limit";
            throw new InvalidRequestException(
                $"pool {PoolName} has {status.WaitingCount} queued waiter(s) (sfn_wait_strategy = \"callback\"): the room this {action} frees must go to the head of the queue "
                + "and Step Functions must be told (SendTaskSuccess). Run it again with --callback, with credentials allowed states:SendTaskSuccess.");
        }

        return new LeasePool(_environment.DynamoDb(_environment.Region), _options, _environment.Clock);
    }

    private async Task WriteJsonAsync<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        await _stdout.WriteLineAsync(JsonSerializer.Serialize(value, type)).ConfigureAwait(false);
}
