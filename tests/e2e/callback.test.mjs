// The callback wait strategy end to end: the rendered fragments (tests/render/callback) run by the
// ASL interpreter, `.waitForTaskToken` answered through the local task-token endpoint, the packaged
// function on DynamoDB Local. Order (FIFO, priority), the limit, and each fault the strategy is
// designed for: a release racing a waiter's queueing, a lost notification, a waiter that is gone, a
// holder that crashed, throttling.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, runExecution, countTransitions } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";

let outputs;
let functions;
before(async () => {
  ({ outputs, functions } = loadRendered(await renderConfiguration("tests/render/callback", "e2e-callback"), "render"));
});

const fn = (prefix) => functions.find((f) => f.environment.LEASE_PREFIX === prefix).function_name;

/** Resolves when `predicate` holds, polling; fails the test after `ms`. */
async function until(predicate, what, ms = 20_000) {
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
function gatedWork() {
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
function queueWatch() {
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
async function driveQueue(stack, definition, { cap, inputs, watch, gate, runOptions = {} }) {
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

test("FIFO: 50 executions queued on a pool of 1 get the slot in the order they queued, none overtaken", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const inputs = Array.from({ length: 50 }, (_, i) => ({ resource_id: `job-${String(i).padStart(2, "0")}` }));
    const order = await driveQueue(stack, structuredClone(outputs.definition_callback_fifo), { cap: 1, inputs, watch, gate });

    assert.deepEqual(watch.queued, inputs.map((i) => i.resource_id), "each execution queued in turn");
    assert.deepEqual(order, watch.queued, "slots went out in queue order: 0 overtaken");
    assert.equal(gate.max, 1, "never more than one at work");
    assert.ok(stack.observer.maxConcurrent("callback-fifo") <= 1, "never more than one lease held (answers)");
    assert.ok(Math.max(...stack.observer.pools["callback-fifo"].samples.map((s) => s[1])) <= 1, "never more than one lease held (table)");
    assert.deepEqual(await stack.leftovers(), [], "no lease and no queue item left");
  } finally {
    await stack.stop();
  }
});

test("priority: higher priority first, FIFO within a priority, over 50 queued executions", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    // Priorities drawn from a fixed sequence, so the expected order is known.
    const inputs = Array.from({ length: 50 }, (_, i) => ({ resource_id: `p-${String(i).padStart(2, "0")}`, priority: (i * 7) % 4 }));
    const order = await driveQueue(stack, structuredClone(outputs.definition_callback_jsonpath), { cap: 3, inputs, watch, gate });

    const expected = inputs.map((input, arrival) => ({ ...input, arrival }))
      .sort((a, b) => b.priority - a.priority || a.arrival - b.arrival).map((i) => i.resource_id);
    assert.deepEqual(order, expected);
    assert.equal(gate.max, 3);
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});

test("40 executions at once on a pool of 3: never above the limit, every one served, few transitions each, nothing left", async () => {
  const stack = await startStack(functions);
  try {
    const t = { now: 0, max: 0, done: 0 };
    const work = async () => { t.now++; t.max = Math.max(t.max, t.now); await sleep(50 + Math.random() * 100); t.now--; t.done++; return { ok: true }; };
    const runs = Array.from({ length: 40 }, (_, i) => runExecution(structuredClone(outputs.definition_callback_jsonpath), { resource_id: `c-${i}`, priority: 0 }, {
      leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: work },
    }));
    const counters = runs.map(countTransitions);
    await Promise.all(runs.map((r) => r.result));
    await Promise.all(counters.map((c) => c.done));

    assert.equal(t.done, 40);
    assert.equal(t.max, 3, "the pool was filled and never exceeded");
    assert.ok(stack.observer.maxConcurrent("callback-jsonpath") <= 3);
    assert.ok(Math.max(...stack.observer.pools["callback-jsonpath"].samples.map((s) => s[1])) <= 3);
    const perItem = counters.reduce((sum, c) => sum + c.count, 0) / 40;
    // Uncontended: AcquireLease, the Choice, work, ReleaseLease (4); queued: + WaitForLease (5).
    assert.ok(perItem <= 7, `state transitions per item: ${perItem}`);
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});

/** The fifo definition with WaitForLease's TimeoutSeconds shortened, so a re-ask comes within the test. */
function fifoWithTimeout(seconds) {
  const definition = structuredClone(outputs.definition_callback_fifo);
  definition.States.Queue.TimeoutSeconds = seconds;
  return definition;
}

test("a waiter that queues just as the last holder releases is served at once, not at its timeout (the lost wake-up)", async () => {
  const released = [];
  const stack = await startStack(functions, {
    onPayload: ({ payload, answer }) => { if (payload.action === "release" && answer.payload?.released) released.push(payload.lease_id); },
  });
  try {
    for (let round = 0; round < 5; round++) {
      const gate = gatedWork();
      // The waiter's Task times out after 30 s: a wake-up lost here would cost that long.
      const definition = fifoWithTimeout(30);
      // The injected interleaving: the waiter's acquire answered "wait" (the pool was full); before
      // its `wait` call reaches the function, the holder releases, finds nobody queued and frees the
      // slot. Only the waiter's own check after queueing can then give it the slot.
      let injected = false;
      const leaseHandler = async (input) => {
        if (input.Payload.action === "wait" && !injected) {
          injected = true;
          const before = released.length;
          gate.finish(`holder-${round}`);
          await until(() => released.length > before, "the holder's release");
        }
        return stack.leaseHandler(input);
      };
      const options = { leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work } };
      const holder = runExecution(definition, { resource_id: `holder-${round}` }, options);
      await until(() => gate.started.length === 1, "the holder to work");
      const asked = Date.now();
      const waiter = runExecution(definition, { resource_id: `waiter-${round}` }, options);
      await until(() => gate.started.length === 2, "the waiter to get the lease", 40_000);
      const waited = Date.now() - asked;
      gate.finish(`waiter-${round}`);
      await Promise.all([holder.result, waiter.result]);

      assert.ok(injected, "the release happened between the waiter's acquire and its wait");
      assert.ok(waited < 10_000, `round ${round}: the waiter got the freed slot in ${waited} ms, not at its 30 s timeout`);
    }
    assert.ok(stack.observer.maxConcurrent("callback-fifo") <= 1);
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});

test("a notification that never arrives: the waiter's timeout re-asks and gets the lease already handed to it", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const definition = fifoWithTimeout(3);
    const options = { leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work } };
    const holder = runExecution(definition, { resource_id: "holder" }, options);
    await until(() => gate.started.length === 1, "the holder to work");
    const waiter = runExecution(definition, { resource_id: "waiter" }, options);
    await until(() => watch.queued.length === 1, "the waiter to queue");

    // Every SendTaskSuccess of the hand-off fails (more throttles than the client retries): the
    // release has handed the slot on in DynamoDB, but the waiter never hears of it.
    await stack.lambda.taskTokens.injectFaults("ThrottlingException", 5);
    const released = Date.now();
    gate.finish("holder");
    await until(() => gate.started.length === 2, "the waiter to get the lease", 30_000);
    const waited = Date.now() - released;
    gate.finish("waiter");
    await Promise.all([holder.result, waiter.result]);

    const calls = await stack.lambda.taskTokens.calls();
    assert.ok(calls.filter((c) => c.errorType === "ThrottlingException").length >= 5, "the hand-off's notification was throttled");
    assert.ok(waited >= 2500, `the waiter got the lease only after its timeout re-asked (${waited} ms)`);
    assert.ok(stack.observer.maxConcurrent("callback-fifo") <= 1);
    assert.equal(stack.observer.pools["callback-fifo"].leaseIds.size, 2, "the re-ask returned the lease handed over, not a second one");
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});

