// Step Functions depth, end to end: definitions rendered from the module's fragments
// (tests/render/depth), run by the ASL interpreter — JSONata ones by tests/harness/jsonata-runner.mjs
// with the jsonata package — against the packaged function on DynamoDB Local.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, runExecution, countTransitions } from "../harness/harness.mjs";
import { runJsonataExecution } from "../harness/jsonata-runner.mjs";
import { startStack, sleep } from "./stack.mjs";
import { until } from "./callback-helpers.mjs";

let outputs;
let functions;
before(async () => {
  ({ outputs, functions } = loadRendered(await renderConfiguration("tests/render/depth", "e2e-depth"), "render"));
});

const fn = (prefix) => functions.find((f) => f.environment.LEASE_PREFIX === prefix).function_name;

/** Runs `count` executions of a JSONPath definition at once; counts state transitions (entries and retries). */
async function runMany(stack, definition, count, { work, ...options }) {
  const runs = Array.from({ length: count }, (_, i) =>
    runExecution(definition, { resource_id: `item-${i}` }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: work }, ...options }));
  const counters = runs.map(countTransitions);
  await Promise.all(runs.map((r) => r.result));
  await Promise.all(counters.map((c) => c.done));
  return counters.reduce((sum, c) => sum + c.count, 0) / count;
}

/**
 * A work handler that records how many pieces of work run at once. Each piece holds its lease until
 * the pool of `cap` has been full once (5 s at most), then works `ms`: on a loaded machine a piece
 * could otherwise end before the last lease of the pool was granted, and "the pool was filled" would
 * fail for the machine's sake. A pool that cannot fill still shows: the wait times out and max stays low.
 */
function workTracker(ms, cap = 3) {
  const t = { now: 0, max: 0, done: 0 };
  t.work = async (input) => {
    t.now++; t.max = Math.max(t.max, t.now);
    await until(() => t.max >= cap, "the pool to fill", 5000).catch(() => {});
    await sleep(ms); t.now--; t.done++; return { ok: true, resource_id: input.resource_id };
  };
  return t;
}

test("retry strategy under saturation: fewer state transitions per item than poll, the cap never exceeded", async () => {
  const stack = await startStack(functions);
  try {
    // Same demand on two pools of 3: 12 executions, 300 ms of work each, the pool asked again every
    // 200 ms (the poll Wait and the LeaseUnavailable retry shortened alike; jitter is tested below).
    const poll = workTracker(300);
    const pollPerItem = await runMany(stack, outputs.definition_poll, 12, { work: poll.work, waitTimeOverrides: { WaitForLease: 200 } });
    const retry = workTracker(300);
    const retryPerItem = await runMany(stack, outputs.definition_retry, 12, { work: retry.work, retryIntervalOverrides: { AcquireLease: [-1, 200] } });

    for (const [name, t] of [["poll", poll], ["retry", retry]]) {
      assert.equal(t.done, 12, `${name}: every item ran`);
      assert.equal(t.max, 3, `${name}: the work filled the pool of 3 and never exceeded it`);
      assert.ok(stack.observer.maxConcurrent(name) <= 3, `${name}: leases held at once (answers)`);
      assert.ok(Math.max(...stack.observer.pools[name].samples.map((s) => s[1])) <= 3, `${name}: leases held at once (table)`);
    }
    assert.ok(stack.observer.pools.poll.waits > 0, "poll: items waited");
    assert.ok(retryPerItem < pollPerItem, `retry ${retryPerItem.toFixed(1)} transitions per item < poll ${pollPerItem.toFixed(1)}`);
    assert.ok(stack.counters.attempts.some((a) => a > 0), "retries told the function they were retries");
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), [], "every lease released");
  } finally {
    await stack.stop();
  }
});

