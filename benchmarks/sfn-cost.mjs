// Step Functions cost of the wait strategies, measured through the real ASL interpreter and the
// packaged function: the module's own fragments (tests/render/depth, tests/render/callback), 40
// executions on a pool of 5, each holding its lease ~400 ms.
//
//   node benchmarks/sfn-cost.mjs [executions] [poll|retry|retry-jitter|callback]
//
// callback: the .waitForTaskToken queue, answered through the local task-token endpoint (no
// override: a freed slot is handed straight to the head of the queue).
// poll: the Choice + Wait loop, Wait shortened to 200 ms. retry: the Task's LeaseUnavailable
// Retry, shortened to 200 ms (the interpreter's override also turns jitter off), so the two differ
// only in how they wait. retry-jitter: the rendered Retry as is (1 s doubling to 2 s, full jitter).
// Prints JSON: state transitions per completed item (entries + retries, as Step Functions bills
// them), and how long capacity sat idle while executions were waiting for it.
import { renderConfiguration, loadRendered, runExecution, countTransitions } from "../tests/harness/harness.mjs";
import { startStack, sleep } from "../tests/e2e/stack.mjs";

const executions = Number(process.argv[2] ?? 40);
const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const strategy = process.argv[3] ?? "poll";
const cap = 5;
const callback = strategy === "callback";
const { outputs, functions } = loadRendered(await renderConfiguration(callback ? "tests/render/callback" : "tests/render/depth", `bench-sfn-${strategy}`), "render");
const definition = { poll: outputs.definition_poll, callback: outputs.definition_callback_jsonpath }[strategy] ?? outputs.definition_retry;
const pool = { poll: "poll", callback: "callback-jsonpath" }[strategy] ?? "retry";
const overrides = {
  poll: { waitTimeOverrides: { WaitForLease: 200 } },
  retry: { retryIntervalOverrides: { AcquireLease: [-1, 200] } },
  "retry-jitter": {},
  callback: {},
}[strategy];
if (!overrides) throw new Error(`unknown strategy ${strategy}: poll, retry, retry-jitter or callback`);

// Hand-off: from a release's answer to the next holder's work starting (only while someone waits).
const releases = [];
const handOffs = [];
const waitedFor = new Set();
const onPayload = ({ payload, answer }) => {
  if (payload.action === "release" && answer.payload?.released) releases.push(Date.now());
  if (payload.action === "acquire" && (answer.payload?.status === "wait" || answer.error?.errorType === "LeaseManager.LeaseUnavailable")) waitedFor.add(payload.resource_id);
};
const stack = await startStack(functions, { environment: { LEASE_MAX_CONCURRENT: String(cap) }, onPayload });
try {
  const started = Date.now();
  const runs = Array.from({ length: executions }, (_, i) => runExecution(definition, { resource_id: `item-${i}`, priority: 0 }, {
    leaseHandler: stack.leaseHandler,
    taskTokens: stack.lambda.taskTokens,
    handlers: {
      ProcessWork: async (input) => {
        if (waitedFor.has(input.resource_id)) {
          const last = releases.at(-1);
          if (last !== undefined) handOffs.push(Date.now() - last);
        }
        await sleep(400);
        return input;
      },
    },
    ...overrides,
  }));
  for (const r of runs) r.result.catch(() => {});
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
    invocations_per_item: (stack.counters.invocations ?? 0) / executions,
    ideal_ms: (executions * 400) / cap,
    hand_off_p50_ms: percentile(handOffs, 50),
    hand_off_p99_ms: percentile(handOffs, 99),
  }));
} finally {
  await stack.stop();
}
