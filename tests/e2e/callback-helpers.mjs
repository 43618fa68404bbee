// Shared by the callback strategy's end-to-end suites: waiting for a condition, work the test lets
// finish one piece at a time, the test's view of the function's `wait` answers, and a driver that
// queues executions behind gated holders.
import { runExecution } from "../harness/harness.mjs";
import { sleep, startStack } from "./stack.mjs";

/** Resolves when `predicate` holds, polling; fails the test after `ms`. */
export async function until(predicate, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Work that the test lets finish one piece at a time: `started` lists resource ids in the order
 * their work began (= the order leases reached the executions); `finish(id)` ends that piece.
 */
export function gatedWork() {
  const g = { started: [], gates: new Map(), running: 0, max: 0 };
  g.work = async (input) => {
    const id = input.resource_id;
    g.running++;
    g.max = Math.max(g.max, g.running);
    g.started.push(id);
    await new Promise((resolve) => g.gates.set(id, resolve));
    g.running--;
    return { ok: true };
  };
  g.finish = (id) => g.gates.get(id)();
  return g;
}

/** The test's view of `wait` calls: which resource ids the function queued, in the order it answered. */
export function queueWatch() {
  const w = { queued: [] };
  w.onPayload = ({ payload, answer }) => {
    if (payload.action === "wait" && answer.payload?.status === "queued") w.queued.push(payload.resource_id);
  };
  return w;
}

/**
 * Fills a pool of `cap` with gated holders, queues `inputs` one after the other (each starts once
 * the previous one is queued), then frees one holder at a time and records who gets each freed slot.
 */
export async function driveQueue(stack, definition, { cap, inputs, watch, gate, runOptions = {} }) {
  const runs = [];
  const start = (input) => runs.push(runExecution(definition, input, {
    leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work }, ...runOptions,
  }));
  for (let i = 0; i < cap; i++) start({ resource_id: `holder-${i}`, priority: 0 });
  await until(() => gate.started.length === cap, "the holders to start work");
  for (const input of inputs) {
    const queued = watch.queued.length;
    start(input);
    await until(() => watch.queued.length > queued, `${input.resource_id} to queue`);
  }
  // One release at a time: each freed slot goes to whoever heads the queue at that moment.
  for (let done = 0; done < inputs.length + cap; done++) {
    gate.finish(gate.started[done]);
    if (done + cap < inputs.length + cap) await until(() => gate.started.length > done + cap, "the next holder to start work");
  }
  await Promise.all(runs.map((r) => r.result));
  return gate.started.slice(cap);
}

/**
 * Runs `body` against a fresh stack of `functions` that watches the queue, with gated work and the
 * run options every callback execution needs; stops the stack however `body` ends.
 */
export async function withQueueingStack(functions, body) {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const options = { leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work } };
    return await body({ stack, watch, gate, options });
  } finally {
    await stack.stop();
  }
}
