// The contract at the edges: numeric job ids, a function that runs past its timeout, and
// the documented Map advice executed as written — rendered definitions, the ASL interpreter, the
// packaged function, DynamoDB Local.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { buildQuickstart } from "../../tools/quickstart.mjs";
import { renderConfiguration, loadRendered, runExecution, repoRoot } from "../harness/harness.mjs";
import { runJsonataExecution } from "../harness/jsonata-runner.mjs";
import { startStack } from "./stack.mjs";

let quickstart;
let depth;
before(async () => {
  buildQuickstart(repoRoot);
  quickstart = loadRendered(await renderConfiguration("build/quickstart", "e2e-contract-quickstart"), "quickstart");
  depth = loadRendered(await renderConfiguration("tests/render/depth", "e2e-contract-depth"), "render");
});

const work = async (input) => input;

test("a numeric job id (JSONPath \"resource_id.$\") takes and releases one lease", async () => {
  const sent = [];
  const stack = await startStack(quickstart.functions, { onPayload: (p) => sent.push(p) });
  try {
    const output = await runExecution(quickstart.outputs.definition, { resource_id: 4242 }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: work },
    }).result;

    assert.equal(output.acquireLease.status, "acquired");
    assert.equal(output.releaseLease.released, true);
    assert.strictEqual(sent[0].payload.resource_id, 4242, "the Task passed the number on as a number");
    assert.equal(stack.observer.pools[stack.pools[0].name].leaseIds.size, 1);
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), [], "released, nothing left in a slot");
  } finally {
    await stack.stop();
  }
});

test("a numeric job id through the JSONata fragments takes and releases one lease", async () => {
  const sent = [];
  const stack = await startStack(depth.functions, { onPayload: (p) => sent.push(p) });
  try {
    const jsonata = await runJsonataExecution(depth.outputs.definition_jsonata, { resource_id: 77 }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async () => ({ done: true }) },
    });

    assert.equal(jsonata.variables.lease.status, "released");
    assert.equal(jsonata.variables.lease.released, true);
    assert.strictEqual(sent.find((s) => s.payload.action === "acquire").payload.resource_id, 77);
    assert.deepEqual(sent.map((s) => s.payload.action), ["acquire", "renew", "release"]);
    assert.ok(sent.every((s) => !s.answer.error), "no call failed");
  } finally {
    await stack.stop();
  }
});

/** The processes running the unpacked function of this test process (tests/harness/harness.mjs packagedCommand). */
function functionProcesses() {
  const dir = join(repoRoot, "build", "local", `function-${process.pid}`);
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir); } catch { return false; }
  }).map(Number);
}

/**
 * A proxy in front of DynamoDB Local that, on the first acquire write, lets the write land and then
 * freezes the function (SIGSTOP) before it can read the answer: the function runs past its timeout
 * with its lease taken, as one stalled past its deadline on AWS would.
 */
