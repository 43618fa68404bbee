namespace LeaseManager.Benchmarks;

/// <summary>docs/benchmarks.md's concurrency-key section: keyed against unkeyed, per grant and per second.</summary>
internal sealed partial class BenchmarkReport
{
    public const string KeysHeading = "## Concurrency keys: keyed against unkeyed";

    public void AddKeys(KeysBenchmark.Result result, string? alone = null)
    {
        Line(KeysHeading);
        Line();
        if (alone is not null)
        {
            Line(alone);
            Line();
        }

        Line(Invariant($"The same engine with and without a `concurrency_key`, in the same run, through the same **latency model** as the algorithms above ({ThroughputBenchmark.Delay.TotalMilliseconds:0} ms + 0–{ThroughputBenchmark.Jitter.TotalMilliseconds:0} ms a request). Every acquire is a first attempt (`Attempt = 0`, as the AcquireLease state's first try). *Calls* counts DynamoDB requests. *WCU* is what DynamoDB bills, by its documented rule: a single-item write 1 WCU per KB (every lease item is under 1 KB), `TransactWriteItems` 2 WCU per item, a write that fails its condition charged all the same. *Reported* is what DynamoDB Local answers to `ReturnConsumedCapacity = TOTAL` (asked on every request): it agrees for single-item writes and reports a transaction at 1 WCU per item, half the price, so it is shown but not used. Keyed pools have a per-key limit of 2 and every client a key of its own, so every keyed acquire has room in its key: this is the price of counting against a key, not of waiting for one."));
        Line();
        Line("| Operation | Unkeyed: calls | Unkeyed: WCU (reported) | Unkeyed: p50 | Keyed: calls | Keyed: WCU (reported) | Keyed: p50 | Requests (unkeyed → keyed) |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var plain in result.Costs.Where(c => !c.Keyed))
        {
            var keyed = result.Costs.First(c => c.Keyed && c.Operation == plain.Operation);
            Line(Invariant($"| {plain.Operation} (n = {plain.Samples}) | {plain.Calls:0.00} | {plain.Wcu:0.00} ({plain.WcuReported:0.00}) | {plain.P50Ms:0.0} ms | {keyed.Calls:0.00} | {keyed.Wcu:0.00} ({keyed.WcuReported:0.00}) | {keyed.P50Ms:0.0} ms | {Requests(plain)} → {Requests(keyed)} |"));
        }

        Line();
        Line(Invariant($"Closed-loop clients (acquire → hold 2 ms → release) at 50% utilisation (two slots per client), each client its own instance, as in the algorithm table; unkeyed and keyed take turns, {KeysBenchmark.Rounds} short runs each, so a change in the machine's load falls on both alike (load average {result.LoadAverage:0.0} at the start of this part: other work shares the two cores). *Calls per grant* counts the acquire's requests; *WCU per pair* the acquire's and the release's."));
        Line();
        Line("| Clients | Pool | Unkeyed: pairs/s | Keyed: pairs/s | Keyed ÷ unkeyed | p50 acquire (unkeyed / keyed) | p99 acquire (unkeyed / keyed) | Calls per grant (unkeyed / keyed) | WCU per pair (unkeyed / keyed) |");
        Line("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var clients in KeysBenchmark.ClientCounts)
        {
            var plain = result.Cells.First(c => !c.Keyed && c.Clients == clients);
            var keyed = result.Cells.First(c => c.Keyed && c.Clients == clients);
            Line(Invariant($"| {clients} | {plain.PoolSize} | {plain.PairsPerSecond:0} | {keyed.PairsPerSecond:0} | {keyed.PairsPerSecond / plain.PairsPerSecond:0.00}× | {plain.P50Ms:0.0} / {keyed.P50Ms:0.0} ms | {plain.P99Ms:0.0} / {keyed.P99Ms:0.0} ms | {plain.CallsPerGrant:0.00} / {keyed.CallsPerGrant:0.00} | {plain.WcuPerPair:0.00} / {keyed.WcuPerPair:0.00} |"));
        }

        Line();
        var warmKeyed = Find(result, keyed: true, "grant with room");
        var warmPlain = Find(result, keyed: false, "grant with room");
        var pairKeyed = Find(result, keyed: true, "acquire + release");
        var pairPlain = Find(result, keyed: false, "acquire + release");
        double Rate(bool keyed, int clients) => result.Cells.First(c => c.Keyed == keyed && c.Clients == clients).PairsPerSecond;
        var worstKeyedCalls = result.Cells.Where(c => c.Keyed).Max(c => c.CallsPerGrant);
        Line("| Goal | Measured | Met |");
        Line("| --- | --- | --- |");
        Line(Invariant($"| a keyed acquire with room costs one round trip (warm instance) | {warmKeyed.Calls:0.00} calls per grant (unkeyed {warmPlain.Calls:0.00}); closed loop, worst keyed cell {worstKeyedCalls:0.00} | {(warmKeyed.Calls <= 1.0 ? "yes" : "**no**")} |"));
        Line(Invariant($"| a keyed grant is one `TransactWriteItems` of 2 items: 4 WCU, against 1 WCU for the unkeyed `PutItem` | {warmKeyed.Wcu:0.00} WCU against {warmPlain.Wcu:0.00} | {(Math.Abs(warmKeyed.Wcu - 4) < 0.01 && Math.Abs(warmPlain.Wcu - 1) < 0.01 ? "yes" : "**no**")} |"));
        Line();
        Line(Invariant($"Why: an unkeyed grant on a warm instance is one conditional `PutItem` of a slot it believes free (1 WCU). A keyed grant must count against the pool and the key together or not at all, so it is one `TransactWriteItems` of two items: the slot's conditional `Put` and the key item's `ADD slots :slot` (the set of slots its leases occupy) conditioned on the set staying within the key's limit. Still one round trip, but a transaction bills 2 WCU per item: 4 WCU. The release is the same shape the other way (a conditional `DeleteItem`, against a transaction that deletes the slot and takes it out of the key's set), so a keyed pair costs {pairKeyed.Wcu:0.##} WCU against {pairPlain.Wcu:0.##}: at on-demand prices ($0.625 per million write units) the key adds ${(pairKeyed.Wcu - pairPlain.Wcu) * 0.625:0.00} per million pairs. A new instance's first grant reads the pool once first (a consistent `Query`: read units, no write units) whether keyed or not. In the closed loop, calls per grant above 1 are reads of the pool: after a fast-path write that did not land (its slot taken by another client, or the transaction cancelled), or when an instance's last read is older than `LimitRefreshSeconds`; WCU per pair above 2 or 8 are those writes that did not land, which DynamoDB bills too. Much of the latency and rate gap is what a transaction costs DynamoDB Local's CPU on this shared machine (the request costs above: it serves a fraction as many `TransactWriteItems` as `PutItem` a second): keyed, the rate goes from {Rate(true, 8):0} pairs/s at 8 clients to {Rate(true, 64):0} at 64, unkeyed from {Rate(false, 8):0} to {Rate(false, 64):0}. The calls and WCU are what carry over to DynamoDB."));
        Line();
    }

    private static KeysBenchmark.Cost Find(KeysBenchmark.Result result, bool keyed, string operation) =>
        result.Costs.First(c => c.Keyed == keyed && c.Operation.StartsWith(operation, StringComparison.Ordinal));

    private static string Requests(KeysBenchmark.Cost cost) =>
        string.Join(" + ", cost.Requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Invariant($"{r.Value:0.##} {r.Key}")));
}
