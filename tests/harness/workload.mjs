// One workload on one pool: `items` executions of a rendered lease definition arriving `staggerMs`
// apart, each holding its lease for `workMs` of work (a ProcessWork Task), recorded as it happens:
// every lease-manager call (start, end, answer), every execution's arrival, grant and work, the
// table's view of the pool (sampled), transitions and history events. make bench (sfn-cost) and
// make demo (poll vs callback) run it; what they compute from the records is theirs.
import { poolOf } from "./rendered.mjs";
import { LeaseObserver, sampleLeases, leftoverItems } from "./observer.mjs";
import { leaseTaskHandler, runExecution, countTransitions, prepareDefinition } from "./execution.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * stack: { db, lambda } (a DynamoDB Local and the local Lambda host serving `fn`); definition: the
 * rendered state machine; overrides: the interpreter's waitTimeOverrides / retryIntervalOverrides.
 * Resolves with the records once every execution has ended and the pool's table was scanned.
 */
export async function runWorkload(stack, fn, definition, { items, workMs, staggerMs = 10, overrides = {}, sampleMs = 50, prefix = "item" }) {
  const pool = poolOf(fn);
  const observer = new LeaseObserver([pool]);
  const counters = {};
  const calls = [];
  const work = new Map();
  const tokens = new Map();
  const delivered = new Map();
  const inner = leaseTaskHandler({ lambda: stack.lambda, functions: [fn], observer, counters });
  const leaseHandler = async (input) => {
    const call = { action: input.Payload.action, item: input.Payload.resource_id, start: Date.now() };
    calls.push(call);
    try {
      const answer = await inner(input);
      call.status = answer.Payload?.status;
      return answer;
    } catch (error) {
      call.status = error.name;
      throw error;
    } finally {
      call.end = Date.now();
    }
  };
  leaseHandler.delivered = (input, output) => { delivered.set(input.Payload.resource_id, Date.now()); inner.delivered(input, output); };
  const processWork = async (input) => {
    const w = { start: Date.now() };
    work.set(input.resource_id, w);
    await sleep(workMs);
    w.end = Date.now();
    return input;
  };
  prepareDefinition(definition);
  const stopSampling = sampleLeases(stack.db, observer, sampleMs);
  const started = Date.now();
  const runs = [];
  for (let i = 0; i < items; i++) {
    if (i > 0 && staggerMs > 0) await sleep(staggerMs);
    runs.push(runExecution(definition, { resource_id: `${prefix}-${i}`, priority: 0 }, {
      leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: processWork },
      onToken: ({ token, input }) => tokens.set(token, input.Payload.resource_id), ...overrides,
    }));
    runs.at(-1).result.catch(() => {});
  }
  const counted = runs.map((r) => countTransitions(r, definition));
  const results = await Promise.allSettled(runs.map((r) => r.result));
  await Promise.all(counted.map((c) => c.done));
  const ended = Date.now();
  await stopSampling();
  // The function's SendTaskSuccess calls, as the task-token endpoint saw them (its clock is ours).
  const notified = new Map();
  if (stack.lambda.taskTokens && tokens.size) {
    for (const c of await stack.lambda.taskTokens.calls()) {
      if (c.action === "SendTaskSuccess" && c.status === 200 && tokens.has(c.taskToken)) notified.set(tokens.get(c.taskToken), c.at);
    }
  }
  const left = leftoverItems(await stack.db.scanAll(pool.table));
  return {
    pool, items, workMs, started, ended, calls, work, delivered, notified, observer, counters, left,
    failed: results.filter((r) => r.status === "rejected").map((r) => r.reason),
    transitions: counted.map((c) => c.count),
    history: counted.map((c) => c.history),
    samples: observer.pools[pool.name].samples,
  };
}

/** Capacity in use over time from a workload's table samples, as [t, held] steps (t in ms since its start). */
export function capacityOverTime(records) {
  const offset = records.started - records.observer.started;
  return records.samples.map(([t, held]) => [t - offset, held]).filter(([t]) => t >= 0);
}
