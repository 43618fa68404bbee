using System.Text.RegularExpressions;

namespace LeaseManager.Leasing;

/// <summary>
/// Where a pool lives and how big it is. One pool = one table + one <see cref="LeasePrefix"/>.
/// </summary>
public sealed partial record LeasePoolOptions
{
    /// <summary>Largest pool: each slot is an item read by every slow-path acquire, so the read stays one or two Query pages.</summary>
    public const int MaxSlots = 1000;
    /// <summary>Longest lease a pool may allow (a day): a crashed holder blocks its slot this long at worst.</summary>
    public const int MaxDurationCeilingSeconds = 86_400;
    /// <summary>Longest settle time: a Lambda function's longest timeout, after which no acquire it started can still land.</summary>
    public const int MaxReclaimSettleSeconds = 900;
    /// <summary>Longest <see cref="LimitRefreshSeconds"/>: setting a lower limit waits this long at most.</summary>
    public const int MaxLimitRefreshSeconds = 60;

    /// <summary>The DynamoDB table holding the pool; several pools may share one (see <see cref="LeasePrefix"/>).</summary>
    public required string TableName { get; init; }

    /// <summary>The table's partition key attribute (a string): set it to reuse a table whose key is named otherwise.</summary>
    public string HashKeyAttribute { get; init; } = "PK";

    /// <summary>The table's sort key attribute (a string): slots, owner index and gate are told apart by it.</summary>
    public string RangeKeyAttribute { get; init; } = "SK";

    /// <summary>
    /// The attribute the table's TTL is configured on. Only cleanup uses it: an expired lease stops
    /// counting at its expiry whether or not DynamoDB has deleted the item yet.
    /// </summary>
    public string TtlAttribute { get; init; } = "ttl";

    /// <summary>Pool name inside a shared table; empty for the table's default pool.</summary>
    public string LeasePrefix { get; init; } = "";

    /// <summary>The limit: at most this many live leases at once, across every process using the pool.</summary>
    public int MaxConcurrentLeases { get; init; } = 100;

    /// <summary>
    /// The longest (and default) lease. Bounds how long a crashed holder keeps a slot, so pick the
    /// longest step a holder runs between renewals, not its whole job.
    /// </summary>
    public int MaxLeaseDurationSeconds { get; init; } = 600;

    /// <summary>
    /// How long after an execution ended an acquire it started may still land: the function's
    /// timeout (the module sets it). A reclaim sweeps again once this has passed since the end, so a
    /// lease written by such a late acquire is released too. 0: one sweep.
    /// </summary>
    public int ReclaimSettleSeconds { get; init; }

    /// <summary>
    /// The callback strategy: a full pool queues waiters (<see cref="LeasePool.WaitAsync"/>) and a
    /// freed or expired slot goes straight to the head of the queue, never free in between, so no
    /// later arrival overtakes a queued one. Needs an <see cref="ILeaseWaiterNotifier"/> on the pool.
    /// Every grant then also checks the queue marker (one transaction, still one round trip).
    /// </summary>
    public bool HandOffToWaiters { get; init; }

    /// <summary>
    /// How long an instance trusts its last read of the pool for one-write grants (the fast path),
    /// in seconds. A limit lowered at run time (<see cref="LeasePool.SetLimitAsync"/>) binds every
    /// instance within this span, and setting one waits it out. Shorter: a lowered limit binds sooner,
    /// and a busy instance reads the pool (one Query) that much more often.
    /// </summary>
    public int LimitRefreshSeconds { get; init; } = 10;

    /// <summary>
    /// Concurrency keys: the limit every key gets (at most this many live leases per key, under the
    /// pool's <see cref="MaxConcurrentLeases"/>). Null: keys are off and an acquire that names one is
    /// refused. A lease counts against the pool and its key in one transaction.
    /// </summary>
    public int? MaxConcurrentLeasesPerKey { get; init; }

    /// <summary>Per-key limits that differ from <see cref="MaxConcurrentLeasesPerKey"/>, by key; an operator's limit stored in the table (<see cref="LeasePool.SetKeyLimitAsync"/>) wins over both.</summary>
    public IReadOnlyDictionary<string, int>? KeyLimits { get; init; }

    /// <summary>The configured limit of <paramref name="concurrencyKey"/>: its override, else the per-key default.</summary>
    /// <param name="concurrencyKey">The key.</param>
    /// <returns>The limit, or null when keys are off.</returns>
    public int? KeyLimitFor(string concurrencyKey) =>
        KeyLimits is not null && KeyLimits.TryGetValue(concurrencyKey, out var own) ? own : MaxConcurrentLeasesPerKey;

