// Step Functions cost of the poll strategy, measured through the real ASL interpreter: the README
// quick start's definition, 40 executions on a pool of 5, each holding its lease ~400 ms, the poll
// Wait shortened to 200 ms. Prints JSON: state transitions per completed item, and how long
// capacity sat idle while executions were waiting for it.
import { buildQuickstart } from "./quickstart.mjs";
import { repoRoot, renderConfiguration, loadRendered, runExecution } from "./local/harness.mjs";
import { startStack, sleep } from "../tests/e2e/stack.mjs";

const executions = Number(process.argv[2] ?? 40);
const cap = 5;
buildQuickstart(repoRoot);
const rendered = loadRendered(await renderConfiguration("build/quickstart", "bench-sfn"), "quickstart");
const stack = await startStack(rendered.functions, { environment: { LEASE_MAX_CONCURRENT: String(cap) } });
try {
  const pool = stack.pools[0].name;
  let transitions = 0;
  const started = Date.now();
  const runs = Array.from({ length: executions }, (_, i) => {
    const run = runExecution(rendered.outputs.definition, { resource_id: `item-${i}` }, {
      leaseHandler: stack.leaseHandler,
      handlers: { ProcessWork: async (input) => { await sleep(400); return input; } },
      waitTimeOverrides: { WaitForLease: 200 },
    });
    (async () => { for await (const e of run.eventLogs) if (e.type === "StateEntered") transitions++; })();
    return run.result;
  });
  await Promise.all(runs);
  await sleep(50);
  const elapsed = Date.now() - started;

  // Idle capacity while someone waits: integrate (cap - held) over the time at least one execution
  // was waiting for a lease (from its first "wait" answer to its grant).
  const p = stack.observer.pools[pool];
  const samples = p.samples;
  const waiters = (t) => p.waitIntervals.filter(([a, b]) => a <= t && t < b).length;
  let idleSlotMs = 0;
  let heldSlotMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const [t0, held] = samples[i - 1];
    const dt = samples[i][0] - t0;
    heldSlotMs += dt * held;
    if (waiters(t0) > 0) idleSlotMs += dt * Math.max(0, cap - held);
  }
  console.log(JSON.stringify({
    strategy: "poll",
    executions,
    cap,
    transitions,
    transitions_per_item: transitions / executions,
    acquire_calls_per_item: (p.acquires + p.waits) / executions,
    waits_per_item: p.waits / executions,
    elapsed_ms: elapsed,
    capacity_utilisation: heldSlotMs / (cap * elapsed),
    idle_slot_seconds_while_waiting: idleSlotMs / 1000,
    waiting_seconds: p.waitIntervals.reduce((sum, [a, b]) => sum + (b - a), 0) / 1000,
    max_held: stack.observer.maxConcurrent(pool),
  }));
} finally {
  await stack.stop();
}
