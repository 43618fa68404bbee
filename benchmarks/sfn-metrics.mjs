// The figures of one sfn-cost run (tests/harness/workload.mjs records): pure functions, no peers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../tests/harness/harness.mjs";
import { isWaitForTaskToken } from "../tests/harness/task-token.mjs";

/** Step Functions' limit on a Standard execution's history. */
export const HISTORY_LIMIT = 25_000;
const WAITED = new Set(["wait", "LeaseManager.LeaseUnavailable"]);

export const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

/**
 * Integrates, over the time at least one execution waits, the slots in use (`held(t)`, a step
 * function given as sorted [t, n] points) against the pool: { idle, withWaiter } in slot-ms.
 */
function idleWhileWaiting(steps, waits, cap) {
  const marks = [...new Set([...steps.map(([t]) => t), ...waits.flat()])].sort((a, b) => a - b);
  let idle = 0, withWaiter = 0, s = 0;
  for (let i = 0; i + 1 < marks.length; i++) {
    const t = marks[i];
    while (s + 1 < steps.length && steps[s + 1][0] <= t) s++;
    if (!waits.some(([a, b]) => a <= t && t < b)) continue;
    const dt = marks[i + 1] - t;
    withWaiter += dt * cap;
    idle += dt * Math.max(0, cap - (steps[s]?.[0] <= t ? steps[s][1] : 0));
  }
  return { idle, withWaiter };
}

/** Intervals as a step function of how many are open: sorted [t, n]. */
function stepsOf(intervals) {
  const events = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let n = 0;
  return events.map(([t, d]) => [t, (n += d)]);
}

/** Grants that pushed the holders (from the answers the workflows saw) above the pool. */
function overAdmissions(intervals, cap) {
  return stepsOf(intervals).filter(([, n], i, all) => n > cap && (i === 0 || all[i - 1][1] < n)).length;
}

/** A module default read from its variable declaration (`default = N` or `optional(number, N)`). */
function moduleDefault(file, variable, field) {
  const text = readFileSync(join(repoRoot, file), "utf8");
  const block = text.slice(text.indexOf(`variable "${variable}"`));
  const match = field ? block.match(new RegExp(`${field}\\s*=\\s*optional\\(number,\\s*([\\d.]+)\\)`)) : block.match(/default\s*=\s*([\d.]+)/);
  return Number(match[1]);
}

/**
 * The longest wait the 25,000-event history allows, with the module's defaults: each further ask
 * costs `perAsk` events (measured) every `period` seconds; `retry` is bounded by its attempts first.
 */
export function longestWait(strategy, { base, perAsk }) {
  const asks = Math.floor((HISTORY_LIMIT - base) / perAsk);
  const events = { eventsPerAsk: perAsk };
  if (strategy === "poll") {
    const wait = moduleDefault("variables-stepfunctions.tf", "sfn_wait_seconds");
    return { ...events, asks, periodSeconds: wait, hours: (asks * wait) / 3600, bound: "history" };
  }
  if (strategy === "callback") {
    const timeout = moduleDefault("variables-callback.tf", "sfn_callback_timeout_seconds");
    return { ...events, asks, periodSeconds: timeout + 1, hours: (asks * (timeout + 1)) / 3600, bound: "history" };
  }
  const retry = (f) => moduleDefault("variables-stepfunctions.tf", "sfn_lease_retry", f);
  const attempts = Math.min(asks, retry("max_attempts"));
  let seconds = 0;
  for (let n = 0; n < attempts; n++) seconds += Math.min(retry("max_delay_seconds"), retry("interval_seconds") * retry("backoff_rate") ** n);
  return { ...events, asks: attempts, periodSeconds: seconds / attempts, hours: seconds / 3600, bound: attempts < asks ? "max_attempts" : "history" };
}

/** The hand-off's parts at percentile p: release call → SendTaskSuccess, → the Task hears of it, → work starts. */
function handOffParts(notified, rec, p) {
  if (!notified.length) return null;
  return [
    percentile(notified.map((h) => rec.notified.get(h.item) - h.release), p),
    percentile(notified.map((h) => rec.delivered.get(h.item) - rec.notified.get(h.item)), p),
    percentile(notified.map((h) => h.work - rec.delivered.get(h.item)), p),
  ];
}

