using System.Globalization;
using System.Text.Json;

namespace LeaseManager.Benchmarks;

/// <summary>docs/benchmarks.md's Step Functions section: the wait strategies at three backlogs, then the callback strategy's goals.</summary>
internal sealed partial class BenchmarkReport
{
    public const string SfnHeading = "## Step Functions cost per item: the wait strategies";

    private static double Get(JsonElement run, string name) => run.GetProperty(name).GetDouble();

    private static string Name(JsonElement run) => run.GetProperty("strategy").GetString()!;

    private static string Ms(JsonElement run, string name) =>
        run.GetProperty(name).ValueKind == JsonValueKind.Null ? "–" : Invariant($"{Get(run, name):0}");

    private static string Percent(double fraction) => Invariant($"{fraction * 100:0.0}%");

    public void AddSfnCost(IReadOnlyList<JsonElement> runs, string? alone = null)
    {
        var first = runs[0];
        Line(SfnHeading);
        Line();
        if (alone is not null)
        {
            Line(alone);
            Line();
        }

        Line(Invariant($"The module's fragments (tests/render/depth, tests/render/callback) run by aws-local-stepfunctions against the packaged function, one local stack, every DynamoDB request through the **latency model** ({first.GetProperty("latency_ms")[0].GetDouble():0} ms + 0–{first.GetProperty("latency_ms")[1].GetDouble():0} ms jitter a request, as in the algorithm benchmark below). A pool of {Get(first, "cap"):0} slots, each item holding its lease for {Get(first, "work_ms"):0} ms of work; the backlog is how many items there are per slot (4×, 20×, 100×), arriving {Get(first, "stagger_ms"):0} ms apart (20 a second against a pool that serves {1000 * Get(first, "cap") / Get(first, "work_ms"):0} a second). Two slots and half a second keep the whole part (248 slot-lengths of work per strategy) near five minutes on this two-core machine; the figures that matter are ratios to the work and per item, which neither choice favours. `poll` is the default Choice + Wait loop with its Wait shortened to {Get(first, "ask_ms"):0} ms, `retry` is `sfn_wait_strategy = \"retry\"` asking again as often (the interpreter's override, no jitter) with 1,000 attempts so nobody runs out at 100×; `callback` runs as rendered: a full pool queues the execution on a `.waitForTaskToken` Task, and a release hands its slot straight to the head of the queue. Each strategy first runs a warm-up that is not reported (warm execution environments, as on AWS in steady use). The machine's load average at the start of the first run was {Get(first, "load_average"):0.0} (other work shares it)."));
        Line();
        Line("| Strategy | Backlog (items) | Wall ÷ ideal | Idle while anyone waits: no lease / no work | Hand-off p50 / p99 | Transitions per item | Lambda invocations per item | History events per item (most) | Overtaken | Over-admissions | Left: leases / queue items |");
        Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in runs)
        {
            var failed = Get(r, "failed") > 0 ? Invariant($" ({Get(r, "failed"):0} failed)") : "";
            Line(Invariant($"| {Name(r)} | {Get(r, "backlog"):0}× ({Get(r, "items"):0}){failed} | {Get(r, "elapsed_ms") / Get(r, "ideal_ms"):0.00}× ({Get(r, "elapsed_ms") / 1000:0.0} s) | {Percent(Get(r, "idle_lease_fraction"))} / {Percent(Get(r, "idle_work_fraction"))} | {Ms(r, "hand_off_p50_ms")} / {Ms(r, "hand_off_p99_ms")} ms | {Get(r, "transitions_per_item"):0.0} | {Get(r, "invocations_per_item"):0.0} | {Get(r, "history_per_item"):0.0} ({Get(r, "history_max"):0}) | {Get(r, "overtaken"):0} | {Get(r, "over_admissions"):0} | {Get(r, "leases_left"):0} / {Get(r, "queue_items_left"):0} |"));
        }

        Line();
        Line("*Wall ÷ ideal*: the run's wall time against items × work ÷ pool. *Idle while anyone waits*: slot-seconds of the pool not in use while at least one execution waited, divided by the pool's slot-seconds in that time; *no lease* is the table's view (sampled every 50 ms: a slot with no live lease), *no work* the work's (a slot whose next holder has not started working yet, so a hand-off's notification counts as idle). *Hand-off*: from a release call to the next waiting holder's work starting (the k-th release frees the slot the k-th waiter to start takes). *Transitions* count state entries and retries, as Step Functions bills them; *Lambda invocations* count the lease manager's (the work's own are not counted). *History events* are what the execution's Step Functions history would hold (start and end; each state's entered and exited; each Task attempt's scheduled, started and outcome, plus submitted for `.waitForTaskToken`). *Overtaken*: queued executions that an execution arriving after they were queued got a lease before. *Over-admissions*: grants that put more holders than the pool, from the answers the workflows saw (the interval check); *left*: lease and queue items still in the table at the end (the callback pool's queue counter at 0 holds nothing and is not counted).");
        Line();
        AddLongestWait(runs);
        AddCallbackGoals(runs.Where(r => Name(r) == "callback").ToList());
    }

    private void AddLongestWait(IReadOnlyList<JsonElement> runs)
    {
        Line("### How long an execution can wait: the 25,000-event history");
        Line();
        Line("A Standard execution's history holds at most 25,000 events. Each further ask while the pool is full costs events (measured here: the execution's events beyond an uncontended one, per ask) every period, with the module's defaults:");
        Line();
        Line("| Strategy | Events per further ask | Period (module default) | Asks before the limit | Longest wait |");
        Line("| --- | ---: | --- | ---: | ---: |");
        foreach (var r in runs.Where(r => Get(r, "backlog") == runs.Max(x => Get(x, "backlog"))))
        {
            var w = r.GetProperty("longest_wait");
            var period = Name(r) switch
            {
                "poll" => Invariant($"{Get(w, "periodSeconds"):0} s (`sfn_wait_seconds`)"),
                "callback" => Invariant($"{Get(w, "periodSeconds"):0} s (`sfn_callback_timeout_seconds` + the 1 s retry)"),
                _ => Invariant($"{Get(w, "periodSeconds"):0.0} s on average, growing to `max_delay_seconds` (`sfn_lease_retry`)"),
            };
            var bound = w.GetProperty("bound").GetString() == "history" ? "" : " (its `max_attempts` ends it first)";
            var perAsk = Name(r) == "callback" ? "4 (TaskTimedOut, TaskScheduled, TaskStarted, TaskSubmitted)" : Invariant($"{Get(w, "eventsPerAsk"):0.0}");
            Line(Invariant($"| {Name(r)} | {perAsk} | {period} | {Get(w, "asks"):N0} | {Hours(Get(w, "hours"))}{bound} |"));
        }

        Line();
    }

    private static string Hours(double hours) => hours >= 48 ? Invariant($"{hours:0} h ({hours / 24:0.0} days)") : hours >= 1 ? Invariant($"{hours:0.0} h") : Invariant($"{hours * 60:0} min");
}
