// The callback wait strategy's faults end to end, each injected through the rendered fragments
// (tests/render/callback) run by the ASL interpreter against the packaged function: a release racing
// a waiter's queueing, a lost notification, throttling, a waiter that is gone, a holder that crashed.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, runExecution } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";
import { until, gatedWork, withQueueingStack } from "./callback-helpers.mjs";

let outputs;
let functions;
before(async () => {
  ({ outputs, functions } = loadRendered(await renderConfiguration("tests/render/callback", "e2e-callback"), "render"));
});

const fn = (prefix) => functions.find((f) => f.environment.LEASE_PREFIX === prefix).function_name;

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
  await withQueueingStack(functions, async ({ stack, watch, gate, options }) => {
    const definition = fifoWithTimeout(3);
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
  });
});

test("Step Functions throttling is retried: the hand-off is delivered without waiting for a timeout", async () => {
  await withQueueingStack(functions, async ({ stack, watch, gate, options }) => {
    const definition = fifoWithTimeout(20);
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
  });
});

test("a waiter that is gone (its execution stopped) is skipped: the next one gets the slot", async () => {
  await withQueueingStack(functions, async ({ stack, watch, gate, options }) => {
    const definition = structuredClone(outputs.definition_callback_fifo);
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
    // A closed token may be a Task between its timeout and its re-ask, so the waiter kept its place
    // (passed over) for a 10 s grace; it never re-asked, so the next sweep after the grace removes it.
    assert.ok((await stack.leftovers()).some((item) => item.SK.S.startsWith("wait#") && item.passed_over_at_ms), "it kept its place during the grace");
    await sleep(10_500);
    const sweep = await stack.lambda.invoke(fn("callback-fifo"), { action: "sweep" });
    assert.ok(!sweep.error, JSON.stringify(sweep.error));
    assert.deepEqual(await stack.leftovers(), [], "the gone waiter's grant was released and its place removed");
  });
});

test("a holder that crashed: its lease expires and the sweep hands the slot to the queue", async () => {
  await withQueueingStack(functions, async ({ stack, watch, gate, options }) => {
    const name = fn("callback-fifo");
    // A holder that took the only slot for 2 s and was never heard of again.
    const crashed = await stack.lambda.invoke(name, { action: "acquire", owner_id: "arn:aws:states:eu-central-1:123456789012:execution:crashed:1", resource_id: "crashed", lease_duration_seconds: 2 });
    assert.equal(crashed.payload.status, "acquired");
    const waiter = runExecution(structuredClone(outputs.definition_callback_fifo), { resource_id: "waiter" }, options);
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
  });
});
