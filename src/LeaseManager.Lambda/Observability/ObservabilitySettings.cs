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
/// Logging and metrics settings; <see cref="Hosting.FunctionEnvironment.Observability"/> reads them
/// from the variables Powertools for AWS Lambda defines and from the Lambda environment.
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
}