    /// <summary>The partition key value of every item of this pool (and the IAM <c>dynamodb:LeadingKeys</c> value).</summary>
    public string PoolKey => PoolKeyFor(LeasePrefix);

    /// <summary>The partition key value of the pool named <paramref name="leasePrefix"/>: for IAM policies and for reading a pool's items in tests.</summary>
    /// <param name="leasePrefix">The pool's <see cref="LeasePrefix"/>.</param>
    /// <returns>The value every item of that pool carries in <see cref="HashKeyAttribute"/>.</returns>
    public static string PoolKeyFor(string leasePrefix) => "pool#" + leasePrefix;

    /// <summary>
    /// Checks every setting and throws <see cref="ConfigurationException"/> listing every problem at
    /// once, so a bad deployment is fixed in one go. <see cref="LeasePool"/> calls it on construction.
    /// </summary>
    /// <returns>These options, unchanged, for chaining.</returns>
    public LeasePoolOptions Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(TableName) || !TableNamePattern().IsMatch(TableName))
        {
            problems.Add($"table name '{TableName}' must be 3-255 characters of A-Z a-z 0-9 _ . -");
        }

        CheckAttribute(problems, "hash key", HashKeyAttribute);
        CheckAttribute(problems, "range key", RangeKeyAttribute);
        CheckAttribute(problems, "TTL attribute", TtlAttribute);
        var names = new[] { HashKeyAttribute, RangeKeyAttribute, TtlAttribute };
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            problems.Add("hash key, range key and TTL attribute names must be distinct");
        }

        foreach (var name in names)
        {
            if (LeaseItem.ReservedAttributes.Contains(name))
            {
                problems.Add($"attribute name '{name}' is used by the lease items themselves; choose another");
            }
        }

        if (!PrefixPattern().IsMatch(LeasePrefix ?? ""))
        {
            problems.Add($"lease prefix '{LeasePrefix}' must be at most 64 characters of A-Z a-z 0-9 _ . -");
        }

        if (MaxConcurrentLeases is < 1 or > MaxSlots)
        {
            problems.Add($"max concurrent leases {MaxConcurrentLeases} must be between 1 and {MaxSlots}");
        }

        if (MaxLeaseDurationSeconds is < 1 or > MaxDurationCeilingSeconds)
        {
            problems.Add($"max lease duration {MaxLeaseDurationSeconds}s must be between 1 and {MaxDurationCeilingSeconds} seconds");
        }

        if (ReclaimSettleSeconds is < 0 or > MaxReclaimSettleSeconds)
        {
            problems.Add($"reclaim settle time {ReclaimSettleSeconds}s must be between 0 and {MaxReclaimSettleSeconds} seconds (a Lambda function's longest timeout)");
        }

        if (LimitRefreshSeconds is < 1 or > MaxLimitRefreshSeconds)
        {
            problems.Add($"limit refresh {LimitRefreshSeconds}s must be between 1 and {MaxLimitRefreshSeconds} seconds");
        }

        CheckKeyLimits(problems);
        if (problems.Count > 0)
        {
            throw new ConfigurationException("Invalid lease pool configuration: " + string.Join("; ", problems) + ".");
        }

        return this;
    }

    private void CheckKeyLimits(List<string> problems)
    {
        if (MaxConcurrentLeasesPerKey is { } perKey && perKey is < 1 or > MaxSlots)
        {
            problems.Add($"max concurrent leases per key {perKey} must be between 1 and {MaxSlots}");
        }

        if (KeyLimits is not { Count: > 0 } overrides)
        {
            return;
        }

        if (MaxConcurrentLeasesPerKey is null)
        {
            problems.Add("per-key limit overrides need max concurrent leases per key (the limit of every other key)");
        }

        foreach (var (key, limit) in overrides)
        {
            if (string.IsNullOrEmpty(key) || System.Text.Encoding.UTF8.GetByteCount(key) > LeaseRequestLimits.MaxConcurrencyKeyBytes)
            {
                problems.Add($"per-key limit override keys must be 1-{LeaseRequestLimits.MaxConcurrencyKeyBytes} bytes of UTF-8");
            }

            if (limit is < 1 or > MaxSlots)
            {
                problems.Add($"per-key limit {limit} must be between 1 and {MaxSlots}");
            }
        }
    }

    private static void CheckAttribute(List<string> problems, string role, string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 255)
        {
            problems.Add($"{role} attribute name must be 1-255 characters");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,255}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{0,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();
}
