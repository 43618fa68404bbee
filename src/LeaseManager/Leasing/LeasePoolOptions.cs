using System.Text.RegularExpressions;

namespace LeaseManager.Leasing;

/// <summary>
/// Where a pool lives and how big it is. One pool = one table + one <see cref="LeasePrefix"/>.
/// </summary>
public sealed partial record LeasePoolOptions
{
    public const int MaxSlots = 1000;
    public const int MaxDurationCeilingSeconds = 86_400;
    public const int MaxReclaimSettleSeconds = 900;

    public required string TableName { get; init; }

    public string HashKeyAttribute { get; init; } = "PK";

    public string RangeKeyAttribute { get; init; } = "SK";

    public string TtlAttribute { get; init; } = "ttl";

    /// <summary>Pool name inside a shared table; empty for the table's default pool.</summary>
    public string LeasePrefix { get; init; } = "";

    public int MaxConcurrentLeases { get; init; } = 100;

    public int MaxLeaseDurationSeconds { get; init; } = 600;

    /// <summary>
    /// How long after an execution ended an acquire it started may still land: the function's
    /// timeout (the module sets it). A reclaim sweeps again once this has passed since the end, so a
    /// lease written by such a late acquire is released too. 0: one sweep.
    /// </summary>
    public int ReclaimSettleSeconds { get; init; }

    /// <summary>The partition key value of every item of this pool (and the IAM <c>dynamodb:LeadingKeys</c> value).</summary>
    public string PoolKey => PoolKeyFor(LeasePrefix);

    public static string PoolKeyFor(string leasePrefix) => "pool#" + leasePrefix;

    /// <summary>Throws <see cref="ConfigurationException"/> listing every problem at once.</summary>
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

        if (problems.Count > 0)
        {
            throw new ConfigurationException("Invalid lease pool configuration: " + string.Join("; ", problems) + ".");
        }

        return this;
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
