using LeaseManager.Contract;
using LeaseManager.Leasing;

namespace LeaseManager.Cli;

/// <summary><c>set-limit --key</c>: one concurrency key's limit, set as the admin function sets it.</summary>
internal sealed partial class PoolCommand
{
    private const int MaxRequestedBy = LeaseRequestParser.MaxRequestedByLength;

    /// <summary>
    /// Runs the admin function's own <c>set_limit</c> command with a <c>concurrency_key</c> (its
    /// checks, its answer) in process against the table, as every command of this tool does; --json
    /// prints that answer exactly as the function returns it (<c>"status":"key_limit_set"</c>).
    /// </summary>
    private async Task<int> SetKeyLimitAsync(string key, int? limit, CancellationToken cancellationToken)
    {
        if (_options.MaxConcurrentLeasesPerKey is null)
        {
            throw new UsageException("--max-per-key is required with --key: the key's configured limit (its entry in key_limits, else max_concurrent_leases_per_key), what --default goes back to");
        }

        if (_args.Flag("callback"))
        {
            throw new UsageException("--callback does not go with --key: keyed acquires never queue, so a key's limit hands nothing to waiters");
        }

        var requestedBy = _args.Value("requested-by")
            ?? "lease-manager-cli" + (_environment.Variables("USER") is { Length: > 0 } user ? $" ({user})" : "");
        if (string.IsNullOrWhiteSpace(requestedBy) || requestedBy.Length > MaxRequestedBy)
        {
            throw new UsageException($"--requested-by must be 1-{MaxRequestedBy} characters");
        }

        var pool = new LeasePool(_environment.DynamoDb(_environment.Region), _options, _environment.Clock);
        var function = new LeaseFunction(pool, _environment.Clock, adminActions: true);
        var answer = await function.HandleAsync(new SetLimitCommand(limit, requestedBy, key), null, cancellationToken).ConfigureAwait(false);
        if (_args.Flag("json"))
        {
            await _stdout.WriteLineAsync(System.Text.Encoding.UTF8.GetString(answer.ToUtf8Json())).ConfigureAwait(false);
            return Cli.Ok;
        }

        var set = (KeyLimitSet)answer;
        var stored = set.Key.StoredLimit is { } s ? $"stored {s}" : "no stored limit";
        await _stdout.WriteLineAsync($"pool {PoolName}, key {set.Key.ConcurrencyKey}: limit {set.Key.Limit} ({stored}; configured {set.Key.ConfiguredLimit}).").ConfigureAwait(false);
        var above = Math.Max(0, set.Key.Held - set.Key.Limit);
        await _stdout.WriteLineAsync($"  held now: {set.Key.Held}" + (above > 0 ? $" ({above} above the limit: no new lease of this key until they end)" : "")).ConfigureAwait(false);
        return Cli.Ok;
    }
}
