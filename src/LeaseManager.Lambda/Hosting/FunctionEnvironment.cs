using System.Globalization;
using LeaseManager.Leasing;
using LeaseManager.Observability;

namespace LeaseManager.Hosting;

/// <summary>
/// Every environment variable the function reads, and how they map to the library's plain
/// <see cref="LeasePoolOptions"/> and to <see cref="ObservabilitySettings"/>. The one place these
/// names are written: the Terraform module is checked against <see cref="SetByModule"/>, tests and
/// benchmarks use the constants.
/// </summary>
public static class FunctionEnvironment
{
    // Set by the Terraform module (lambda.tf).
    public const string TableName = "LEASE_TABLE_NAME";
    public const string HashKey = "LEASE_TABLE_HASH_KEY";
    public const string RangeKey = "LEASE_TABLE_RANGE_KEY";
    public const string TtlAttribute = "LEASE_TABLE_TTL_ATTRIBUTE";
    public const string LeasePrefix = "LEASE_PREFIX";
    public const string MaxConcurrentLeases = "LEASE_MAX_CONCURRENT";
    public const string MaxLeaseDurationSeconds = "LEASE_MAX_DURATION_SECONDS";
    public const string ReclaimSettleSeconds = "LEASE_RECLAIM_SETTLE_SECONDS";

    /// <summary>The module's <c>max_concurrent_leases_per_key</c>: set turns concurrency keys on.</summary>
    public const string MaxConcurrentPerKey = "LEASE_MAX_CONCURRENT_PER_KEY";

    /// <summary>The module's <c>max_concurrent_leases_per_key_overrides</c>, as a JSON object of key to limit.</summary>
    public const string KeyLimits = "LEASE_KEY_LIMITS";

    /// <summary>The module's <c>sfn_wait_strategy</c>: <c>poll</c>, <c>retry</c> or <c>callback</c> (hand-off to queued waiters).</summary>
    public const string WaitStrategy = "LEASE_WAIT_STRATEGY";

    /// <summary><c>enabled</c> on the module's admin function only: it alone serves <c>status</c>, <c>force_release</c> and <c>set_limit</c>.</summary>
    public const string AdminActions = "LEASE_ADMIN_ACTIONS";

    // Powertools for AWS Lambda's names, so the module's powertools_configuration means the same here.
    public const string ServiceName = "POWERTOOLS_SERVICE_NAME";
    public const string PowertoolsLogLevel = "POWERTOOLS_LOG_LEVEL";
    public const string LoggerSampleRate = "POWERTOOLS_LOGGER_SAMPLE_RATE";
    public const string LoggerLogEvent = "POWERTOOLS_LOGGER_LOG_EVENT";
    public const string MetricsNamespace = "POWERTOOLS_METRICS_NAMESPACE";
    public const string MetricsDisabled = "POWERTOOLS_METRICS_DISABLED";

    // Set by Lambda itself.
    public const string RuntimeApi = "AWS_LAMBDA_RUNTIME_API";
    public const string FunctionName = "AWS_LAMBDA_FUNCTION_NAME";
    public const string FunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION";
    public const string FunctionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    public const string LambdaLogLevel = "AWS_LAMBDA_LOG_LEVEL";
    public const string Region = "AWS_REGION";
    public const string DefaultRegion = "AWS_DEFAULT_REGION";

    /// <summary>Written per invocation for downstream SDKs (Lambda sets it for managed runtimes; a custom runtime must).</summary>
    public const string TraceId = "_X_AMZN_TRACE_ID";

    /// <summary>What the Terraform module must set, no more, no less (a test reads lambda.tf).</summary>
    public static readonly IReadOnlySet<string> SetByModule = new HashSet<string>(StringComparer.Ordinal)
    {
        TableName, HashKey, RangeKey, TtlAttribute, LeasePrefix, MaxConcurrentLeases, MaxLeaseDurationSeconds, ReclaimSettleSeconds, WaitStrategy, AdminActions, MaxConcurrentPerKey, KeyLimits,
        ServiceName, PowertoolsLogLevel, LoggerSampleRate, LoggerLogEvent, MetricsNamespace, MetricsDisabled,
    };

    /// <summary>What Lambda provides; the module must not set these (Lambda reserves most of them).</summary>
    public static readonly IReadOnlySet<string> SetByLambda = new HashSet<string>(StringComparer.Ordinal)
    {
        RuntimeApi, FunctionName, FunctionVersion, FunctionMemorySize, LambdaLogLevel, Region, DefaultRegion, TraceId,
    };

