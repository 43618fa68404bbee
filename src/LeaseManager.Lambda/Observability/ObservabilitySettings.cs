using System.Globalization;

namespace LeaseManager.Observability;

/// <summary>Log levels, named as Lambda's JSON log-level filtering reads them.</summary>
public enum LogLevel
{
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Fatal = 5,
}

/// <summary>
/// Logging and metrics settings from the variables Powertools for AWS Lambda defines (so the module's
/// <c>powertools_configuration</c> means the same here) and from the Lambda environment.
/// </summary>
public sealed record ObservabilitySettings
{
    public string ServiceName { get; init; } = "lease-manager";

    public LogLevel MinimumLevel { get; init; } = LogLevel.Info;

    /// <summary>Share of invocations (0–1) logged at DEBUG regardless of <see cref="MinimumLevel"/>.</summary>
    public double SampleRate { get; init; }

    public bool LogEvent { get; init; }

    public string MetricsNamespace { get; init; } = "LeaseManager";

    public bool MetricsDisabled { get; init; }

    public string FunctionName { get; init; } = "";

    public string FunctionVersion { get; init; } = "";

    public int FunctionMemorySize { get; init; }

    public static ObservabilitySettings FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var powertoolsLevel = ParseLevel(getVariable("POWERTOOLS_LOG_LEVEL"));

        // Lambda drops lines below its own level anyway, so when it is set it wins (as in Powertools).
        var lambdaLevel = ParseLevel(getVariable("AWS_LAMBDA_LOG_LEVEL"));
        return new ObservabilitySettings
        {
            ServiceName = NonEmpty(getVariable("POWERTOOLS_SERVICE_NAME")) ?? "lease-manager",
            MinimumLevel = lambdaLevel ?? powertoolsLevel ?? LogLevel.Info,
            SampleRate = Math.Clamp(ParseDouble(getVariable("POWERTOOLS_LOGGER_SAMPLE_RATE")) ?? 0, 0, 1),
            LogEvent = ParseBool(getVariable("POWERTOOLS_LOGGER_LOG_EVENT")),
            MetricsNamespace = NonEmpty(getVariable("POWERTOOLS_METRICS_NAMESPACE")) ?? "LeaseManager",
            MetricsDisabled = ParseBool(getVariable("POWERTOOLS_METRICS_DISABLED")),
            FunctionName = getVariable("AWS_LAMBDA_FUNCTION_NAME") ?? "",
            FunctionVersion = getVariable("AWS_LAMBDA_FUNCTION_VERSION") ?? "",
            FunctionMemorySize = int.TryParse(getVariable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out var mb) ? mb : 0,
        };
    }

    /// <summary>Accepts Lambda's names (INFO, WARN, FATAL) and .NET/Powertools ones (Information, Warning, Critical).</summary>
    public static LogLevel? ParseLevel(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Info,
        "WARN" or "WARNING" => LogLevel.Warn,
        "ERROR" => LogLevel.Error,
        "FATAL" or "CRITICAL" => LogLevel.Fatal,
        _ => null,
    };

    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Info => "INFO",
        LogLevel.Warn => "WARN",
        LogLevel.Error => "ERROR",
        _ => "FATAL",
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool ParseBool(string? value) =>
        value is not null && (value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase) || value.Trim() == "1");

    private static double? ParseDouble(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
