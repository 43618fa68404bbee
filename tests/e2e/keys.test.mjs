// Concurrency keys and sfn_on_busy end to end: the definitions of tests/render/keys (the module's own
// fragments) run by the ASL interpreter — JSONata ones by tests/harness/jsonata-runner.mjs — against
// the packaged function on DynamoDB Local. A tenant limit under the pool's (poll), a singleton per
// key that skips duplicates in flight (both query languages), fail caught around the fragment, and
// the callback strategy's keyed queues; `limited_by` as the workflow sees it.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { renderConfiguration, loadRendered, leftoverItems } from "../harness/harness.mjs";
import { startStack, sleep } from "./stack.mjs";
import { gatedWork, queueWatch, until } from "./callback-helpers.mjs";
import { tracedRun, runEither, heldWork, keyedWorkTracker } from "./keys-helpers.mjs";

// One stack for the file (each definition has a pool and table of its own): starting DynamoDB Local
// and the functions once keeps the file's run short.
let outputs;
let stack;
let onPayload;
before(async () => {
  let functions;
  ({ outputs, functions } = loadRendered(await renderConfiguration("tests/render/keys", "e2e-keys"), "render"));
  stack = await startStack(functions, { onPayload: (p) => onPayload?.(p) });
});
after(() => stack?.stop());
// Work a failed test left held is let go, so its executions end rather than hold leases.
const cleanups = [];
afterEach(() => { for (const cleanup of cleanups.splice(0)) cleanup(); });
const held = () => { const h = heldWork(); cleanups.push(h.release); return h; };

/** The table of pool `prefix`, and what it still holds that means something (stack.leftovers, one pool). */
const itemsOf = (prefix) => stack.db.scanAll(stack.pools.find((p) => p.name === prefix).table);
const leftovers = async (prefix) => leftoverItems(await itemsOf(prefix));

test("tenant limit under a total (poll): each tenant reaches its own limit and never more, the pool never above 10", async () => {
  const limits = { acme: 4, t1: 2, t2: 2, t3: 2, t4: 2 }; // acme's override; 12 in all, over a pool of 10
  const perTenant = { acme: 10, t1: 5, t2: 5, t3: 5, t4: 5 };
  // Each piece of work lasts until the pool was full once and its tenant at its limit once, then a
  // little more: both limits are met however slow the grants are (no deadlock: a full pool holds a
  // tenant at its limit, as at most 7 fit below the limits), and a grant beyond either shows.
  const t = keyedWorkTracker((input) => input.tenant_id, async (input) => {
    const met = () => t.total.max >= 10 && t.keys[input.tenant_id].max >= limits[input.tenant_id];
    await until(met, `the pool full and ${input.tenant_id} at its limit`, 20_000).catch(() => {});
    await sleep(50 + Math.random() * 100);
  });
  const inputs = Object.entries(perTenant).flatMap(([tenant, n]) => Array.from({ length: n }, (_, i) => ({ resource_id: `${tenant}-${i}`, tenant_id: tenant })));
  const runs = inputs.map((input) => tracedRun(structuredClone(outputs.definition_keys_tenant_wait), input, {
    leaseHandler: stack.leaseHandler, handlers: { ProcessWork: t.work }, waitTimeOverrides: { WaitForLease: 200 },
  }));
  const ended = await Promise.all(runs.map((r) => r.settled));

  assert.deepEqual(ended.filter((e) => e.error), [], "every execution succeeded");
  assert.equal(t.total.done, inputs.length, "all work done");
  for (const [tenant, limit] of Object.entries(limits)) {
    assert.equal(t.keys[tenant].done, perTenant[tenant], `${tenant}: all its work done`);
    assert.equal(t.keys[tenant].max, limit, `${tenant}: at most ${limit} at once, and its limit was reached`);
  }
  assert.equal(t.total.max, 10, "the pool was filled and never exceeded (work)");
  assert.ok(stack.observer.maxConcurrent("keys-tenant") <= 10, "leases held at once (answers)");
  assert.ok(Math.max(...stack.observer.pools["keys-tenant"].samples.map((s) => s[1])) <= 10, "leases held at once (table)");

  // What WaitForLease saw: the busy answer's limited_by, with the counts of the limit that was hit.
  const busy = runs.flatMap((r, i) => r.inputsOf("WaitForLease").map((s) => ({ tenant: inputs[i].tenant_id, ...s.acquireLease })));
  assert.ok(busy.every((b) => b.status === "wait" && b.lease_id === null));
  const byKey = busy.filter((b) => b.limited_by === "key");
  const byPool = busy.filter((b) => b.limited_by === "pool");
  assert.equal(byKey.length + byPool.length, busy.length, "every wait says which limit it met");
  assert.ok(byKey.some((b) => b.tenant === "acme"), "acme (10 executions over a limit of 4) met its key limit");
  assert.ok(byPool.length > 0, "the pool of 10 under 12 tenant slots was met too");
  for (const b of byKey) assert.deepEqual([b.current_running, b.max_concurrent_leases], [limits[b.tenant], limits[b.tenant]], `a key answer counts the key (${b.tenant})`);
  for (const b of byPool) assert.equal(b.max_concurrent_leases, 10, "a pool answer counts the pool");

  assert.deepEqual(await leftovers("keys-tenant"), [], "no lease left, every key idle");
});

