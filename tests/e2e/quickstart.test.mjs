// The README quick start, rendered by Terraform exactly as written, executed through the ASL
// interpreter with every lease Task answered by the real function on DynamoDB Local.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildQuickstart } from "../../tools/quickstart.mjs";
import { renderConfiguration, loadRendered, runExecution, repoRoot } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";

let rendered, stack;
before(async () => {
  buildQuickstart(repoRoot);
  rendered = loadRendered(await renderConfiguration("build/quickstart", "e2e-quickstart"), "quickstart");
  stack = await startStack(rendered.functions);
});
after(async () => stack?.stop());

test("the quick start's definition holds the limit of 10 across 16 concurrent executions and cleans up", async () => {
  const definition = rendered.outputs.definition;
  const pool = stack.pools[0];
  assert.equal(pool.cap, 10, "the quick start sets max_concurrent_leases = 10");
  const work = async (input) => { await sleep(300 + Math.random() * 500); return { worked: input.resource_id }; };

  const runs = Array.from({ length: 16 }, (_, i) => runExecution(definition, { resource_id: `order-${i}` }, {
    stateMachineName: "analytics-workflow",
    leaseHandler: stack.leaseHandler,
    handlers: { ProcessWork: work },
    waitTimeOverrides: { WaitForLease: 100 },
  }));
  const outputs = await Promise.all(runs.map((r) => r.result));

  assert.equal(outputs.length, 16);
  for (const output of outputs) {
    assert.equal(output.work.worked, output.resource_id, "the worker's result sits under $.work");
    assert.equal(output.acquireLease.status, "acquired", "the lease data stays in the state through the work");
    assert.equal(output.releaseLease.status, "released");
    assert.equal(output.releaseLease.released, true);
  }
  assert.ok(stack.observer.maxConcurrent(pool.name) <= 10, "never more than the cap at once");
  assert.equal(stack.observer.pools[pool.name].leaseIds.size, 16, "one lease per execution");
  assert.ok(Math.max(...stack.observer.pools[pool.name].samples.map((s) => s[1])) <= 10, "the table never held more than the cap");
  assert.ok(stack.observer.pools[pool.name].waits > 0, "some executions waited for a lease");
  assert.deepEqual(await stack.items(), [], "every slot and owner item was released");
});

test("the quick start switched to the callback strategy by its one commented input: queued executions get their lease at the same place", async () => {
  buildQuickstart(repoRoot, { callback: true });
  const switched = loadRendered(await renderConfiguration("build/quickstart-callback", "e2e-quickstart-callback"), "quickstart");
  const callbackStack = await startStack(switched.functions);
  try {
    const definition = switched.outputs.definition;
    assert.equal(definition.States.WaitForLease.Resource.endsWith(":states:::lambda:invoke.waitForTaskToken"), true, "WaitForLease waits for a task token");
    const pool = callbackStack.pools[0];
    const work = async (input) => { await sleep(200 + Math.random() * 300); return { worked: input.resource_id }; };
    const runs = Array.from({ length: 16 }, (_, i) => runExecution(definition, { resource_id: `order-${i}` }, {
      stateMachineName: "analytics-workflow", leaseHandler: callbackStack.leaseHandler, taskTokens: callbackStack.lambda.taskTokens,
      handlers: { ProcessWork: work },
    }));
    const outputs = await Promise.all(runs.map((r) => r.result));

    for (const output of outputs) {
      assert.equal(output.work.worked, output.resource_id);
      assert.equal(output.acquireLease.status, "acquired", "a handed-over lease lands where an acquired one does");
      assert.equal(output.releaseLease.released, true);
    }
    assert.ok(callbackStack.observer.maxConcurrent(pool.name) <= 10);
    assert.ok(callbackStack.observer.pools[pool.name].waits > 0, "some executions queued");
    assert.deepEqual(await callbackStack.leftovers(), []);
  } finally {
    await callbackStack.stop();
  }
});