async function freezeOnFirstWrite(db) {
  const state = { frozen: [] };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const target = req.headers["x-amz-target"] ?? "";
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k)));
    const upstream = await fetch(db.endpoint, { method: "POST", headers, body: Buffer.concat(chunks) });
    const body = Buffer.from(await upstream.arrayBuffer());
    // Only an acquire's write (a Put): a release deletes. Should the function's process not be
    // listed yet, look again for a moment, holding the answer, rather than stay armed for a later write.
    if (!state.fired && /\.(TransactWriteItems|PutItem)$/.test(target) && /"(Put|Item)":/.test(Buffer.concat(chunks).toString())) {
      state.fired = target.slice(target.lastIndexOf(".") + 1);
      for (let i = 0; i < 100 && state.frozen.length === 0; i++) {
        state.frozen = functionProcesses();
        if (state.frozen.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      for (const pid of state.frozen) process.kill(pid, "SIGSTOP");
      state.frozenAt = Date.now();
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/x-amz-json-1.0" });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  state.close = () => {
    // Only our function's processes, should one still be stopped (the local host kills a timed-out one).
    const alive = functionProcesses();
    for (const pid of state.frozen.filter((p) => alive.includes(p))) process.kill(pid, "SIGCONT");
    server.close();
  };
  state.url = `http://127.0.0.1:${server.address().port}`;
  return state;
}

test("a function that times out once (its write landed, its answer lost) is retried: one lease, released", async () => {
  let proxy;
  // Long enough for the first call to reach its write on a loaded machine; the freeze outlasts it.
  const functions = quickstart.functions.map((f) => ({ ...f, timeout: 6 }));
  const sent = [];
  const stack = await startStack(functions, {
    maxConcurrency: 1, onPayload: (p) => sent.push(p), dynamoDbEndpoint: async (db) => (proxy = await freezeOnFirstWrite(db)).url,
  });
  try {
    // What the Task saw: each failed call's error name and cause, as Step Functions records them.
    const failures = [];
    const leaseHandler = async (input) => {
      try { return await stack.leaseHandler(input); } catch (e) { failures.push({ error: e.name, cause: e.cause, message: e.message }); throw e; }
    };
    const output = await runExecution(quickstart.outputs.definition, { resource_id: "slow-write" }, {
      leaseHandler, handlers: { ProcessWork: work }, retryIntervalOverrides: { AcquireLease: 20 },
    }).result;

    assert.ok(["PutItem", "TransactWriteItems"].includes(proxy.fired), "an acquire's write reached DynamoDB");
    assert.ok(proxy.frozen.length > 0, "the function was frozen mid-acquire");
    // Exactly one call ran past the timeout. (On a starved machine an earlier call may also have
    // answered LeaseManager.TransientFailure at its own deadline, before reaching the write.)
    const timeouts = failures.filter((f) => f.error === "Sandbox.Timedout");
    assert.equal(timeouts.length, 1, `one timed-out call: ${JSON.stringify(failures)}`);
    assert.ok(failures.every((f) => ["Sandbox.Timedout", "LeaseManager.TransientFailure"].includes(f.error)), JSON.stringify(failures));
    const cause = JSON.parse(timeouts[0].cause);
    assert.equal(cause.errorType, "Sandbox.Timedout");
    assert.match(cause.errorMessage, /^RequestId: [-0-9a-f]+ Error: Task timed out after 6\.00 seconds$/);
    assert.deepEqual(stack.counters.attempts, failures.map((_, i) => i).concat(failures.length), "the Task retried each failure; the retries looked the lease up");
    const leases = stack.observer.pools[stack.pools[0].name].leaseIds;
    assert.equal(leases.size, 1, "the retry was handed the lease the timed-out attempt took, not a second one");
    assert.equal(output.releaseLease.released, true);
    assert.equal(output.releaseLease.lease_id, [...leases][0]);
    assert.deepEqual((await stack.items()).filter((i) => i.SK.S.startsWith("slot#")), [], "no lease left behind");
  } finally {
    proxy?.close();
    await stack.stop();
  }
});

/** The documented Maps advice: the ItemSelector block of docs/step-functions.md's "## Maps" section, verbatim. */
function readmeItemSelector() {
  const doc = readFileSync(join(repoRoot, "docs", "step-functions.md"), "utf8");
  const section = doc.split(/^## /m).find((s) => s.startsWith("Maps"));
  const block = section?.match(/```json\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error("docs/step-functions.md's '## Maps' section has no json block");
  return JSON.parse(`{${block}}`).ItemSelector;
}

test("the documented Map ItemSelector (docs/step-functions.md), run as written: items with repeated ids get a lease each", async () => {
  const itemSelector = readmeItemSelector();
  const definition = structuredClone(depth.outputs.definition_inline_map_retry);
  definition.States.EachItem.ItemSelector = itemSelector;
  const stack = await startStack(depth.functions);
  try {
    // Ten items, ids repeating (numbers, as job ids often are); a pool of 3.
    const items = Array.from({ length: 10 }, (_, i) => ({ id: i % 3, payload: `p${i}` }));
    const seen = [];
    const output = await runExecution(definition, { items, note: "the Map state's input" }, {
      leaseHandler: stack.leaseHandler, handlers: { ProcessWork: async (input) => { seen.push(input); return input; } },
      retryIntervalOverrides: { AcquireLease: [-1, 100] },
    }).result;

    assert.equal(output.length, 10);
    assert.deepEqual(seen.map((s) => s.resource_id).sort(), items.map((it, i) => `${it.id}-${i}`).sort(), "resource ids from the item, made unique by its index");
    assert.deepEqual(seen.map((s) => s.item).sort((a, b) => a.payload.localeCompare(b.payload)), [...items].sort((a, b) => a.payload.localeCompare(b.payload)), "each iteration received its own item");
    assert.equal(stack.observer.pools.retry.leaseIds.size, 10, "every item got a lease of its own");
    assert.ok(stack.observer.maxConcurrent("retry") <= 3);
  } finally {
    await stack.stop();
  }
});
