// examples/glue-pipeline end to end: the definition Terraform renders, run by the ASL interpreter;
// the lease Tasks answered by the packaged function on DynamoDB Local (callback strategy, through
// the local task-token endpoint), the Glue, DynamoDB and SNS Tasks by local stand-ins (the batch
// status updates are sent to DynamoDB Local as rendered).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  renderConfiguration, loadRendered, runExecution, updateItemStandIn, publishStandIn, syncJobStandIn,
} from "../harness/harness.mjs";
import { startStack } from "./stack.mjs";

const CAP = 3; // max_concurrent_jobs in examples/glue-pipeline/tests/render.tftest.hcl
const BATCHES = 4 * CAP;
const FAILING = "batch-07"; // fails every attempt
const FLAKY = "batch-03"; // fails its first attempt only

let outputs;
let stack;
let batchTable; // the rendered outputs keep JSON only: the table is named in the definition
before(async () => {
  let functions;
  ({ outputs, functions } = loadRendered(await renderConfiguration("examples/glue-pipeline", "e2e-glue-pipeline"), "render"));
  stack = await startStack(functions);
  batchTable = outputs.state_machine_definition.States.MarkProcessing.Parameters.TableName;
  await stack.db.createTable(batchTable, { hashKey: "batch_id", rangeKey: null });
});
after(() => stack?.stop());

/** Starts one execution per batch at once, every Task answered locally; resolves their outcomes by batch id. */
async function runBatches(definition, ids, glue) {
  const marks = updateItemStandIn(stack.db);
  const alerts = publishStandIn();
  const handlers = { MarkProcessing: marks.handler, MarkCompleted: marks.handler, MarkFailed: marks.handler, PublishAlert: alerts.handler, RunGlueJob: glue.handler };
  const runs = ids.map((id) => runExecution(definition, { batch_id: id, manifest_path: `s3://manifests/${id}.json` }, {
    stateMachineName: "glue-pipeline-pipeline", leaseHandler: stack.leaseHandler, taskTokens: stack.lambda.taskTokens, handlers,
    // The Glue Task's backoff (60 s, then 120 s) shortened; its Retry and Catch run as written.
    retryIntervalOverrides: { RunGlueJob: 0 },
  }));
  const outcomes = await Promise.all(runs.map((r) => r.result.then(() => "SUCCEEDED", (e) => `FAILED ${e.cause?.name ?? e.message}`)));
  return { outcomes: Object.fromEntries(ids.map((id, i) => [id, outcomes[i]])), alerts };
}

async function statusOf(prefix) {
  const items = await stack.db.scanAll(batchTable);
  return Object.fromEntries(items.filter((i) => i.batch_id.S.startsWith(prefix)).map((i) => [i.batch_id.S, i.status.S]));
}

test(`${BATCHES} batches through a pool of ${CAP}: at most ${CAP} Glue runs at once, failures alerted once and released`, async () => {
  const ids = Array.from({ length: BATCHES }, (_, i) => `batch-${String(i + 1).padStart(2, "0")}`);
  const pool = stack.observer.pools.glue;
  const withoutLease = [];
  const glue = syncJobStandIn({
    key: (p) => p.Arguments["--BATCH_ID"],
    durationMs: 300,
    fails: (id, attempt) => id === FAILING || (id === FLAKY && attempt === 0),
    // The function's answers as the workflow saw them: this batch must be holding its lease.
    onStart: (id) => { if (pool.items.get(id) !== "working") withoutLease.push(id); },
  });
  stack.observer.expectItems("glue", BATCHES);
  const { outcomes, alerts } = await runBatches(outputs.state_machine_definition, ids, glue);

  assert.equal(pool.cap, CAP);
  assert.deepEqual(withoutLease, [], "every Glue run started while its batch held a lease");
  assert.ok(glue.maxOverlap() <= CAP, `never more than ${CAP} Glue runs at once: ${glue.maxOverlap()}`);
  assert.ok(glue.maxOverlap() >= 2 && pool.waits > 0, `the pool was used and batches queued: ${glue.maxOverlap()} at once, ${pool.waits} waits`);
  assert.ok(stack.observer.maxConcurrent("glue") <= CAP, "never more than the cap of leases at once (answers)");
  assert.ok(Math.max(...pool.samples.map((s) => s[1])) <= CAP, "never more than the cap of leases in the table");

  assert.equal(glue.attempts.get(FAILING), 3, "a failing job runs 3 times (2 retries)");
  assert.equal(glue.attempts.get(FLAKY), 2, "a job that fails once is retried and succeeds");
  assert.deepEqual(ids.filter((id) => id !== FAILING && id !== FLAKY).map((id) => glue.attempts.get(id)), Array(BATCHES - 2).fill(1));
  assert.equal(pool.leaseIds.size, BATCHES, "one lease per batch, kept across the Glue Task's retries");
  assert.equal(stack.observer.counts("glue").done, BATCHES, "every batch released its lease, the failed one too");

  const status = await statusOf("batch-");
  assert.deepEqual(status, Object.fromEntries(ids.map((id) => [id, id === FAILING ? "failed" : "completed"])));
  assert.deepEqual(Object.entries(outcomes).filter(([, o]) => o !== "SUCCEEDED").map(([id]) => id), [FAILING], "only the failing batch's execution fails");
  assert.equal(outcomes[FAILING], "FAILED BatchFailed", "its execution ends in the BatchFailed state");

  assert.equal(alerts.messages.length, 1, "exactly one alert");
  // The state as JSON (States.JsonToString($)). aws-local-stepfunctions leaves the quotes inside
  // a string value (the Cause: the failed run as JSON) unescaped, so the message is read as text.
  const alert = alerts.messages[0].Message;
  assert.ok(alert.startsWith(`{"batch_id":"${FAILING}",`), alert);
  assert.match(alert, /"glue_error":\{"Error":"States\.TaskFailed","Cause":".*"JobRunState":"FAILED"/);

  assert.deepEqual(await stack.leftovers(), [], "no leases and no queue entries left");
});

test("the check can fail: without the lease the same pipeline runs more than the cap of Glue jobs at once", async () => {
  const definition = structuredClone(outputs.state_machine_definition);
  const s = definition.States;
  for (const name of ["AcquireLease", "CheckLeaseStatus", "WaitForLease", "ReleaseLease"]) delete s[name];
  s.MarkProcessing.Next = "RunGlueJob";
  s.RunGlueJob.Next = "CheckJobOutcome";
  s.RunGlueJob.Catch[0].Next = "CheckJobOutcome";
  const ids = Array.from({ length: BATCHES }, (_, i) => `nolease-${i + 1}`);
  const glue = syncJobStandIn({ key: (p) => p.Arguments["--BATCH_ID"], durationMs: 300 });
  const { outcomes } = await runBatches(definition, ids, glue);
  assert.ok(Object.values(outcomes).every((o) => o === "SUCCEEDED"));
  assert.ok(glue.maxOverlap() > CAP, `more than ${CAP} at once without the lease: ${glue.maxOverlap()}`);
  assert.deepEqual(Object.values(await statusOf("nolease-")), Array(BATCHES).fill("completed"));
});
