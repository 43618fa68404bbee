using System.Buffers;
using System.Text.Json;

namespace LeaseManager.Observability;

/// <summary>
/// Collects one invocation's metrics and writes them as a single CloudWatch EMF document on stdout,
/// in two dimension sets: <c>Service</c>, as Powertools does, and <c>Service</c> + <c>function_name</c>,
/// one pool's own series (each pool has its own function; pools may share a service name), which the
/// module's dashboard and alarms read. <c>ColdStart</c> is its own document with the
/// <c>function_name</c> dimension added, as Powertools does.
/// </summary>
public sealed class EmbeddedMetrics
{
    /// <summary>Emitted once per execution environment, with the function_name dimension (as Powertools does).</summary>
    public const string ColdStart = "ColdStart";

    /// <summary>The dimension every metric carries (Powertools' service).</summary>
    public const string ServiceDimension = "Service";

    /// <summary>The dimension naming one pool's function.</summary>
    public const string FunctionNameDimension = "function_name";

    private readonly Stream _output;
    private readonly ObservabilitySettings _settings;
    private readonly TimeProvider _clock;
    private readonly List<(string Name, double Value, string Unit)> _metrics = [];
    private readonly List<LogField> _properties = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public EmbeddedMetrics(Stream output, ObservabilitySettings settings, TimeProvider? clock = null)
    {
        _output = output;
        _settings = settings;
        _clock = clock ?? TimeProvider.System;
    }

    public void Add(string name, double value, string unit = "Count")
    {
        if (!_settings.MetricsDisabled)
        {
            _metrics.Add((name, value, unit));
        }
    }

    public void AddProperty(LogField property)
    {
        if (!_settings.MetricsDisabled)
        {
            _properties.Add(property);
        }
    }

    /// <summary>Writes what was collected (nothing if no metric was added) and starts afresh.</summary>
    public void Flush()
    {
        if (_metrics.Count > 0)
        {
            IReadOnlyList<(string, string)> dimensions = string.IsNullOrEmpty(_settings.FunctionName)
                ? [(ServiceDimension, _settings.ServiceName)]
                : [(ServiceDimension, _settings.ServiceName), (FunctionNameDimension, _settings.FunctionName)];
            WriteDocument(_metrics, dimensions, _properties, bySetPrefix: true);
        }

        _metrics.Clear();
        _properties.Clear();
    }

    public void EmitColdStart()
    {
        if (!_settings.MetricsDisabled)
        {
            WriteDocument([(ColdStart, 1, "Count")], [(ServiceDimension, _settings.ServiceName), (FunctionNameDimension, _settings.FunctionName)], [], bySetPrefix: false);
        }
    }

    /// <param name="bySetPrefix">Write one dimension set per prefix of <paramref name="dimensions"/> (Service; Service + function_name) instead of one set of them all.</param>
    private void WriteDocument(IReadOnlyList<(string Name, double Value, string Unit)> metrics, IReadOnlyList<(string Key, string Value)> dimensions, IReadOnlyList<LogField> properties, bool bySetPrefix)
    {
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", _settings.MetricsNamespace);
            json.WriteStartArray("Dimensions");
            for (var size = bySetPrefix ? 1 : dimensions.Count; size <= dimensions.Count; size++)
            {
                json.WriteStartArray();
                foreach (var (key, _) in dimensions.Take(size))
                {
                    json.WriteStringValue(key);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var name in metrics.Select(m => (m.Name, m.Unit)).Distinct())
            {
                json.WriteStartObject();
                json.WriteString("Name", name.Name);
                json.WriteString("Unit", name.Unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            foreach (var (key, value) in dimensions)
            {
                json.WriteString(key, value);
            }

            foreach (var group in metrics.GroupBy(m => m.Name))
            {
                var values = group.Select(m => m.Value).ToList();
                if (values.Count == 1)
                {
                    json.WriteNumber(group.Key, values[0]);
                }
                else
                {
                    json.WriteStartArray(group.Key);
                    values.ForEach(json.WriteNumberValue);
                    json.WriteEndArray();
                }
            }

            foreach (var property in properties)
            {
                property.WriteTo(json);
            }

            json.WriteEndObject();
        }

        _buffer.Write("\n"u8);
        _output.Write(_buffer.WrittenSpan);
        _output.Flush();
    }
}
