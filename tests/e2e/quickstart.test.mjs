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
