using Amazon.Runtime;

namespace LeaseManager.Cli;

/// <summary>
/// <c>lease-manager status|release|set-limit</c>: an operator's view of one pool, straight from the
/// lease table. Exit codes: 0 done, 1 the lease manager refused or failed (a <c>LeaseManager.*</c>
/// error), 2 the command line is wrong.
/// </summary>
internal static class Cli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Pool = """
          --table NAME        the lease table (Terraform output dynamodb_table_name; default: $LEASE_TABLE_NAME)
          --pool PREFIX       the pool's lease_prefix (default: $LEASE_PREFIX, else the table's default pool)
          --hash-key NAME     the table's partition key (default PK)
          --range-key NAME    the table's sort key (default SK)
          --ttl-attribute N   the table's TTL attribute (default ttl)
          --json              print JSON instead of text
        """;

    private const string Callback = """
          --callback          the pool uses sfn_wait_strategy = "callback": a freed slot goes to the head of
                              the queue and Step Functions is told (SendTaskSuccess; needs
                              states:SendTaskSuccess). Without it, a pool with queued waiters is refused.
        """;

    public static readonly CommandSpec Status = new(
        "status",
        "show the limit, who holds a lease and who waits",
        "lease-manager status --table NAME [--pool PREFIX] [--max-leases N] [--max-entries N] [--wide] [--json]\n\n" + Pool + """
          --max-leases N      the pool's max_concurrent_leases, to show the configured limit (else: unknown)
          --max-entries N     list at most N leases and N waiters (0-1000, default 20); counts cover all
          --wide              show owners as full execution ARNs (default: the execution name) and long
                              concurrency keys whole (a KEY column appears when a listed lease has one)
        """,
        ["table", "pool", "hash-key", "range-key", "ttl-attribute", "max-leases", "max-entries"],
        ["json", "wide"]);

    public static readonly CommandSpec Release = new(
        "release",
        "free a lease by id, or every lease of an execution",
        "lease-manager release --table NAME [--pool PREFIX] (--lease-id ID | --owner ARN [--resource ID]) [--callback] [--json]\n\n" + Pool + """
          --lease-id ID       the lease to free (from status); a lease already gone is left alone
          --owner ARN         free every live lease of this execution (its queued waits stay queued)
          --resource ID       with --owner: only its lease for this resource
        """ + Callback,
        ["table", "pool", "hash-key", "range-key", "ttl-attribute", "lease-id", "owner", "resource"],
        ["json", "callback"]);

    public static readonly CommandSpec SetLimit = new(
        "set-limit",
        "change the limit of the pool or of one concurrency key at run time, or go back to the configured one",
        "lease-manager set-limit --table NAME [--pool PREFIX] --max-leases N (--limit L | --default) [--callback] [--json]\n"
        + "       lease-manager set-limit --table NAME [--pool PREFIX] --max-leases N --key KEY --max-per-key M (--limit L | --default) [--requested-by WHO] [--json]\n\n" + Pool + """
          --max-leases N      the pool's max_concurrent_leases (Terraform): the upper bound; required
          --limit L           the new limit, 1 to --max-leases; lowering the pool's waits ~11 s until every instance honours it
          --default           remove the stored limit: the configured one applies again
          --key KEY           set the limit of this concurrency key instead of the pool's, as the admin
                              function's set_limit action with concurrency_key does (a key's limit binds
                              from the next grant of any instance: no wait)
          --max-per-key M     with --key: the key's configured limit (its entry in key_limits, else
                              max_concurrent_leases_per_key): what --default goes back to; required
          --requested-by WHO  with --key: who asks, for the function's answer and log (default: lease-manager-cli, with $USER)
        """ + Callback,
        ["table", "pool", "hash-key", "range-key", "ttl-attribute", "max-leases", "limit", "key", "max-per-key", "requested-by"],
        ["json", "callback", "default"]);

    private static readonly CommandSpec[] Commands = [Status, Release, SetLimit];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        if (args.Count == 0 || args[0] is "--help" or "-h" or "help")
        {
            await stdout.WriteAsync(Overview()).ConfigureAwait(false);
            return args.Count == 0 ? Usage : Ok;
        }

        var spec = Array.Find(Commands, c => c.Name == args[0]);
        if (spec is null)
        {
            await stderr.WriteLineAsync($"lease-manager: unknown command '{args[0]}'. Run 'lease-manager --help'.").ConfigureAwait(false);
            return Usage;
        }

        try
        {
            var parsed = Arguments.Parse(spec, args.Skip(1).ToList());
            if (parsed.Flag("help"))
            {
                await stdout.WriteLineAsync($"lease-manager {spec.Name}: {spec.Summary}\n\nusage: {spec.Usage}").ConfigureAwait(false);
                return Ok;
            }

            var command = new PoolCommand(parsed, environment, stdout, stderr);
            return spec.Name switch
            {
                "status" => await command.StatusAsync(cancellationToken).ConfigureAwait(false),
                "release" => await command.ReleaseAsync(cancellationToken).ConfigureAwait(false),
                _ => await command.SetLimitAsync(cancellationToken).ConfigureAwait(false),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"lease-manager {spec.Name}: {e.Message}. Run 'lease-manager {spec.Name} --help'.").ConfigureAwait(false);
            return Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"lease-manager {spec.Name}: cancelled.").ConfigureAwait(false);
            return Failed;
        }
        catch (Exception e)
        {
            var error = Translate(e);
            await stderr.WriteLineAsync($"lease-manager {spec.Name}: {error.ErrorType}: {error.Message}").ConfigureAwait(false);
            var cause = ReferenceEquals(error, e) ? e.InnerException : e;
            if (cause is not null)
            {
                await stderr.WriteLineAsync($"  cause: {cause.GetType().Name}: {cause.Message}").ConfigureAwait(false);
            }

            return Failed;
        }
    }

    /// <summary>Every failure as one <c>LeaseManager.*</c> error, as the function reports them; never a stack trace.</summary>
    private static LeaseException Translate(Exception e)
    {
        var error = LeaseErrors.From(e);

        // No region, no credentials, an endpoint that does not parse: the operator's setup, not a bug.
        return error is InternalErrorException && e is AmazonClientException or ArgumentException
            ? new ConfigurationException(e.Message, e)
            : error;
    }

    private static string Overview()
    {
        var lines = Commands.Select(c => $"  {c.Name,-10} {c.Summary}");
        return "lease-manager: operate a terraform-aws-sfn-concurrency-lease pool straight from its table\n\n"
            + "usage: lease-manager <command> [options]    (lease-manager <command> --help for its options)\n\n"
            + string.Join('\n', lines) + "\n\n"
            + "AWS settings are the SDK's: AWS_PROFILE / credentials chain, AWS_REGION or AWS_DEFAULT_REGION,\n"
            + "AWS_ENDPOINT_URL_DYNAMODB (e.g. DynamoDB Local), AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL.\n"
            + "Exit codes: 0 ok, 1 refused or failed (a LeaseManager.* error), 2 usage error.\n";
    }
}
