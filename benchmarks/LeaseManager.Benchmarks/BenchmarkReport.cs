using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LeaseManager.Benchmarks;

/// <summary>Renders docs/benchmarks.md from one run's figures.</summary>
internal sealed partial class BenchmarkReport(DateTimeOffset started, bool quick, string peerKind)
{
    private readonly StringBuilder _sections = new();

    public void AddThroughput(IReadOnlyList<ThroughputBenchmark.Cell> cells, IReadOnlyList<PeerCostBenchmark.Result> peerCost)
    {
        Line("## Lease algorithms side by side");
        Line();
        Line(Invariant($"Closed-loop clients (acquire → hold 2 ms → release), each with its own instance of the algorithm (as each Lambda execution environment has its own), every acquire with a new owner (a new execution). Utilisation sizes the pool: at 10% and 50% there are 10× and 2× as many slots as clients; at 100% the pool is saturated, with two clients per slot (one client: one slot), so waits and any over-admission show. All three algorithms run in the same process against the same DynamoDB Local table, one pool each, through the **latency model**: a proxy in front of DynamoDB Local delays every request by {ThroughputBenchmark.Delay.TotalMilliseconds:0} ms plus a uniform jitter of 0–{ThroughputBenchmark.Jitter.TotalMilliseconds:0} ms (about 5 ms a round trip), so round trips count as they do on AWS. *Calls per grant* counts every DynamoDB request made by acquire attempts, waits included, divided by grants; *calls per attempt* divides the same by attempts (grants + answers of \"wait\"). *Over-admissions* counts grants that pushed the holders above the pool size, seen from the clients' side."));
        Line();
        Line("- **this module**: slot items and conditional writes (owned acquires write the slot and an owner index in one `TransactWriteItems`).");
        Line("- **seed (count, then write)**: the replaced module's algorithm — a consistent `Query` counting unexpired leases, then an unconditional `PutItem`.");
        Line("- **AWS sample (counter item)**: one item per pool with a counter and one attribute per holder; conditional `UpdateItem` (`count < limit AND attribute_not_exists(owner)`). No expiry: a holder that never releases holds forever.");
        Line();
        foreach (var clients in ThroughputBenchmark.ClientCounts)
        {
            Line(Invariant($"### {clients} client{(clients == 1 ? "" : "s")}"));
            Line();
            Line("| Algorithm | Utilisation | Pool | Pairs/s | vs seed | p50 acquire | p99 acquire | Calls per grant | Calls per attempt | Max held | Over-admissions |");
            Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var utilisation in ThroughputBenchmark.Utilisations)
            {
                var seed = Seed(cells, clients, utilisation);
                foreach (var c in cells.Where(c => c.Clients == clients && c.Utilisation == utilisation))
                {
                    Line(Invariant($"| {c.Algorithm} | {c.Utilisation}% | {c.PoolSize} | {c.PairsPerSecond:0} | {c.PairsPerSecond / seed.PairsPerSecond:0.00}× | {c.P50Ms:0.0} ms | {c.P99Ms:0.0} ms | {c.CallsPerGrant:0.00} | {c.CallsPerAttempt:0.00} | {c.MaxHeld} | {(c.OverAdmissions > 0 ? $"**{c.OverAdmissions}**" : "0")} |"));
                }
            }

            Line();
        }