test("Step Functions throttling is retried: the hand-off is delivered without waiting for a timeout", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const definition = fifoWithTimeout(20);
    const options = { leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work } };
    const runs = [runExecution(definition, { resource_id: "holder" }, options)];
    await until(() => gate.started.length === 1, "the holder to work");
    runs.push(runExecution(definition, { resource_id: "waiter" }, options));
    await until(() => watch.queued.length === 1, "the waiter to queue");

    await stack.lambda.taskTokens.injectFaults("ThrottlingException", 2);
    const released = Date.now();
    gate.finish("holder");
    await until(() => gate.started.length === 2, "the waiter to get the lease");
    assert.ok(Date.now() - released < 10_000, "delivered by the client's retries, long before the 20 s timeout");
    gate.finish("waiter");
    await Promise.all(runs.map((r) => r.result));
    const calls = await stack.lambda.taskTokens.calls();
    assert.equal(calls.filter((c) => c.action === "SendTaskSuccess" && c.errorType === "ThrottlingException").length, 2);
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});

test("a waiter that is gone (its execution stopped) is skipped: the next one gets the slot", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const definition = structuredClone(outputs.definition_callback_fifo);
    const options = { leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work } };
    const holder = runExecution(definition, { resource_id: "holder" }, options);
    await until(() => gate.started.length === 1, "the holder to work");
    const gone = runExecution(definition, { resource_id: "gone" }, options);
    await until(() => watch.queued.length === 1, "the first waiter to queue");
    const next = runExecution(definition, { resource_id: "next" }, options);
    await until(() => watch.queued.length === 2, "the second waiter to queue");

    // The first waiter's execution is stopped: its task token is closed (TaskTimedOut from now on).
    gone.abort();
    await gone.result.catch(() => {});
    await sleep(200);
    gate.finish("holder");
    await until(() => gate.started.length === 2, "the next waiter to get the lease");
    assert.deepEqual(gate.started, ["holder", "next"], "the gone waiter's grant was taken back and passed on");
    gate.finish("next");
    await Promise.all([holder.result, next.result]);

    const calls = await stack.lambda.taskTokens.calls();
    assert.ok(calls.some((c) => c.action === "SendTaskSuccess" && c.errorType === "TaskTimedOut"), "the function learnt the waiter was gone");
    assert.deepEqual(await stack.leftovers(), [], "the gone waiter's grant was released");
  } finally {
    await stack.stop();
  }
});