const singletons = [
  ["JSONPath", "keys-singleton-jp", () => outputs.definition_keys_singleton_jsonpath, (i) => ({ resource_id: `dup-${i}`, order_id: "order-7" })],
  ["JSONata", "keys-singleton-ja", () => outputs.definition_keys_singleton_jsonata, (i) => ({ resource_id: `dup-${i}`, order: { region: "eu", id: "7" } })],
];

for (const [language, prefix, definition, input] of singletons) {
  test(`singleton skip (${language}): 12 duplicates at once, one does the work, 11 end on AlreadyRunning; a later one runs again`, async () => {
    const hold = held();
    const options = { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: hold.work } };
    const settled = [];
    const runs = Array.from({ length: 12 }, (_, i) => runEither(language, structuredClone(definition()), input(i), options).then((r) => { settled.push(r); return r; }));
    await until(() => hold.started.length === 1 && settled.length === 11, "one at work and 11 ended");
    assert.equal(hold.started.length, 1, "exactly one execution runs the work while it holds the key");
    hold.release();
    const ended = await Promise.all(runs);

    assert.deepEqual(ended.filter((e) => e.error).map((e) => e.error.message), [], "every execution succeeded");
    const skipped = ended.filter((e) => e.state === "AlreadyRunning");
    assert.equal(skipped.length, 11, "the duplicates ended on the post-skip state");
    assert.deepEqual(ended.filter((e) => e.state !== "AlreadyRunning").map((e) => [e.state, e.lease.status]), [["ReleaseLease", language === "JSONata" ? "released" : "acquired"]]);
    for (const s of skipped) {
      assert.deepEqual(s.lease, { status: "wait", lease_id: null, lease_expires_at: null, limited_by: "key", current_running: 1, max_concurrent_leases: 1 },
        "the skip state sees the key's busy answer");
    }
    assert.deepEqual(await leftovers(prefix), [], "no lease left");

    // A lease is not idempotency: the same order after the release runs the work again.
    const again = await runEither(language, structuredClone(definition()), input(99), options);
    assert.equal(again.state, "ReleaseLease");
    assert.equal(hold.started.length, 2, "the work ran again");
    assert.deepEqual(await leftovers(prefix), []);
  });
}

test("skip when the pool is full: another order is skipped too, and the skip state reads limited_by = pool", async () => {
  const hold = held();
  const options = { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: hold.work } };
  const holders = Array.from({ length: 10 }, (_, i) => tracedRun(outputs.definition_keys_singleton_jsonpath, { resource_id: `o-${i}`, order_id: `order-${i}` }, options));
  await until(() => hold.started.length === 10, "10 orders to hold the pool of 10");
  const late = await tracedRun(outputs.definition_keys_singleton_jsonpath, { resource_id: "o-10", order_id: "order-10" }, options).settled;
  assert.equal(late.state, "AlreadyRunning");
  assert.deepEqual([late.output.acquireLease.limited_by, late.output.acquireLease.max_concurrent_leases], ["pool", 10]);
  assert.equal(hold.started.length, 10, "the skipped one did no work");
  hold.release();
  assert.ok((await Promise.all(holders.map((h) => h.settled))).every((h) => h.state === "ReleaseLease"));
  assert.deepEqual(await leftovers("keys-singleton-jp"), []);
});

for (const [language, prefix, definition] of [["JSONPath", "keys-fail-jp", () => outputs.definition_keys_fail_jsonpath], ["JSONata", "keys-fail-ja", () => outputs.definition_keys_fail_jsonata]]) {
  test(`fail (${language}): a busy key takes the Catch path and never runs the work; other keys run`, async () => {
    const hold = held();
    const worked = [];
    const work = (input) => { worked.push(input.resource_id); return input.resource_id.startsWith("hold") ? hold.work(input) : { ok: true }; };
    const options = { leaseHandler: stack.leaseHandler, handlers: { ProcessWork: work } };
    const holders = [0, 1].map((i) => runEither(language, structuredClone(definition()), { resource_id: `hold-${i}`, tenant_id: "t1" }, options));
    await until(() => hold.started.length === 2, "two holders of t1 (its limit)");

    const refused = language === "JSONPath"
      ? tracedRun(structuredClone(definition()), { resource_id: "busy", tenant_id: "t1" }, options)
      : null;
    const busy = refused ? await refused.settled : await runEither(language, structuredClone(definition()), { resource_id: "busy", tenant_id: "t1" }, options);
    assert.equal(busy.error?.cause?.name ?? busy.error?.name, "NoCapacity", "the caught LeaseUnavailable led to the workflow's own Fail state");
    if (refused) {
      const [caught] = refused.inputsOf("NoCapacity");
      assert.equal(caught.Error, "LeaseManager.LeaseUnavailable");
      assert.match(caught.Cause, /concurrency key 't1'/, "the key, not the pool, was full");
      // Without the Catch, the execution fails with the function's error itself.
      const uncaught = structuredClone(definition());
      delete uncaught.States.AcquireLease.Catch;
      delete uncaught.States.NoCapacity;
      const failed = await tracedRun(uncaught, { resource_id: "busy-uncaught", tenant_id: "t1" }, options).settled;
      assert.equal(failed.error?.cause?.name ?? failed.error?.name, "LeaseManager.LeaseUnavailable");
    }
    const other = await runEither(language, structuredClone(definition()), { resource_id: "other", tenant_id: "t2" }, options);
    assert.equal(other.state, "ReleaseLease", "another tenant runs while t1 is full");
    assert.ok(!worked.some((id) => id.startsWith("busy")), "the refused executions never ran the work");

    hold.release();
    assert.ok((await Promise.all(holders)).every((h) => h.state === "ReleaseLease"));
    assert.deepEqual(await leftovers(prefix), []);
  });
}