        AddPeerCost(peerCost);
        AddThroughputTargets(cells);
    }

    private static ThroughputBenchmark.Cell Seed(IReadOnlyList<ThroughputBenchmark.Cell> cells, int clients, int utilisation) =>
        cells.First(c => c.Clients == clients && c.Utilisation == utilisation && c.Algorithm.StartsWith("seed", StringComparison.Ordinal));

    private void AddPeerCost(IReadOnlyList<PeerCostBenchmark.Result> peerCost)
    {
        Line("### What a request costs DynamoDB Local");
        Line();
        Line("Requests per second from 64 concurrent callers, by request shape, in the same run, straight to DynamoDB Local (no latency model). On this machine DynamoDB Local and the clients share two cores, so this measures DynamoDB Local's CPU per request; on DynamoDB itself a conditional write costs the same write unit and about the same latency as an unconditional one, and a transaction twice the write units.");
        Line();
        Line("| Request | Requests/s |");
        Line("| --- | ---: |");
        foreach (var r in peerCost)
        {
            Line(Invariant($"| {r.Request} | {r.PerSecond:0} |"));
        }

        Line();
    }

    private void AddThroughputTargets(IReadOnlyList<ThroughputBenchmark.Cell> cells)
    {
        var ours = cells.Where(c => c.Algorithm == "this module").ToList();
        var roomy = ours.Where(c => c.Utilisation <= 50).ToList();
        var worstCalls = roomy.Max(c => c.CallsPerGrant);
        var pairRatios = roomy.Select(c => (Cell: c, Ratio: c.PairsPerSecond / Seed(cells, c.Clients, c.Utilisation).PairsPerSecond)).ToList();
        var acquireRatios = roomy.Select(c => (Cell: c, Ratio: Seed(cells, c.Clients, c.Utilisation).P50Ms / c.P50Ms)).ToList();
        var saturatedAttempt = ours.Where(c => c.Utilisation == 100).Max(c => c.CallsPerAttempt);
        var seedOver = cells.Where(c => c.Algorithm.StartsWith("seed", StringComparison.Ordinal)).Sum(c => c.OverAdmissions);
        static string List(IEnumerable<(ThroughputBenchmark.Cell Cell, double Ratio)> ratios) =>
            string.Join(", ", ratios.Select(r => Invariant($"{r.Ratio:0.00}× ({r.Cell.Clients}c/{r.Cell.Utilisation}%)")));

        Line("### Against the targets");
        Line();
        Line("| Target | Measured | Met |");
        Line("| --- | --- | --- |");
        Line(Invariant($"| ≤ 1.1 DynamoDB calls per granted acquire at ≤ 50% utilisation | worst cell {worstCalls:0.00} | {(worstCalls <= 1.1 ? "yes" : "**no**")} |"));
        Line(Invariant($"| zero over-admissions | {ours.Sum(c => c.OverAdmissions)} (seed: {seedOver}) | {(ours.Sum(c => c.OverAdmissions) == 0 ? "yes" : "**no**")} |"));
        Line(Invariant($"| ≤ 2 DynamoDB calls per acquire attempt at saturation (`poll`/`retry`) | worst cell {saturatedAttempt:0.00} | {(saturatedAttempt <= 2 ? "yes" : "**no**")} |"));
        Line(Invariant($"| ≥ 1.8× the seed's acquire rate at ≤ 50% utilisation (p50 acquire latency, seed ÷ ours) | {List(acquireRatios)} | {(acquireRatios.All(r => r.Ratio >= 1.8) ? "yes" : "**no**")} |"));
        Line(Invariant($"| the same for whole pairs (acquire + hold + release) | {List(pairRatios)} | {(pairRatios.All(r => r.Ratio >= 1.8) ? "yes" : "**no** (see below)")} |"));
        Line();
        Line("A pair is acquire, a 2 ms hold and release: this module spends two round trips on it (one conditional write each way), the seed three (a counting `Query`, a `PutItem`, a `DeleteItem`). With about 5 ms a round trip the pair rate can therefore gain at most (3 × 5 + 2) ÷ (2 × 5 + 2) ≈ 1.4× whatever the algorithm does; the acquire itself, one round trip against two, is where the 2× shows. At 64 clients the two cores of this machine (shared by DynamoDB Local's JVM, the proxy and 64 clients) become the limit and the ratios shrink towards the CPU cost per request.");
        Line();
        Line(Invariant($"At saturation an attempt does not give up after one lost race: when its read of the pool shows free slots it tries up to 4 of them, and reads again up to 3 times, so that a burst of acquirers fills every free slot in one round (a test requires it). That is what the calls per attempt at 100% count ({saturatedAttempt:0.00} in the worst cell). Answering \"wait\" from the first failed write instead would cap an attempt at 2 calls, at the price of an extra poll interval for an execution that lost one race while other slots were free; that trade is not made."));
        Line();
    }

    public void AddHost(HostBenchmark.Result r)
    {
        Line("## Steady state of the AOT bootstrap");
        Line();
        Line(Invariant($"One execution environment, {r.Invocations:N0} invocations through the local Runtime API host: acquire/release pairs on DynamoDB Local, then 2,000 events rejected before any DynamoDB call. The bootstrap runs with the GC's heap limited to {HostBenchmark.MemoryLimitMb} MB (`DOTNET_GCHeapHardLimit`), as Lambda's memory size limits it through the function's cgroup: left to see the whole machine, .NET sizes its first generation from the host's L3 cache (260 MiB on the machine of the run of 2026-11-30) and resident memory climbs to about 106 MB before the first collection — a property of the host, not a leak."));
        Line();
        Line("| Figure | Value |");
        Line("| --- | ---: |");
        Line(Invariant($"| Peak resident memory (VmHWM) | {r.PeakRssMb:0.0} MB |"));
        Line(Invariant($"| Resident memory after 1,000 invocations / at the end | {r.RssAfterWarmupMb:0.0} MB / {r.FinalRssMb:0.0} MB |"));
        Line(Invariant($"| Acquire + release pair, median (two invocations, two DynamoDB calls) | {r.PairP50Ms:0.00} ms |"));
        Line(Invariant($"| One invocation without DynamoDB (next → parse → /error → next), median / p99 | {r.OverheadP50Ms:0.000} ms / {r.OverheadP99Ms:0.000} ms |"));
        Line();
        Line("Memory stays flat after warm-up: the function's 128 MB minimum is ample (the module defaults to 256 MB for CPU).");
        Line();
    }

    /// <summary>What the lease costs per million items, next to Step Functions' transitions (after the Step Functions section).</summary>
    public void AddPerMillion(IReadOnlyList<ThroughputBenchmark.Cell> cells)
    {
        var ours = cells.Where(c => c.Algorithm == "this module" && c.Utilisation <= 50).Average(c => c.CallsPerGrant);
        var seed = cells.Where(c => c.Algorithm.StartsWith("seed", StringComparison.Ordinal) && c.Utilisation <= 50).Average(c => c.CallsPerGrant);
        Line("### What it means per million items (estimate)");
        Line();
        Line("At us-east-1 list prices as of this run (Step Functions Standard $0.025 per 1,000 transitions; Lambda $0.20 per million requests and $0.0000166667 per GB-second; DynamoDB on-demand $0.625 per million write units and $0.125 per million read units), for an uncontended item (no waits), with ~10 ms billed per 256 MB invocation:");
        Line();
        Line("| Part | This module | Seed module |");
        Line("| --- | ---: | ---: |");
        Line("| Step Functions (4 transitions) | $100.00 | $100.00 |");
        Line("| Lambda (2 invocations) | $0.48 | $0.48 |");
        Line(Invariant($"| DynamoDB (acquire: {ours:0.00} calls per grant measured, 1 write unit each; release: 1 write unit) | ${(ours + 1) * 0.625:0.00} | ${2 * 0.625 + 0.125 * (seed - 1):0.00} (2 write units + a consistent read per acquire) |"));
        Line();
        Line("Each poll while the pool is full adds 3 transitions ($75 per million polls) and one strongly consistent read of the pool; each `retry` adds 1 transition ($25 per million) and the same read. The lease itself is a rounding error next to Step Functions' transitions: what saves money is asking less often: `retry` asks less often, `callback` does not ask at all while queued.");
        Line();
    }

    public void AddColdStart(IReadOnlyList<ColdStartBenchmark.Result> results)
    {
        var aot = results[0];
        var managed = results[1];
        Line("## Cold start");
        Line();
        Line("From process start to the first answered invocation (an acquire that reads the pool and writes a lease), through the local Runtime API host. The first start of each build is discarded (file cache).");
        Line();
        Line("| Build | Starts | Median to first answer | p90 | Median init (start → first `next`) |");
        Line("| --- | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            Line(Invariant($"| {r.Build} | {r.Milliseconds.Count} | {r.Median:0.0} ms | {Stats.Percentile(r.Milliseconds, 90):0.0} ms | {r.InitMedian:0.0} ms |"));
        }

        Line();
        Line(Invariant($"Native AOT answers its first invocation **{managed.Median / aot.Median:0.0}× sooner** than the framework-dependent build ({aot.Median:0} ms vs {managed.Median:0} ms)."));
        Line("On Lambda, the managed runtime also loads the .NET runtime from its own image; the ratio here compares the two programs on one machine, not Lambda's published init times.");
        Line();
    }

    public string Render()
    {
        var doc = new StringBuilder();
        doc.AppendLine("# Benchmarks");
        doc.AppendLine();
        doc.AppendLine("Generated by `make bench`; do not edit by hand. Every figure below comes from one run, side by side, on one DynamoDB Local.");
        doc.AppendLine();
        doc.AppendLine("| | |");
        doc.AppendLine("| --- | --- |");
        doc.AppendLine(Invariant($"| Run | {started:yyyy-MM-dd HH:mm} UTC{(quick ? " (quick mode: fewer repetitions)" : "")} |"));
        doc.AppendLine(Invariant($"| Machine | {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture} |"));
        doc.AppendLine(Invariant($"| .NET | {RuntimeInformation.FrameworkDescription} (driver) |"));
        doc.AppendLine(Invariant($"| DynamoDB | DynamoDB Local ({peerKind}), in memory, loopback |"));
        doc.AppendLine("| Command | `make bench` |");
        doc.AppendLine();
        doc.Append(_sections);
        return doc.ToString();
    }

    private static readonly string[] SectionEnds = ["\n### What it means per million items", "\n## "];

    /// <summary>The sections added so far, without the report's header.</summary>
    public string Sections => _sections.ToString();

    /// <summary>
    /// <paramref name="report"/> with its section under <paramref name="heading"/> (up to the next
    /// section, or the per-million estimate that follows the Step Functions one) replaced by
    /// <paramref name="section"/>. A report without it gets it before <paramref name="before"/>'s
    /// heading when there is one, else at the end.
    /// </summary>
    public static string Splice(string report, string section, string heading = SfnHeading, string? before = null)
    {
        var start = report.IndexOf(heading, StringComparison.Ordinal);
        if (start < 0)
        {
            var at = before is null ? -1 : report.IndexOf("\n" + before, StringComparison.Ordinal);
            return at < 0
                ? report + (report.Length > 0 ? "\n" : "") + section
                : string.Concat(report.AsSpan(0, at + 1), section.TrimEnd('\n') + "\n\n", report.AsSpan(at + 1));
        }

        var ends = SectionEnds
            .Select(marker => report.IndexOf(marker, start + heading.Length, StringComparison.Ordinal))
            .Where(i => i >= 0);
        var end = ends.DefaultIfEmpty(report.Length).Min();
        return string.Concat(report.AsSpan(0, start), section.TrimEnd('\n') + "\n", report.AsSpan(end));
    }

    private void Line(string text = "") => _sections.AppendLine(text);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