/** Every figure of one strategy × backlog run. */
export function figures(strategy, backlog, rec, definition) {
  const { items, workMs, pool, calls } = rec;
  const cap = pool.cap;
  const byItem = new Map();
  for (const c of calls.filter((c) => c.item !== undefined)) {
    if (!byItem.has(c.item)) byItem.set(c.item, { arrival: c.start });
    const it = byItem.get(c.item);
    if (c.action === "acquire" && WAITED.has(c.status) && it.queued === undefined) it.queued = c.end;
    if (c.action === "acquire" && c.status === "acquired") it.granted = c.end;
  }
  for (const [item, it] of byItem) {
    it.work = rec.work.get(item)?.start;
    if (it.queued !== undefined && strategy === "callback") it.granted = rec.notified.get(item) ?? rec.delivered.get(item);
  }
  const waited = [...byItem.entries()].filter(([, it]) => it.queued !== undefined);

  // Idle slot-time while anyone waits: the table's view (no lease on the slot, sampled) and the
  // work's view (no work running on it: the hand-off's notification counts as idle).
  const o = rec.observer;
  const leaseView = idleWhileWaiting(rec.samples, o.pools[pool.name].waitIntervals, cap);
  const workIntervals = [...rec.work.values()].filter((w) => w.end).map((w) => [w.start - o.started, w.end - o.started]);
  const workView = idleWhileWaiting(stepsOf(workIntervals), waited.map(([, it]) => [it.queued - o.started, it.work - o.started]), cap);

  // Hand-off: the k-th release (by start) frees the slot the k-th waiter to start working takes.
  const releases = calls.filter((c) => c.action === "release").map((c) => c.start).sort((a, b) => a - b);
  const starts = waited.map(([item, it]) => ({ item, ...it })).sort((a, b) => a.work - b.work);
  const handOffs = starts.slice(0, releases.length).map((w, k) => ({ ms: w.work - releases[k], release: releases[k], ...w }));
  const notified = handOffs.filter((h) => rec.notified.has(h.item) && rec.delivered.has(h.item));

  // Order: a queued execution is overtaken when one that arrived after it was queued is granted first.
  // Of those, how many had re-asked (their Task's timeout ran out while they waited), and how many
  // were overtaken by an execution whose own queueing call (`wait`) landed before theirs.
  const overtakenBy = waited.map(([item, a]) => [item, [...byItem.entries()].filter(([, b]) => b.arrival > a.queued && b.granted < a.granted)]).filter(([, by]) => by.length);
  const waitCalls = (item) => calls.filter((c) => c.item === item && c.action === "wait");
  const firstWaitEnd = (item) => waitCalls(item)[0]?.end ?? Infinity;

  const history = rec.history;
  const base = Math.min(...history);
  const asks = calls.filter((c) => c.action === "acquire" && WAITED.has(c.status)).length;
  const reasks = calls.filter((c) => c.action === "wait").length - waited.length;
  const waitingState = Object.values(definition.States).find(isWaitForTaskToken);
  const perAsk = strategy === "callback" ? 4 : asks ? (history.reduce((a, b) => a + b, 0) - base * items) / asks : null;
  const intervals = [...o.pools[pool.name].intervals, ...[...o.pools[pool.name].open.values()].map((s) => [s, rec.ended])];
  return {
    strategy, backlog, items, cap, work_ms: workMs,
    failed: rec.failed.length,
    elapsed_ms: rec.ended - rec.started,
    ideal_ms: (items * workMs) / cap,
    transitions_per_item: rec.transitions.reduce((a, b) => a + b, 0) / items,
    invocations_per_item: (rec.counters.invocations ?? 0) / items,
    history_per_item: history.reduce((a, b) => a + b, 0) / items,
    history_max: Math.max(...history),
    waited: waited.length,
    callback_reasks: strategy === "callback" ? reasks : null,
    callback_timeout_seconds: waitingState?.TimeoutSeconds ?? null,
    idle_lease_fraction: leaseView.withWaiter ? leaseView.idle / leaseView.withWaiter : 0,
    idle_work_fraction: workView.withWaiter ? workView.idle / workView.withWaiter : 0,
    hand_off_p50_ms: percentile(handOffs.map((h) => h.ms), 50),
    hand_off_p99_ms: percentile(handOffs.map((h) => h.ms), 99),
    // Callback: where the hand-off goes (p50, p99): release call → SendTaskSuccess (the function),
    // → the waiting Task hears of it (task-token endpoint + harness), → work starts (interpreter).
    hand_off_parts_ms: handOffParts(notified, rec, 50),
    hand_off_parts_p99_ms: handOffParts(notified, rec, 99),
    overtaken: overtakenBy.length,
    overtaken_reasked: overtakenBy.filter(([item]) => waitCalls(item).length > 1).length,
    overtaken_queued_later: overtakenBy.filter(([item, by]) => by.some(([b]) => firstWaitEnd(b) < firstWaitEnd(item))).length,
    over_admissions: overAdmissions(intervals, cap),
    max_held_table: Math.max(0, ...rec.samples.map(([, n]) => n)),
    leases_left: rec.left.filter((i) => i.SK?.S?.startsWith("slot#")).length,
    queue_items_left: rec.left.filter((i) => !i.SK?.S?.startsWith("slot#")).length,
    longest_wait: longestWait(strategy, { base: strategy === "callback" ? base + 6 : base, perAsk: perAsk ?? 1 }),
  };
}
