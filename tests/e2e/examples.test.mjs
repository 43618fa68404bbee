// Both examples' state machines, rendered by Terraform, executed through the ASL interpreter with
// the real function on DynamoDB Local (work shortened through the interpreter's Wait overrides).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, runExecution } from "../harness/harness.mjs";
import { startStack } from "./stack.mjs";

test("shared-table: two Distributed Maps share one table, each within its own cap", async () => {
  const { outputs, functions } = loadRendered(await renderConfiguration("examples/shared-table", "e2e-shared-table"), "render");
  const stack = await startStack(functions);
  try {
    const runs = [
      ["analytics", "shared-lease-platform-analytics-workflow", outputs.analytics_definition, outputs.work_items.analytics],
      ["batch", "shared-lease-platform-batch-workflow", outputs.batch_definition, outputs.work_items.batch],
    ].map(([pool, name, definition, items]) => {
      stack.observer.expectItems(pool, items.length);
      // The Map's S3 ItemReader is not evaluated locally: the items it would read are the input.
      return runExecution(definition, items, { stateMachineName: name, leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, waitTimeOverrides: { Process: 800 } });
    });
    await Promise.all(runs.map((r) => r.result));

    for (const [pool, cap, items] of [["analytics", 15, 30], ["batch", 5, 20]]) {
      const p = stack.observer.pools[pool];
      assert.equal(p.cap, cap);
      assert.equal(stack.observer.counts(pool).done, items, `${pool}: every item released its lease`);
      assert.ok(stack.observer.maxConcurrent(pool) <= cap, `${pool}: never more than the cap at once (answers): ${stack.observer.maxConcurrent(pool)}`);
      assert.ok(stack.observer.maxConcurrent(pool) > cap / 2, `${pool}: the pool was really used: ${stack.observer.maxConcurrent(pool)} at once`);
      assert.equal(p.leaseIds.size, items, `${pool}: one lease per item`);
      assert.ok(Math.max(...p.samples.map((s) => s[1])) <= cap, `${pool}: never more than the cap in the table`);
      assert.ok(p.waits > 0, `${pool}: items queued for leases`);
    }
    assert.deepEqual(await stack.leftovers(), [], "nothing left in the shared table");
  } finally {
    await stack.stop();
  }
});

test("complete: an inline Map of 50 jobs through a pool of 8", async () => {
  const { outputs, functions } = loadRendered(await renderConfiguration("examples/complete", "e2e-complete"), "render");
  const stack = await startStack(functions);
  try {
    stack.observer.expectItems("orders", 50);
    const run = runExecution(outputs.state_machine_definition, {}, {
      stateMachineName: "complete-example-workflow", leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, waitTimeOverrides: { RunJob: 500 },
    });
    await run.result;

    const p = stack.observer.pools.orders;
    assert.equal(p.cap, 8);
    assert.equal(stack.observer.counts("orders").done, 50, "every job released its lease");
    assert.equal(p.leaseIds.size, 50, "iterations of one execution share its id, yet each job got its own lease (owner key = execution id + job id)");
    assert.ok(stack.observer.maxConcurrent("orders") <= 8 && stack.observer.maxConcurrent("orders") > 4, `at most 8 at once, and the pool was used: ${stack.observer.maxConcurrent("orders")}`);
    assert.ok(Math.max(...p.samples.map((s) => s[1])) <= 8);
    assert.ok(p.waits > 0, "jobs queued for leases");
    assert.equal(stack.observer.pools.reporting.acquires, 0, "the reporting pool is untouched");
    assert.deepEqual(await stack.leftovers(), []);
  } finally {
    await stack.stop();
  }
});
