using System.Globalization;
using System.Text;

namespace LeaseManager.Cli;

/// <summary>A plain-text table: a header row, columns padded to their widest cell, numbers right-aligned.</summary>
internal static class TextTable
{
    public static void Write(StringBuilder output, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows, ISet<int>? rightAligned = null)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        void Line(IReadOnlyList<string> cells)
        {
            var text = string.Join("  ", cells.Select((c, i) => rightAligned?.Contains(i) == true ? c.PadLeft(widths[i]) : c.PadRight(widths[i])));
            output.Append("  ").Append(text.TrimEnd()).Append('\n');
        }

        Line(headers);
        foreach (var row in rows)
        {
            Line(row);
        }
    }

    /// <summary>A span as a person reads it: 850ms, 42s, 3m07s, 2h05m, 1d03h.</summary>
    public static string Duration(long ms)
    {
        if (ms < 0)
        {
            return "-" + Duration(-ms);
        }

        var s = ms / 1000;
        return s switch
        {
            0 => ms.ToString(CultureInfo.InvariantCulture) + "ms",
            < 60 => $"{s}s",
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{s / 60}m{s % 60:00}s"),
            < 86_400 => string.Create(CultureInfo.InvariantCulture, $"{s / 3600}h{s % 3600 / 60:00}m"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{s / 86_400}d{s % 86_400 / 3600:00}h"),
        };
    }

    /// <summary>
    /// An owner as the table shows it: a Step Functions execution ARN
    /// (<c>arn:aws:states:region:account:execution:stateMachine[/mapRun]:name</c>, or <c>express:…:name:id</c>)
    /// by its execution name; anything else as it is; either cut in the middle past <paramref name="max"/> characters.
    /// </summary>
    public static string Owner(string? owner, bool wide, int max = 40)
    {
        if (owner is null)
        {
            return "(anonymous)";
        }

        if (wide)
        {
            return owner;
        }

        var parts = owner.Split(':');
        var name = parts.Length >= 8 && parts[0] == "arn" && parts[2] == "states" && parts[5] is "execution" or "express" ? parts[7] : owner;
        return Cut(name, max);
    }

    /// <summary><paramref name="text"/>, cut in the middle past <paramref name="max"/> characters.</summary>
    public static string Cut(string text, int max = 40) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max / 2 - 1), "…", text.AsSpan(text.Length - (max - max / 2)));
}