test("callback + keys + wait: a full key's waiters hold up no other key, each key in arrival order, the oldest waiter with room first", async () => {
  // Pool of 3; solo's limit is 1, multi's and other's 2. Each execution arrives once the one before
  // it works or queued.
  const watch = queueWatch();
  onPayload = watch.onPayload;
  const gate = gatedWork();
  cleanups.push(() => { onPayload = undefined; for (const id of gate.started) gate.finish(id); });
  const running = {};
  const runningMax = {};
  const granted = [];
  const work = async (input) => {
    const key = input.tenant_id;
    running[key] = (running[key] ?? 0) + 1;
    runningMax[key] = Math.max(runningMax[key] ?? 0, running[key]);
    granted.push(input.acquireLease);
    await gate.work(input);
    running[key]--;
    return { ok: true };
  };
  const arrivals = [["solo-0", "works"], ["solo-1", "queues"], ["solo-2", "queues"], ["multi-0", "works"], ["multi-1", "works"],
    ["multi-2", "queues"], ["other-0", "queues"], ["multi-3", "queues"]];
  const runs = {};
  for (const [id, expected] of arrivals) {
    runs[id] = tracedRun(structuredClone(outputs.definition_keys_tenant_callback), { resource_id: id, tenant_id: id.split("-")[0] }, {
      leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers: { ProcessWork: work },
    });
    await until(() => (expected === "works" ? gate.started : watch.queued).includes(id), `${id} ${expected === "works" ? "to start work" : "to queue"}`);
  }
  assert.deepEqual(gate.started, ["solo-0", "multi-0", "multi-1"], "multi's executions ran while solo's waited");
  assert.deepEqual(watch.queued, ["solo-1", "solo-2", "multi-2", "other-0", "multi-3"]);

  // The state machine's view of each busy acquire (WaitForLease's input).
  const seen = (id) => runs[id].inputsOf("WaitForLease")[0].acquireLease;
  for (const id of ["solo-1", "solo-2"]) assert.deepEqual([seen(id).limited_by, seen(id).max_concurrent_leases], ["key", 1], `${id}: its key was full`);
  assert.deepEqual([seen("other-0").limited_by, seen("other-0").max_concurrent_leases], ["pool", 3], "other-0: its key had room, the pool had none");
  for (const id of ["multi-2", "multi-3"]) assert.ok(["key", "pool"].includes(seen(id).limited_by));

  // Free one slot at a time (the longest at work first); each goes to the oldest waiter whose key has
  // room: solo-0's to solo-1, multi-0's to multi-2 (older than other-0), multi-1's to other-0 (solo
  // full, other-0 older than multi-3), solo-1's to solo-2, multi-2's to multi-3.
  for (let done = 0; done < arrivals.length; done++) {
    const before = gate.started.length;
    gate.finish(gate.started[done]);
    if (before < arrivals.length) await until(() => gate.started.length > before, `a waiter to get the slot ${gate.started[done]} freed`);
  }
  const ended = await Promise.all(Object.values(runs).map((r) => r.settled));

  assert.deepEqual(ended.filter((e) => e.error), [], "everyone finished");
  assert.deepEqual(gate.started.slice(3), ["solo-1", "multi-2", "other-0", "solo-2", "multi-3"]);
  for (const key of ["solo", "multi", "other"]) {
    const ids = arrivals.map(([id]) => id).filter((id) => id.startsWith(key));
    assert.deepEqual(gate.started.filter((id) => id.startsWith(key)), ids, `${key}: served in arrival order`);
  }
  assert.deepEqual(runningMax, { solo: 1, multi: 2, other: 1 }, "never above a key's limit");
  assert.equal(gate.max, 3, "never above the pool's limit");
  assert.ok(granted.every((g) => g.status === "acquired" && g.limited_by === null), "every grant, handed over or not, says limited_by null");
  assert.deepEqual(await leftovers("keys-callback"), [], "no wait#, kwait#, waiter# or slot# item; every count back at 0");
  const keys = (await itemsOf("keys-callback")).filter((i) => i.SK.S.startsWith("key#"));
  assert.deepEqual(keys.map((k) => [k.concurrency_key.S, k.key_waiting?.N, k.key_pooled?.N]).sort(), [["multi", "0", "0"], ["other", "0", "0"], ["solo", "0", "0"]]);
});
