// Step Functions cost of the wait strategies, measured through the real ASL interpreter and the
// packaged function: the module's own fragments (tests/render/depth), 40 executions on a pool of 5,
// each holding its lease ~400 ms.
//
//   node benchmarks/sfn-cost.mjs [executions] [poll|retry|retry-jitter]
//
// poll: the Choice + Wait loop, Wait shortened to 200 ms. retry: the Task's LeaseUnavailable
// Retry, shortened to 200 ms (the interpreter's override also turns jitter off), so the two differ
// only in how they wait. retry-jitter: the rendered Retry as is (1 s doubling to 2 s, full jitter).
// Prints JSON: state transitions per completed item (entries + retries, as Step Functions bills
// them), and how long capacity sat idle while executions were waiting for it.
import { renderConfiguration, loadRendered, runExecution, countTransitions } from "../tests/harness/harness.mjs";
import { startStack, sleep } from "../tests/e2e/stack.mjs";

const executions = Number(process.argv[2] ?? 40);
const strategy = process.argv[3] ?? "poll";
const cap = 5;
const { outputs, functions } = loadRendered(await renderConfiguration("tests/render/depth", `bench-sfn-${strategy}`), "render");
const definition = strategy === "poll" ? outputs.definition_poll : outputs.definition_retry;
const pool = strategy === "poll" ? "poll" : "retry";
const overrides = {
  poll: { waitTimeOverrides: { WaitForLease: 200 } },
  retry: { retryIntervalOverrides: { AcquireLease: [-1, 200] } },
  "retry-jitter": {},
}[strategy];
if (!overrides) throw new Error(`unknown strategy ${strategy}: poll, retry or retry-jitter`);

const stack = await startStack(functions, { environment: { LEASE_MAX_CONCURRENT: String(cap) } });
try {
  const started = Date.now();
  const runs = Array.from({ length: executions }, (_, i) => runExecution(definition, { resource_id: `item-${i}` }, {
    leaseHandler: stack.leaseHandler,
    handlers: { ProcessWork: async (input) => { await sleep(400); return input; } },
    ...overrides,
  }));
  const counters = runs.map(countTransitions);
  await Promise.all(runs.map((r) => r.result));
  await Promise.all(counters.map((c) => c.done));
  const transitions = counters.reduce((sum, c) => sum + c.count, 0);
  const elapsed = Date.now() - started;

  // Idle capacity while someone waits: integrate (cap - held) over the time at least one execution
  // was waiting for a lease (from its first "wait" answer or LeaseUnavailable error to its grant).
  const p = stack.observer.pools[pool];
  const samples = p.samples;
  const waitIntervals = p.waitIntervals;
  const waiters = (t) => waitIntervals.filter(([a, b]) => a <= t && t < b).length;
  let idleSlotMs = 0;
  let heldSlotMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const [t0, held] = samples[i - 1];
    const dt = samples[i][0] - t0;
    heldSlotMs += dt * held;
    if (waiters(t0) > 0) idleSlotMs += dt * Math.max(0, cap - held);
  }
  console.log(JSON.stringify({
    strategy,
    executions,
    cap,
    transitions,
    transitions_per_item: transitions / executions,
    acquire_calls_per_item: (p.acquires + p.waits) / executions,
    waits_per_item: p.waits / executions,
    elapsed_ms: elapsed,
    capacity_utilisation: heldSlotMs / (cap * elapsed),
    idle_slot_seconds_while_waiting: idleSlotMs / 1000,
    waiting_seconds: waitIntervals.reduce((sum, [a, b]) => sum + (b - a), 0) / 1000,
    max_held: stack.observer.maxConcurrent(pool),
  }));
} finally {
  await stack.stop();
}