    /// <summary>Reads the pool the module configured; unset optional variables keep the library's defaults.</summary>
    /// <exception cref="ConfigurationException">Naming every problem at once.</exception>
    public static LeasePoolOptions PoolOptions(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var problems = new List<string>();
        var table = getVariable(TableName);
        if (string.IsNullOrWhiteSpace(table))
        {
            problems.Add($"{TableName} is required");
        }

        var defaults = new LeasePoolOptions { TableName = "" };
        var options = new LeasePoolOptions
        {
            TableName = table ?? "",
            HashKeyAttribute = NonEmpty(getVariable(HashKey)) ?? defaults.HashKeyAttribute,
            RangeKeyAttribute = NonEmpty(getVariable(RangeKey)) ?? defaults.RangeKeyAttribute,
            TtlAttribute = NonEmpty(getVariable(TtlAttribute)) ?? defaults.TtlAttribute,
            LeasePrefix = getVariable(LeasePrefix) ?? defaults.LeasePrefix,
            MaxConcurrentLeases = ReadInt(getVariable, MaxConcurrentLeases, defaults.MaxConcurrentLeases, problems),
            MaxLeaseDurationSeconds = ReadInt(getVariable, MaxLeaseDurationSeconds, defaults.MaxLeaseDurationSeconds, problems),
            ReclaimSettleSeconds = ReadInt(getVariable, ReclaimSettleSeconds, defaults.ReclaimSettleSeconds, problems),
            HandOffToWaiters = ReadWaitStrategy(getVariable, problems),
            MaxConcurrentLeasesPerKey = NonEmpty(getVariable(MaxConcurrentPerKey)) is null ? null : ReadInt(getVariable, MaxConcurrentPerKey, 0, problems),
            KeyLimits = ReadKeyLimits(getVariable(KeyLimits), problems),
        };

        if (problems.Count > 0)
        {
            throw new ConfigurationException("Invalid lease manager environment: " + string.Join("; ", problems) + ".");
        }

        return options.Validate();
    }

    /// <summary>Whether this function serves the operator's actions: <c>enabled</c>, or <c>disabled</c>/unset.</summary>
    /// <exception cref="ConfigurationException">Any other value.</exception>
    public static bool AdminActionsEnabled(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return getVariable(AdminActions) switch
        {
            null or "" or "disabled" => false,
            "enabled" => true,
            var other => throw new ConfigurationException($"Invalid lease manager environment: {AdminActions}='{other}' must be enabled or disabled."),
        };
    }

    public static ObservabilitySettings Observability(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var defaults = new ObservabilitySettings();

        // Lambda drops lines below its own level anyway, so when it is set it wins (as in Powertools).
        var level = ObservabilitySettings.ParseLevel(getVariable(LambdaLogLevel)) ?? ObservabilitySettings.ParseLevel(getVariable(PowertoolsLogLevel));
        return new ObservabilitySettings
        {
            ServiceName = NonBlank(getVariable(ServiceName)) ?? defaults.ServiceName,
            MinimumLevel = level ?? defaults.MinimumLevel,
            SampleRate = Math.Clamp(ParseDouble(getVariable(LoggerSampleRate)) ?? 0, 0, 1),
            LogEvent = ParseBool(getVariable(LoggerLogEvent)),
            MetricsNamespace = NonBlank(getVariable(MetricsNamespace)) ?? defaults.MetricsNamespace,
            MetricsDisabled = ParseBool(getVariable(MetricsDisabled)),
            FunctionName = getVariable(FunctionName) ?? "",
            FunctionVersion = getVariable(FunctionVersion) ?? "",
            FunctionMemorySize = int.TryParse(getVariable(FunctionMemorySize), NumberStyles.None, CultureInfo.InvariantCulture, out var mb) ? mb : 0,
        };
    }

    /// <summary>The region the SDK client targets: Lambda's, or the one a local runner sets.</summary>
    public static string? RegionName(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return NonEmpty(getVariable(Region)) ?? NonEmpty(getVariable(DefaultRegion));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A JSON object of key to whole-number limit (Terraform's jsonencode of a map(number)).</summary>
    private static Dictionary<string, int>? ReadKeyLimits(string? json, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                problems.Add($"{KeyLimits} must be a JSON object of key to limit");
                return null;
            }

            var limits = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind == System.Text.Json.JsonValueKind.Number && entry.Value.TryGetInt32(out var limit))
                {
                    limits[entry.Name] = limit;
                }
                else
                {
                    problems.Add($"{KeyLimits} value of a key must be a whole number");
                }
            }

            return limits;
        }
        catch (System.Text.Json.JsonException)
        {
            problems.Add($"{KeyLimits} is not valid JSON");
            return null;
        }
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool ParseBool(string? value) =>
        value is not null && (value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) || value.Trim() == "1");

    private static double? ParseDouble(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    /// <summary>Unset is <c>poll</c> (the module's default); only <c>callback</c> hands off to waiters.</summary>
    private static bool ReadWaitStrategy(Func<string, string?> getVariable, List<string> problems)
    {
        var raw = getVariable(WaitStrategy);
        switch (raw)
        {
            case null or "" or "poll" or "retry":
                return false;
            case "callback":
                return true;
            default:
                problems.Add($"{WaitStrategy}='{raw}' must be poll, retry or callback");
                return false;
        }
    }

    private static int ReadInt(Func<string, string?> getVariable, string name, int fallback, List<string> problems)
    {
        var raw = getVariable(name);
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"{name}='{raw}' is not a whole number");
        return fallback;
    }
}