test("retry strategy: backoff with jitter, bounded by max_attempts, then the execution fails with LeaseManager.LeaseUnavailable", async () => {
  const stack = await startStack(functions);
  try {
    let release;
    const holding = new Promise((r) => { release = r; });
    // The pool of one is held by the first execution until the second has given up.
    const holder = runExecution(outputs.definition_bounded, { resource_id: "holder" }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async (i) => { await holding; return i; } } });
    while (stack.observer.pools.bounded.acquires === 0) await sleep(20);

    let worked = false;
    const attemptsBefore = stack.counters.attempts.length;
    const started = Date.now();
    const waiter = runExecution(outputs.definition_bounded, { resource_id: "waiter" }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async (i) => { worked = true; return i; } } });
    await assert.rejects(waiter.result, (e) => (e.cause?.name ?? e.name) === "LeaseManager.LeaseUnavailable");
    const elapsed = Date.now() - started;
    release();
    await holder.result;

    assert.equal(worked, false, "the work never ran without a lease");
    assert.deepEqual(stack.counters.attempts.slice(attemptsBefore), [0, 1, 2], "first attempt + max_attempts (2) retries, each told its retry count");
    assert.ok(elapsed < 2500, `two retries of at most 1 s each (full jitter): ${elapsed} ms`);
    assert.equal(stack.observer.pools.bounded.leaseIds.size, 1, "the waiter never held a lease");
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), []);
  } finally {
    await stack.stop();
  }
});

test("JSONata and JSONPath fragments send the same payloads to the function", async () => {
  const sent = [];
  const stack = await startStack(functions, { onPayload: (p) => sent.push(p) });
  try {
    // Each pair runs with the same execution id and input; ids the function generates are
    // compared by position (the n-th lease id granted in that run).
    const raw = [];
    const jsonataHandler = async (input) => { raw.push(structuredClone(input.Payload)); return stack.leaseHandler(input); };
    const transcript = (prefix) => {
      const calls = sent.filter((s) => s.functionName === fn(prefix));
      const ids = [...new Set(calls.map((c) => c.answer.payload?.lease_id).filter(Boolean))];
      return calls.map((c) => JSON.parse(JSON.stringify(c.payload).replaceAll(/"\d{4}\.[-0-9a-f]+\.[0-9a-f]{16}"/g, (m) => `"lease#${ids.indexOf(JSON.parse(m))}"`)));
    };

    // acquire -> work -> renew -> release, poll strategy.
    await runExecution(outputs.definition_jsonpath, { resource_id: "order-7" }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async () => ({ done: true }) }, executionName: "pair-1" }).result;
    const jsonata = await runJsonataExecution(outputs.definition_jsonata, { resource_id: "order-7" }, { leaseHandler: jsonataHandler, handlers: { ProcessWork: async () => ({ done: true }) }, executionName: "pair-1" });
    assert.deepEqual(transcript("jsonata"), transcript("jsonpath"));
    assert.deepEqual(transcript("jsonpath").map((p) => p.action), ["acquire", "renew", "release"]);
    assert.deepEqual(transcript("jsonpath")[0], { action: "acquire", resource_id: "order-7", owner_id: "arn:aws:states:eu-central-1:123456789012:execution:local:pair-1", attempt: 0 });
    assert.equal(jsonata.variables.lease.status, "released", "after ReleaseLease, $lease holds the release answer");
    assert.equal(jsonata.variables.lease.released, true);
    assert.deepEqual(jsonata.output, { resource_id: "order-7", work: { done: true } }, "the lease states pass the input through");

    // Retry strategy, with a transient fault on the first acquire: the retry carries its count.
    await stack.lambda.injectFault(fn("retry"), "LeaseManager.TransientFailure", 1);
    await runExecution(outputs.definition_retry, { resource_id: "order-8" }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async () => ({}) }, retryIntervalOverrides: { AcquireLease: 10 }, executionName: "pair-2" }).result;
    await stack.lambda.injectFault(fn("jsonata-retry"), "LeaseManager.TransientFailure", 1);
    raw.length = 0;
    await runJsonataExecution(outputs.definition_jsonata_retry, { resource_id: "order-8" }, { leaseHandler: jsonataHandler, handlers: { ProcessWork: async () => ({}) }, retryIntervalOverrides: { AcquireLease: 10 }, executionName: "pair-2" });
    assert.deepEqual(transcript("jsonata-retry"), transcript("retry"));
    assert.deepEqual(transcript("retry").map((p) => [p.action, p.attempt, p.fail_if_unavailable]), [["acquire", 0, true], ["acquire", 1, true], ["release", undefined, undefined]]);
    assert.deepEqual(raw.map((p) => p.attempt), [0, 1, undefined], "$states.context.State.RetryCount itself, not the harness, numbered the JSONata attempts");
  } finally {
    await stack.stop();
  }
});

