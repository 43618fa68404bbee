using System.Text.Json;

namespace LeaseManager.Benchmarks;

/// <summary>docs/benchmarks.md: the callback strategy's goals (issue #14), measured against each backlog.</summary>
internal sealed partial class BenchmarkReport
{
    private void AddCallbackGoals(List<JsonElement> runs)
    {
        if (runs.Count == 0)
        {
            return;
        }

        string Each(Func<JsonElement, string> value) => string.Join(", ", runs.Select(r => Invariant($"{Get(r, "backlog"):0}×: {value(r)}")));
        string Met(Func<JsonElement, bool> ok, string gap = "see below") => runs.All(ok) ? "yes" : $"**no** ({gap})";
        bool Flat(string name, double goal) => runs.All(r => Get(r, name) <= goal);

        Line("### The callback strategy against its goals");
        Line();
        Line("| Goal | Measured | Met |");
        Line("| --- | --- | --- |");
        Line($"| idle slot-time while anyone waits ≤ 2% (no lease on the slot) | {Each(r => Percent(Get(r, "idle_lease_fraction")))} | {Met(r => Get(r, "idle_lease_fraction") <= 0.02)} |");
        Line($"| the same, counting the hand-off's notification as idle (no work on the slot) | {Each(r => Percent(Get(r, "idle_work_fraction")))} | {Met(r => Get(r, "idle_work_fraction") <= 0.02, "the hand-off, below")} |");
        Line($"| wall time ≤ 1.3× the ideal | {Each(r => Invariant($"{Get(r, "elapsed_ms") / Get(r, "ideal_ms"):0.00}×"))} | {Met(r => Get(r, "elapsed_ms") <= 1.3 * Get(r, "ideal_ms"))} |");
        Line($"| hand-off p50 ≤ 100 ms, p99 ≤ 500 ms | {Each(r => $"{Ms(r, "hand_off_p50_ms")} / {Ms(r, "hand_off_p99_ms")} ms")} | {Met(r => Get(r, "hand_off_p50_ms") <= 100 && Get(r, "hand_off_p99_ms") <= 500)} |");
        Line($"| ≤ 7 state transitions per item, flat across backlogs | {Each(r => Invariant($"{Get(r, "transitions_per_item"):0.0}"))} | {(Flat("transitions_per_item", 7) ? "yes" : "**no**")} |");
        Line($"| ≤ 4 Lambda invocations per item, flat | {Each(r => Invariant($"{Get(r, "invocations_per_item"):0.0}"))} | {(Flat("invocations_per_item", 4) ? "yes" : "**no**")} |");
        Line($"| no queued execution overtaken by a later arrival | {Each(r => Invariant($"{Get(r, "overtaken"):0}"))} | {Met(r => Get(r, "overtaken") == 0)} |");
        Line($"| no over-admission; no lease or queue item left | {Each(r => Invariant($"{Get(r, "over_admissions"):0}; {Get(r, "leases_left"):0}; {Get(r, "queue_items_left"):0}"))} | {Met(r => Get(r, "over_admissions") == 0 && Get(r, "leases_left") == 0 && Get(r, "queue_items_left") == 0)} |");
        Line();

        // Where the hand-off goes: release call → SendTaskSuccess (the function) → the waiting Task
        // hears of it (task-token endpoint, harness) → work starts (interpreter).
        var parts = runs.Where(r => r.GetProperty("hand_off_parts_ms").ValueKind == JsonValueKind.Array).ToList();
        if (parts.Count > 0)
        {
            string Split(string name) => string.Join("; ", parts.Select(r =>
            {
                var p = r.GetProperty(name);
                return Invariant($"{Get(r, "backlog"):0}×: {p[0].GetDouble():0} + {p[1].GetDouble():0} + {p[2].GetDouble():0} ms");
            }));
            Line($"**Where a hand-off goes** (the release call until the function's `SendTaskSuccess`, then until the waiting Task hears of it, then until its work starts), medians: {Split("hand_off_parts_ms")}; 99th percentiles: {Split("hand_off_parts_p99_ms")}. The release call is the lease manager's own work: the local Lambda host's invoke, deleting the owner index, the conditional free that finds waiters, reading the queue's head and the hand-off transaction — four DynamoDB round trips through the latency model — then `SendTaskSuccess`; on this shared two-core machine its tail also waits for CPU behind the queueing calls (`wait`) of executions still arriving. The task-token endpoint answers the waiting Task's long poll the moment the token succeeds, and the interpreter starts the next state at once; neither adds a delay Step Functions would not (the harness's one such delay, validating the definition for each execution, is now done once per definition).");
            Line();
        }

        if (runs.Any(r => Get(r, "overtaken") > 0))
        {
            Line($"**Order**: queued executions overtaken: {Each(r => Invariant($"{Get(r, "overtaken"):0} (of which {Get(r, "overtaken_reasked"):0} had re-asked after their Task's timeout, {Get(r, "overtaken_queued_later"):0} were passed by an execution whose `wait` call landed first)"))}. {(runs.Any(r => Get(r, "overtaken_queued_later") > 0) ? "The queue place is taken when the `wait` call writes it, not when the acquire answered \"wait\": a `wait` call slowed down on this machine lets a later arrival queue first. " : "")}An execution that waits longer than `sfn_callback_timeout_seconds` re-asks; served after executions queued behind it, it did not keep its place every time (most likely when a hand-off reached it between its Task's timeout and its re-ask, 1 s plus the call later, and found its token closed). These are the lease manager's behaviour, not the harness's: Step Functions closes a timed-out token and retries the Task the same way.");
            Line();
        }

        var slowest = runs.OrderByDescending(r => Get(r, "elapsed_ms") / Get(r, "ideal_ms")).First();
        var rounds = Get(slowest, "items") / Get(slowest, "cap");
        Line(Invariant($"**Wall time**: a run is about items ÷ pool rounds of work, each followed by a hand-off, plus the first acquire and the last release: at {Get(slowest, "backlog"):0}× the run took {(Get(slowest, "elapsed_ms") - Get(slowest, "ideal_ms")) / 1000:0.0} s more than the ideal, {(Get(slowest, "elapsed_ms") - Get(slowest, "ideal_ms")) / rounds:0} ms per round of {Get(slowest, "work_ms"):0} ms work. A hand-off of h ms over work of w ms gives at best (w + h) ÷ w: with hand-offs of about {Get(slowest, "hand_off_p50_ms"):0} ms, {(Get(slowest, "work_ms") + Get(slowest, "hand_off_p50_ms")) / Get(slowest, "work_ms"):0.00}× for this {Get(slowest, "work_ms"):0} ms work, and less the longer the work. Transitions and invocations per item stay flat because a queued execution costs one more state (WaitForLease) and one more invocation (`wait`) however long it waits, plus one retry (1 transition, 1 invocation, 4 history events) per `sfn_callback_timeout_seconds` ({Get(slowest, "callback_timeout_seconds"):0} s here; {runs.Sum(r => Get(r, "callback_reasks")):0} re-asks in these runs)."));
        Line();
    }
}
