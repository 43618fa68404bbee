using System.Buffers;
using System.Text.Json;

namespace LeaseManager.Observability;

/// <summary>
/// JSON log lines with the Powertools for AWS Lambda (.NET) keys, one <c>write</c> per line so lines
/// never interleave. Levels use Lambda's names so Lambda's application log-level filter can read them.
/// </summary>
public sealed class StructuredLogger
{
    private readonly Stream _output;
    private readonly ObservabilitySettings _settings;
    private readonly TimeProvider _clock;
    private readonly Func<double> _random;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly object _gate = new();
    private readonly List<LogField> _appended = [];
    private InvocationScope? _scope;
    private bool _sampledDebug;

    public StructuredLogger(Stream output, ObservabilitySettings settings, TimeProvider? clock = null, Func<double>? random = null)
    {
        _output = output;
        _settings = settings;
        _clock = clock ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
    }

    public ObservabilitySettings Settings => _settings;

    /// <summary>Sets the per-invocation keys and decides whether this invocation is sampled at DEBUG.</summary>
    public void BeginInvocation(InvocationScope scope)
    {
        lock (_gate)
        {
            _scope = scope;
            _sampledDebug = _settings.SampleRate > 0 && _random() < _settings.SampleRate;
        }
    }

    public void EndInvocation()
    {
        lock (_gate)
        {
            _scope = null;
            _sampledDebug = false;
            _appended.Clear();
        }
    }

    /// <summary>Adds a key to every line until the invocation ends (Powertools' <c>AppendKey</c>): a handler's context on the host's lines.</summary>
    public void AppendKey(LogField field)
    {
        lock (_gate)
        {
            _appended.RemoveAll(f => f.Key == field.Key);
            _appended.Add(field);
        }
    }

    public bool IsEnabled(LogLevel level) => level >= _settings.MinimumLevel || (_sampledDebug && level >= LogLevel.Debug);

    public void Debug(string message, params LogField[] fields) => Write(LogLevel.Debug, message, null, fields);

    public void Info(string message, params LogField[] fields) => Write(LogLevel.Info, message, null, fields);

    public void Warn(string message, Exception? exception = null, params LogField[] fields) => Write(LogLevel.Warn, message, exception, fields);

    public void Error(string message, Exception? exception = null, params LogField[] fields) => Write(LogLevel.Error, message, exception, fields);

    public void Write(LogLevel level, string message, Exception? exception, params LogField[] fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        lock (_gate)
        {
            if (!IsEnabled(level))
            {
                return;
            }

            _buffer.Clear();
            using (var json = new Utf8JsonWriter(_buffer))
            {
                json.WriteStartObject();
                json.WriteString("level", ObservabilitySettings.Name(level));
                json.WriteString("message", message);
                json.WriteString("timestamp", _clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("service", _settings.ServiceName);
                if (_scope is { } scope)
                {
                    json.WriteBoolean("cold_start", scope.ColdStart);
                    json.WriteString("function_name", _settings.FunctionName);
                    json.WriteString("function_version", _settings.FunctionVersion);
                    json.WriteNumber("function_memory_size", _settings.FunctionMemorySize);
                    json.WriteString("function_arn", scope.FunctionArn);
                    json.WriteString("function_request_id", scope.RequestId);
                    if (!string.IsNullOrEmpty(scope.TraceId))
                    {
                        json.WriteString("xray_trace_id", XRayRootId(scope.TraceId));
                    }
                }

                if (_settings.SampleRate > 0)
                {
                    json.WriteNumber("sampling_rate", _settings.SampleRate);
                }

                foreach (var field in _appended)
                {
                    field.WriteTo(json);
                }

                foreach (var field in fields)
                {
                    field.WriteTo(json);
                }

                if (exception is not null)
                {
                    json.WriteString("exception", exception.GetType().FullName);
                    json.WriteString("exception_message", exception.Message);
                    if (exception.StackTrace is { } stack)
                    {
                        json.WriteString("stack_trace", stack);
                    }
                }

                json.WriteEndObject();
            }

            _buffer.Write("\n"u8);
            _output.Write(_buffer.WrittenSpan);
            _output.Flush();
        }
    }

    /// <summary>
    /// Lambda's trace header is <c>Root=1-…;Parent=…;Sampled=1</c>; Powertools logs the Root id alone.
    /// </summary>
    public static string XRayRootId(string traceHeader)
    {
        ArgumentNullException.ThrowIfNull(traceHeader);
        foreach (var part in traceHeader.Split(';'))
        {
            if (part.StartsWith("Root=", StringComparison.Ordinal))
            {
                return part["Root=".Length..];
            }
        }

        return traceHeader;
    }
}

/// <summary>What one invocation adds to every log line.</summary>
public sealed record InvocationScope(string RequestId, string FunctionArn, string? TraceId, bool ColdStart);
