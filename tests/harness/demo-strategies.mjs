// make demo, second part: `poll` and `callback` side by side on the same workload, each with its
// own pool of the same size on one local stack (the latency model in front of DynamoDB Local):
// capacity in use over time, state transitions and lease-manager invocations per item.
import { renderConfiguration, loadRendered } from "./harness.mjs";
import { runWorkload, capacityOverTime } from "./workload.mjs";
import { prepareDefinition } from "./execution.mjs";
import { asciiChart } from "./chart.mjs";
import { startStack } from "../e2e/stack.mjs";

const POOL = 3;
const ITEMS = 18;
const WORK_MS = 1500;
const POLL_MS = 1000;

/** Renders the module's poll and callback fragments (tests/render/depth, tests/render/callback); start it early, it takes a while. */
export function renderStrategies() {
  return Promise.all([
    renderConfiguration("tests/render/depth", "demo-depth").then((d) => loadRendered(d, "render")),
    renderConfiguration("tests/render/callback", "demo-callback").then((d) => loadRendered(d, "render")),
  ]);
}

/** Runs the comparison and prints it; resolves with its failures (none when all is well). */
export async function compareStrategies([depth, callback], say) {
  const pick = (rendered, prefix) => rendered.functions.find((f) => f.environment.LEASE_PREFIX === prefix);
  const strategies = [
    { name: "poll", fn: pick(depth, "poll"), definition: depth.outputs.definition_poll, overrides: { waitTimeOverrides: { WaitForLease: POLL_MS } } },
    { name: "callback", fn: pick(callback, "callback-jsonpath"), definition: callback.outputs.definition_callback_jsonpath, overrides: {} },
  ];
  say(`\ndemo: poll and callback side by side: ${ITEMS} items each on a pool of ${POOL}, ${WORK_MS} ms of work per item, arriving 50 ms apart; poll's Wait shortened to ${POLL_MS} ms (the module's default is 5 s); every DynamoDB request delayed ~5 ms (the latency model)`);
  const stack = await startStack(strategies.map((s) => s.fn), { environment: { LEASE_MAX_CONCURRENT: String(POOL) }, maxConcurrency: 6, latency: [4, 2], sampleMs: 0 });
  const failures = [];
  try {
    const fns = new Map(stack.functions.map((f) => [f.environment.LEASE_PREFIX, f]));
    // Validated before either starts, so that neither run waits for the other's validation.
    for (const s of strategies) prepareDefinition(s.definition);
    const records = await Promise.all(strategies.map((s) => runWorkload(stack, fns.get(s.fn.environment.LEASE_PREFIX), s.definition, {
      items: ITEMS, workMs: WORK_MS, staggerMs: 50, overrides: s.overrides, sampleMs: 100, prefix: s.name,
    })));
    const start = Math.min(...records.map((r) => r.started));
    say(asciiChart(records.map((r, i) => ({ name: `${strategies[i].name} (pool of ${POOL})`, cap: POOL, steps: capacityOverTime(r).map(([t, n]) => [t + r.started - start, n]) }))));
    say("\n  strategy   wall time (ideal)  transitions/item  invocations/item  max held  left  result");
    for (const [i, r] of records.entries()) {
      const name = strategies[i].name;
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      const maxHeld = Math.max(0, ...r.samples.map(([, n]) => n), r.observer.maxConcurrent(r.pool.name));
      const result = r.failed.length ? `${r.failed.length} FAILED` : "succeeded";
      say(`  ${name.padEnd(9)}  ${`${((r.ended - r.started) / 1000).toFixed(1)} s (${((ITEMS * WORK_MS) / POOL / 1000).toFixed(1)} s)`.padStart(17)}  ${(sum(r.transitions) / ITEMS).toFixed(1).padStart(16)}  ${((r.counters.invocations ?? 0) / ITEMS).toFixed(1).padStart(16)}  ${String(maxHeld).padStart(8)}  ${String(r.left.length).padStart(4)}  ${result}`);
      if (r.failed.length) failures.push(`${name}: ${r.failed.length} executions failed`);
      if (maxHeld > POOL) failures.push(`${name} exceeded its pool of ${POOL}`);
      if (r.left.length) failures.push(`${name} left ${r.left.length} items in its table`);
    }
    say("  (transitions as Step Functions bills them: entries and retries; invocations of the lease manager)");
  } finally {
    await stack.stop();
  }
  return failures;
}
