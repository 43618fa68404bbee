// Failure paths through the real ASL (the quick start's definition) and the real function.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { buildQuickstart } from "../../tools/quickstart.mjs";
import { renderConfiguration, loadRendered, runExecution, repoRoot } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";

let rendered;
before(async () => {
  buildQuickstart(repoRoot);
  rendered = loadRendered(await renderConfiguration("build/quickstart", "e2e-failures"), "quickstart");
});

const work = async (input) => input;

test("a TransientFailure from the function is retried by the Task and the execution succeeds", async () => {
  const stack = await startStack(rendered.functions);
  try {
    await stack.lambda.injectFault(stack.functions[0].function_name, "LeaseManager.TransientFailure", 1, "DynamoDB is throttling");
    const run = runExecution(rendered.outputs.definition, { resource_id: "retry-me" }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: work }, retryIntervalOverrides: { AcquireLease: 20 },
    });
    const output = await run.result;

    assert.equal(output.releaseLease.released, true);
    assert.equal(stack.counters.invocations, 3, "acquire failed once, was retried, then release");
    assert.deepEqual(stack.counters.attempts, [0, 1], "the retry told the function it was a retry ($$.State.RetryCount)");
    assert.deepEqual(await stack.items(), []);
  } finally {
    await stack.stop();
  }
});

// A number is a valid resource id (tests/e2e/contract.test.mjs); a boolean, an object or an overlong string is not.
for (const [label, resourceId] of [["a boolean", true], ["1025 characters", "r".repeat(1025)], ["an object", { id: 1 }]]) {
  test(`a resource_id that is ${label} fails the execution with LeaseManager.InvalidRequest and takes no lease`, async () => {
    const stack = await startStack(rendered.functions);
    try {
      let worked = false;
      const run = runExecution(rendered.outputs.definition, { resource_id: resourceId }, {
        leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async (i) => { worked = true; return i; } },
      });
      await assert.rejects(run.result, (e) => (e.cause?.name ?? e.name) === "LeaseManager.InvalidRequest");
      assert.equal(worked, false, "the work never ran");
      assert.equal(stack.counters.invocations, 1, "not retried");
      assert.deepEqual(await stack.items(), [], "nothing written");
    } finally {
      await stack.stop();
    }
  });
}

test("work that fails after acquiring leaves a lease that expires and frees its capacity", async () => {
  // One slot and two-second leases, so capacity lost to the failed execution must come back by expiry.
  const stack = await startStack(rendered.functions, { environment: { LEASE_MAX_CONCURRENT: "1", LEASE_MAX_DURATION_SECONDS: "2" } });
  try {
    const failing = runExecution(rendered.outputs.definition, { resource_id: "crash" }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async () => { throw Object.assign(new Error("worker crashed"), { name: "Worker.Crashed" }); } },
    });
    await assert.rejects(failing.result, (e) => (e.cause?.name ?? e.name) === "Worker.Crashed");
    const pool = stack.pools[0];
    const stranded = await stack.db.liveLeases(pool);
    assert.equal(stranded.length, 1, "the failed execution's lease is still held");
    const expiresAt = Number(stranded[0].expires_at_ms.N);

    let acquiredAt;
    const next = runExecution(rendered.outputs.definition, { resource_id: "next" }, {
      leaseHandler: async (input) => {
        const answer = await stack.leaseHandler(input);
        if (input.Payload.action === "acquire" && answer.Payload.status === "acquired") acquiredAt = Date.now();
        return answer;
      },
      handlers: { ProcessWork: work }, waitTimeOverrides: { WaitForLease: 100 },
    });
    const output = await next.result;

    assert.equal(output.releaseLease.released, true);
    assert.ok(stack.observer.pools[pool.name].waits > 0, "the next execution waited while the stranded lease was live");
    assert.ok(acquiredAt >= expiresAt, "and got the slot once the stranded lease expired, without any TTL deletion");
    assert.equal((await stack.db.liveLeases(pool)).length, 0);
    const left = await stack.items();
    assert.ok(left.every((i) => i.SK.S.startsWith("owner#") && Number(i.expires_at_ms.N) <= Date.now()),
      "only the failed execution's expired owner index entry remains, for TTL to delete");
  } finally {
    await stack.stop();
  }
});
