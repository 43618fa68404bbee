// The callback wait strategy end to end: the rendered fragments (tests/render/callback) run by the
// ASL interpreter, `.waitForTaskToken` answered through the local task-token endpoint, the packaged
// function on DynamoDB Local. Order (FIFO, priority) and the limit; the faults the strategy is
// designed for are in callback-faults.test.mjs.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, runExecution, countTransitions } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";
import { driveQueue, withQueueingStack, until } from "./callback-helpers.mjs";

let outputs;
let functions;
before(async () => {
  ({ outputs, functions } = loadRendered(await renderConfiguration("tests/render/callback", "e2e-callback"), "render"));
});

test("FIFO: 50 executions queued on a pool of 1 get the slot in the order they queued, none overtaken", async () => {
  await withQueueingStack(functions, async ({ stack, watch, gate }) => {
    const inputs = Array.from({ length: 50 }, (_, i) => ({ resource_id: `job-${String(i).padStart(2, "0")}` }));
    const order = await driveQueue(stack, structuredClone(outputs.definition_callback_fifo), { cap: 1, inputs, watch, gate });

    assert.deepEqual(watch.queued, inputs.map((i) => i.resource_id), "each execution queued in turn");
    assert.deepEqual(order, watch.queued, "slots went out in queue order: 0 overtaken");
    assert.equal(gate.max, 1, "never more than one at work");
    assert.ok(stack.observer.maxConcurrent("callback-fifo") <= 1, "never more than one lease held (answers)");
    assert.ok(Math.max(...stack.observer.pools["callback-fifo"].samples.map((s) => s[1])) <= 1, "never more than one lease held (table)");
    assert.deepEqual(await stack.leftovers(), [], "no lease and no queue item left");
  });
});

test("priority: higher priority first, FIFO within a priority, over 50 queued executions", async () => {
  await withQueueingStack(functions, async ({ stack, watch, gate }) => {
    // Priorities drawn from a fixed sequence, so the expected order is known.
    const inputs = Array.from({ length: 50 }, (_, i) => ({ resource_id: `p-${String(i).padStart(2, "0")}`, priority: (i * 7) % 4 }));
    const order = await driveQueue(stack, structuredClone(outputs.definition_callback_jsonpath), { cap: 3, inputs, watch, gate });

    const expected = inputs.map((input, arrival) => ({ ...input, arrival }))
      .sort((a, b) => b.priority - a.priority || a.arrival - b.arrival).map((i) => i.resource_id);
    assert.deepEqual(order, expected);
    assert.equal(gate.max, 3);
    assert.deepEqual(await stack.leftovers(), []);
  });
});

test("40 executions at once on a pool of 3: never above the limit, every one served, few transitions each, nothing left", async () => {
  const stack = await startStack(functions);
  try {
    const t = { now: 0, max: 0, done: 0 };
    // Each job holds its lease until the pool has been full once (5 s at most): on a loaded machine a
    // short job could end before the third lease was granted, and "filled" would prove nothing.
    const work = async () => {
      t.now++; t.max = Math.max(t.max, t.now);
      await until(() => t.max >= 3, "the pool to fill", 5000).catch(() => {});
      await sleep(50 + Math.random() * 100); t.now--; t.done++; return { ok: true };
    };
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