test("a holder that crashed: its lease expires and the sweep hands the slot to the queue", async () => {
  const watch = queueWatch();
  const stack = await startStack(functions, { onPayload: watch.onPayload });
  try {
    const gate = gatedWork();
    const name = fn("callback-fifo");
    // A holder that took the only slot for 2 s and was never heard of again.
    const crashed = await stack.lambda.invoke(name, { action: "acquire", owner_id: "arn:aws:states:eu-central-1:123456789012:execution:crashed:1", resource_id: "crashed", lease_duration_seconds: 2 });
    assert.equal(crashed.payload.status, "acquired");
    const waiter = runExecution(structuredClone(outputs.definition_callback_fifo), { resource_id: "waiter" }, {
      leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: gate.work },
    });
    await until(() => watch.queued.length === 1, "the waiter to queue");

    const early = await stack.lambda.invoke(name, { action: "sweep" });
    assert.ok(!early.error, JSON.stringify(early.error));
    await sleep(300);
    assert.deepEqual(gate.started, [], "a sweep before the expiry hands nothing on");

    await sleep(2200);
    const sweep = await stack.lambda.invoke(name, { action: "sweep" });
    assert.ok(!sweep.error, JSON.stringify(sweep.error));
    await until(() => gate.started.length === 1, "the waiter to get the expired slot", 5_000);
    gate.finish("waiter");
    await waiter.result;
    assert.deepEqual(await stack.leftovers(Date.now()), [], "only the crashed lease's expired owner index is left (TTL's to remove)");
  } finally {
    await stack.stop();
  }
});