test("JSONata fragments hold the cap under saturation, with both strategies", async () => {
  const stack = await startStack(functions);
  try {
    for (const [prefix, definition, overrides] of [
      ["jsonata", outputs.definition_jsonata, { waitTimeOverrides: { WaitForLease: 100 } }],
      ["jsonata-retry", outputs.definition_jsonata_retry, { retryIntervalOverrides: { AcquireLease: [-1, 100] } }],
    ]) {
      const t = workTracker(200);
      const results = await Promise.all(Array.from({ length: 9 }, (_, i) =>
        runJsonataExecution(definition, { resource_id: `job-${i}` }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: t.work }, ...overrides })));
      assert.equal(t.done, 9, `${prefix}: every job ran`);
      assert.equal(t.max, 3, `${prefix}: at most 3 at once, and the pool was filled`);
      assert.ok(results.every((r) => r.variables.lease.released === true), `${prefix}: every lease released`);
      assert.ok(stack.observer.maxConcurrent(prefix) <= 3);
    }
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), []);
  } finally {
    await stack.stop();
  }
});

for (const strategy of ["poll", "retry"]) {
  test(`inline Map (${strategy}): 10 items through a pool of 3 share one execution id but never a lease`, async () => {
    const stack = await startStack(functions);
    try {
      const t = workTracker(250);
      const items = Array.from({ length: 10 }, (_, i) => ({ resource_id: `file-${i}` }));
      const run = runExecution(outputs[`definition_inline_map_${strategy}`], { items }, {
        leaseHandler: stack.leaseHandler, handlers: { ProcessWork: t.work },
        waitTimeOverrides: { WaitForLease: 100 }, retryIntervalOverrides: { AcquireLease: [-1, 100] },
      });
      const output = await run.result;

      const pool = stack.observer.pools[strategy];
      assert.equal(output.length, 10);
      assert.equal(t.done, 10);
      assert.equal(t.max, 3, `work ran 3 at once at most (and the pool was filled): ${t.max}`);
      assert.equal(pool.leaseIds.size, 10, "every item got a lease of its own");
      assert.ok(stack.observer.maxConcurrent(strategy) <= 3);
      if (strategy === "retry") assert.ok(stack.counters.attempts.some((a) => a > 0), "iterations retried (the owner lookup ran) while others held leases");
    } finally {
      await stack.stop();
    }
  });
}

test("inline Map counter-example: items with one resource id are one owner, so a retry finds a sibling's lease", async () => {
  // Why the owner key includes the resource id and items need distinct ones (the AWS sample keys on
  // the execution id alone): with one resource id for every item, a retrying iteration is given a
  // lease its sibling holds and runs beside it — more work than the cap, on fewer leases.
  const stack = await startStack(functions);
  try {
    const t = workTracker(250);
    const items = Array.from({ length: 10 }, () => ({ resource_id: "same-for-all" }));
    await runExecution(outputs.definition_inline_map_retry, { items }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: t.work }, retryIntervalOverrides: { AcquireLease: [-1, 100] },
    }).result;

    assert.ok(t.max > 3, `shared owner: ${t.max} pieces of work at once on a pool of 3`);
    assert.ok(stack.observer.pools.retry.leaseIds.size < 10, "items shared leases");
  } finally {
    await stack.stop();
  }
});

