using System.Globalization;
using System.Text;

namespace LeaseManager.Cli;

/// <summary>The text of <c>status</c>: a header with the limits and counts, then the leases, then the queue.</summary>
internal static class StatusView
{
    public static string Render(StatusReport report, bool wide)
    {
        var now = report.ReadAtMs;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"pool {report.Pool} in table {report.Table} at {DateTimeOffset.FromUnixTimeMilliseconds(now):yyyy-MM-dd HH:mm:ss}Z\n");
        var configured = report.ConfiguredLimit?.ToString(CultureInfo.InvariantCulture) ?? "unknown (pass --max-leases)";
        var stored = report.StoredLimit?.ToString(CultureInfo.InvariantCulture) ?? "none";
        var limit = report.Limit?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
        text.Append(CultureInfo.InvariantCulture, $"  limit    {limit} in force (configured: {configured}; stored: {stored})\n");
        var of = report.Limit is { } l ? $" of {l}" : "";
        text.Append(CultureInfo.InvariantCulture, $"  held     {report.Held}{of}\n");
        var oldest = report.OldestWaitMs is { } w ? $", the oldest for {TextTable.Duration(w)}" : "";
        text.Append(CultureInfo.InvariantCulture, $"  waiting  {report.Waiting}{oldest}\n");

        text.Append('\n');
        if (report.Held == 0)
        {
            text.Append("  no live leases\n");
        }
        else
        {
            // The KEY column only when some listed lease counts against a concurrency key.
            var keyed = report.Leases.Any(l => l.ConcurrencyKey is not null);
            var rows = report.Leases.Select(l => new[]
            {
                l.LeaseId + (l.AboveLimit ? " *" : ""),
                l.Slot.ToString(CultureInfo.InvariantCulture),
                TextTable.Owner(l.OwnerId, wide),
                l.ResourceId ?? "-",
                l.ConcurrencyKey is { } key ? (wide ? key : TextTable.Cut(key)) : "-",
                l.AcquiredAtMs is { } at ? TextTable.Duration(now - at) : "?",
                TextTable.Duration(l.ExpiresAtMs - now),
                l.Renewals.ToString(CultureInfo.InvariantCulture),
            }.Where((_, column) => keyed || column != 4).ToArray()).ToList();
            string[] headers = keyed
                ? ["LEASE ID", "SLOT", "OWNER", "RESOURCE", "KEY", "HELD FOR", "EXPIRES IN", "RENEWALS"]
                : ["LEASE ID", "SLOT", "OWNER", "RESOURCE", "HELD FOR", "EXPIRES IN", "RENEWALS"];
            TextTable.Write(text, headers, rows, keyed ? new HashSet<int> { 1, 5, 6, 7 } : new HashSet<int> { 1, 4, 5, 6 });
            if (report.Leases.Any(l => l.AboveLimit))
            {
                text.Append("  * above the limit in force (left from a larger one): it ends without being passed on\n");
            }

            if (report.LeasesTruncated)
            {
                text.Append(CultureInfo.InvariantCulture, $"  … {report.Held - report.Leases.Count} more live lease(s) not listed (showing {report.Leases.Count} of {report.Held}; --max-entries lists more)\n");
            }
        }

        if (report.Waiting > 0)
        {
            text.Append('\n');
            var rows = report.Waiters.Select(w => new[]
            {
                w.Position.ToString(CultureInfo.InvariantCulture),
                TextTable.Owner(w.OwnerId, wide),
                w.ResourceId ?? "-",
                w.Priority.ToString(CultureInfo.InvariantCulture),
                TextTable.Duration(now - w.QueuedAtMs),
            }).ToList();
            TextTable.Write(text, ["QUEUED", "OWNER", "RESOURCE", "PRIORITY", "WAITING FOR"], rows, new HashSet<int> { 0, 3, 4 });
            if (report.WaitersTruncated)
            {
                text.Append(CultureInfo.InvariantCulture, $"  … {report.Waiting - report.Waiters.Count} more waiter(s) not listed (showing {report.Waiters.Count} of {report.Waiting}; --max-entries lists more)\n");
            }
        }

        if (!wide && report.Leases.Select(l => l.OwnerId).Concat(report.Waiters.Select(w => w.OwnerId)).Any(o => o is not null && o.StartsWith("arn:", StringComparison.Ordinal)))
        {
            text.Append("\n  owners are execution names; --wide shows the full ARNs\n");
        }

        return text.ToString();
    }
}
