using System.Text.Json;

namespace LeaseManager.Tests.Hosting;

/// <summary>
/// The CloudWatch Embedded Metric Format specification's rules, as a checker: returns every
/// violation of one document (empty when valid).
/// </summary>
public static class EmfSpecification
{
    private static readonly HashSet<string> Units = new(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    };

    public static List<string> Violations(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ["root is not an object"];
        }

        if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
        {
            return ["_aws metadata object is missing"];
        }

        if (!aws.TryGetProperty("Timestamp", out var ts) || ts.ValueKind != JsonValueKind.Number || !ts.TryGetInt64(out var ms) || ms < 1_000_000_000_000)
        {
            problems.Add("_aws.Timestamp must be epoch milliseconds");
        }

        if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array)
        {
            problems.Add("_aws.CloudWatchMetrics must be an array");
            return problems;
        }

        foreach (var directive in directives.EnumerateArray())
        {
            if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String || ns.GetString()!.Length is < 1 or > 1024)
            {
                problems.Add("MetricDirective.Namespace must be a string of 1-1024 characters");
            }

            if (!directive.TryGetProperty("Dimensions", out var sets) || sets.ValueKind != JsonValueKind.Array)
            {
                problems.Add("MetricDirective.Dimensions must be an array of dimension sets");
            }
            else
            {
                foreach (var set in sets.EnumerateArray())
                {
                    if (set.ValueKind != JsonValueKind.Array || set.GetArrayLength() > 30)
                    {
                        problems.Add("a DimensionSet must be an array of at most 30 names");
                        continue;
                    }

                    foreach (var name in set.EnumerateArray())
                    {
                        var key = name.GetString() ?? "";
                        if (key.Length is < 1 or > 255)
                        {
                            problems.Add($"dimension name '{key}' must be 1-255 characters");
                        }
                        else if (!root.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length is < 1 or > 1024)
                        {
                            problems.Add($"dimension '{key}' must be a root member with a string value of 1-1024 characters");
                        }
                    }
                }
            }

            if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array || metrics.GetArrayLength() > 100)
            {
                problems.Add("MetricDirective.Metrics must be an array of at most 100 definitions");
                continue;
            }

            foreach (var metric in metrics.EnumerateArray())
            {
                var name = metric.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                if (name.Length is < 1 or > 1024)
                {
                    problems.Add("MetricDefinition.Name must be a string of 1-1024 characters");
                    continue;
                }

                if (metric.TryGetProperty("Unit", out var unit) && (unit.ValueKind != JsonValueKind.String || !Units.Contains(unit.GetString()!)))
                {
                    problems.Add($"metric '{name}' has an invalid Unit");
                }

                if (metric.TryGetProperty("StorageResolution", out var res) && (!res.TryGetInt32(out var r) || r is not (1 or 60)))
                {
                    problems.Add($"metric '{name}' StorageResolution must be 1 or 60");
                }

                if (!root.TryGetProperty(name, out var value))
                {
                    problems.Add($"metric '{name}' has no root member");
                }
                else if (!(value.ValueKind == JsonValueKind.Number
                    || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() <= 100 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number))))
                {
                    problems.Add($"metric '{name}' value must be a number or an array of at most 100 numbers");
                }
            }
        }

        return problems;
    }
}