test("renewal keeps a long holder alive past the original expiry; the next execution waits for the release", async () => {
  // Pool of 1, 12-second leases; the holder works in chunks of 0.6 s, renewing after each, until 1.5 s
  // past its lease's original expiry, however slow the machine: each renewal has 11.4 s to land (CI
  // runs this beside a Native AOT build on two cores, where renewals with 2.4 s and then 5.4 s of
  // margin each lapsed once).
  const stack = await startStack(functions);
  try {
    const pool = stack.pools.find((p) => p.name === "renewing");
    let acquiredAt = 0;
    let releasedAt = 0;
    let firstExpiry = 0;
    const chunk = async () => {
      if (!firstExpiry) firstExpiry = Number((await stack.db.liveLeases(pool))[0]?.expires_at_ms.N);
      await sleep(600);
      return { remaining: Date.now() < firstExpiry + 1500 ? 1 : 0 };
    };
    const handler = async (input) => {
      const answer = await stack.leaseHandler(input);
      if (input.Payload.action === "release") releasedAt = Date.now();
      return answer;
    };
    const started = Date.now();
    const holder = runExecution(outputs.definition_renewing, { resource_id: "long" }, { leaseHandler: handler, handlers: { ProcessChunk: chunk } });
    await sleep(300);
    const next = runExecution(outputs.definition_renewing, { resource_id: "next" }, {
      leaseHandler: async (input) => {
        const answer = await stack.leaseHandler(input);
        if (input.Payload.action === "acquire" && answer.Payload.status === "acquired") acquiredAt = Date.now();
        return answer;
      },
      handlers: { ProcessChunk: async () => ({ remaining: 0 }) }, waitTimeOverrides: { WaitForLease: 100 },
    });
    const held = await holder.result;
    await next.result;

    assert.ok(releasedAt - started > 13000, `the holder worked ${releasedAt - started} ms, past its 12 s lease`);
    assert.equal(held.renewLease.status, "renewed");
    assert.equal(held.renewLease.lease_id, held.acquireLease.lease_id, "the same lease throughout");
    assert.ok(firstExpiry > 0 && firstExpiry < releasedAt - 1000, "the original expiry passed while the holder still worked");
    assert.ok(acquiredAt >= releasedAt, `the next execution got the slot only after the release (${acquiredAt - releasedAt} ms after)`);
    assert.ok(stack.observer.pools.renewing.waits > 5, "and waited meanwhile");
    assert.ok(Math.max(...stack.observer.pools.renewing.samples.map((s) => s[1])) <= 1);
  } finally {
    await stack.stop();
  }
});

test("a synthetic execution-failure event frees that execution's leases at once", async () => {
  // The function as reclaim_on_execution_failure wires it: EventBridge delivers Step Functions'
  // status event. Settle time 2 s (the module sets the function timeout).
  const stack = await startStack(functions, { environment: { LEASE_MAX_CONCURRENT: "1", LEASE_RECLAIM_SETTLE_SECONDS: "2" } });
  try {
    const pool = stack.pools.find((p) => p.name === "poll");
    const failing = runExecution(outputs.definition_poll, { resource_id: "crash" }, {
      leaseHandler: stack.leaseHandler, executionName: "crashed-1",
      handlers: { ProcessWork: async () => { throw Object.assign(new Error("worker crashed"), { name: "Worker.Crashed" }); } },
    });
    await assert.rejects(failing.result, (e) => (e.cause?.name ?? e.name) === "Worker.Crashed");
    const stranded = await stack.db.liveLeases(pool);
    assert.equal(stranded.length, 1, "the failed execution still holds its lease (600 s)");

    const executionArn = "arn:aws:states:eu-central-1:123456789012:execution:local:crashed-1";
    const stoppedAt = Date.now();
    const event = {
      version: "0", id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Step Functions Execution Status Change", source: "aws.states",
      account: "123456789012", time: new Date(stoppedAt).toISOString().replace(/\.\d+Z$/, "Z"), region: "eu-central-1", resources: [executionArn],
      detail: { executionArn, stateMachineArn: "arn:aws:states:eu-central-1:123456789012:stateMachine:local", name: "crashed-1", status: "FAILED", startDate: stoppedAt - 1000, stopDate: stoppedAt, input: "{}", output: null },
    };
    const reclaim = stack.lambda.invoke(fn("poll"), event);
    let freedAfter = null;
    while (freedAfter === null && Date.now() - stoppedAt < 5000) {
      if ((await stack.db.liveLeases(pool)).length === 0) freedAfter = Date.now() - stoppedAt; else await sleep(25);
    }
    assert.ok(freedAfter !== null && freedAfter < 1000, `freed ${freedAfter} ms after the event, not at expiry`);

    // The next execution gets the slot straight away, while the reclaim waits out the settle time.
    const next = await runExecution(outputs.definition_poll, { resource_id: "next" }, { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async () => ({}) } }).result;
    assert.equal(next.releaseLease.released, true);
    assert.equal(stack.observer.pools.poll.waits, 0, "no waiting for the failed execution's lease");

    const answer = (await reclaim).payload;
    assert.equal(answer.status, "reclaimed");
    assert.deepEqual(answer.lease_ids, [stranded[0].lease_id.S]);
    assert.equal(answer.sweeps, 2, "swept again after the settle time");
    assert.ok(Date.now() - stoppedAt >= 2000);
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), []);
  } finally {
    await stack.stop();
  }
});
