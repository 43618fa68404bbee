// .waitForTaskToken Tasks in the ASL harness, against the local Step Functions task-token endpoint
// that tests/LocalLambda hosts. Small hand-written Standard workflows; the function side of the
// callback (the `wait` action queueing the token) is played by `queueing`, which records the
// payload and answers as the function would (Step Functions ignores that answer). The tokens are
// completed by the test through the endpoint's HTTP API, signed with SigV4 for `states`, exactly as
// the function's client completes them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { LocalLambda, runExecution } from "../harness/harness.mjs";
import { runJsonataExecution } from "../harness/jsonata-runner.mjs";

const FUNCTION = "arn:aws:lambda:eu-central-1:123456789012:function:lease";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// aws-local-stepfunctions wraps the failing error in an ExecutionError whose cause it is.
const failedWith = (name) => (e) => (e.cause?.name ?? e.name) === name;

let lambda;
let endpoint;
before(async () => {
  lambda = await LocalLambda.start([]);
  endpoint = lambda.taskTokens;
  assert.ok(endpoint, "LocalLambda announces its task-token endpoint");
});
after(async () => { await lambda?.stop(); });

/** Plays the function's `wait` action: records each payload (with its task token) and answers "queued". */
function queueing() {
  const payloads = [];
  const waiters = [];
  const handler = async (input) => {
    assert.equal(input.FunctionName, FUNCTION);
    payloads.push(input.Payload);
    waiters.splice(0).forEach((w) => w());
    return { Payload: { status: "queued" }, StatusCode: 200 };
  };
  /** Resolves with the n-th payload (1-based) once the Task has invoked the function that often. */
  handler.nth = async (n) => {
    while (payloads.length < n) await new Promise((r) => waiters.push(r));
    return payloads[n - 1];
  };
  handler.payloads = payloads;
  handler.outputs = [];
  handler.delivered = (input, output) => handler.outputs.push({ token: input.Payload.task_token, output });
  return handler;
}

const waitTask = (extra = {}) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
  Parameters: {
    FunctionName: FUNCTION,
    Payload: { action: "wait", "task_token.$": "$$.Task.Token", "owner_id.$": "$$.Execution.Id", "resource_id.$": "$.resource_id" },
  },
  TimeoutSeconds: 10,
  ResultPath: "$.lease",
  End: true,
  ...extra,
});

const lease = (id) => ({ status: "acquired", lease_id: id, lease_expires_at: 1_796_000_000, current_running: 1, max_concurrent_leases: 1 });

test("SendTaskSuccess completes the Task with its output, signed for states, and the token is then closed", async () => {
  const fn = queueing();
  const run = runExecution({ StartAt: "WaitForLease", States: { WaitForLease: waitTask() } }, { resource_id: "r-1" }, { leaseHandler: fn, taskTokens: endpoint });
  const payload = await fn.nth(1);
  assert.equal(payload.action, "wait");
  assert.match(payload.owner_id, /^arn:aws:states:.*:execution:local:/);
  assert.notEqual(payload.task_token, undefined);

  const sent = await endpoint.sendTaskSuccess(payload.task_token, lease("l-1"));
  const output = await run.result;

  assert.deepEqual(sent, { status: 200, body: {} });
  assert.deepEqual(output, { resource_id: "r-1", lease: lease("l-1") }, "the Task's result is the SendTaskSuccess output, no Payload wrapper");
  assert.deepEqual(fn.outputs, [{ token: payload.task_token, output: lease("l-1") }], "the lease handler hears of the delivered lease");
  const [call] = await endpoint.calls(payload.task_token);
  assert.equal(call.service, "states");
  assert.equal((await endpoint.sendTaskSuccess(payload.task_token, lease("l-2"))).body.__type, "TaskTimedOut", "a closed task's token is gone");
});

test("SendTaskFailure fails the Task with its error and cause", async () => {
  const fn = queueing();
  const run = runExecution({ StartAt: "WaitForLease", States: { WaitForLease: waitTask() } }, { resource_id: "r-2" }, { leaseHandler: fn, taskTokens: endpoint });
  const { task_token: token } = await fn.nth(1);

  await endpoint.sendTaskFailure(token, "LeaseManager.LeaseLost", "the slot was taken over");

  await assert.rejects(run.result, failedWith("LeaseManager.LeaseLost"));
});

test("TimeoutSeconds fails the Task with States.Timeout; its Retry asks again with a fresh token and the old one answers TaskTimedOut", async () => {
  const fn = queueing();
  const definition = {
    StartAt: "WaitForLease",
    States: { WaitForLease: waitTask({ TimeoutSeconds: 1, Retry: [{ ErrorEquals: ["States.Timeout"], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 3 }] }) },
  };
  const started = Date.now();
  const run = runExecution(definition, { resource_id: "r-3" }, { leaseHandler: fn, taskTokens: endpoint, retryIntervalOverrides: { WaitForLease: 10 } });
  const first = await fn.nth(1);
  const second = await fn.nth(2);
  const timedOutAfter = Date.now() - started;

  const late = await endpoint.sendTaskSuccess(first.task_token, lease("late"));
  await endpoint.sendTaskSuccess(second.task_token, lease("l-3"));
  const output = await run.result;

  // No upper bound: on a loaded 2-core machine the interpreter's Retry can take seconds to re-enter.
  assert.ok(timedOutAfter >= 1000, `re-asked only after the 1 s timeout (${timedOutAfter} ms)`);
  assert.notEqual(first.task_token, second.task_token, "each attempt has its own token");
  assert.deepEqual(late, { status: 400, body: { __type: "TaskTimedOut", message: "Task Timed Out: 'Provided task does not exist anymore'" } });
  assert.deepEqual(output.lease, lease("l-3"));
});

test("HeartbeatSeconds: heartbeats keep the Task waiting past it, silence fails it with States.HeartbeatTimeout", async () => {
  const fn = queueing();
  const run = runExecution({ StartAt: "WaitForLease", States: { WaitForLease: waitTask({ HeartbeatSeconds: 2 }) } }, { resource_id: "r-4" }, { leaseHandler: fn, taskTokens: endpoint });
  const { task_token: token } = await fn.nth(1);
  let settled = false;
  run.result.then(() => { settled = true; }, () => { settled = true; });

  const started = Date.now();
  while (Date.now() - started < 3000) {
    await sleep(300);
    assert.equal((await endpoint.sendTaskHeartbeat(token)).status, 200);
  }
  assert.equal(settled, false, "3 s of heartbeats every ~300 ms kept a 2 s heartbeat clock from running out");

  await assert.rejects(run.result, failedWith("States.HeartbeatTimeout"));
});

test("inline Map iterations each wait on their own token and get their own output", async () => {
  const fn = queueing();
  const definition = {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map", ItemsPath: "$.items", MaxConcurrency: 0,
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "WaitForLease", States: { WaitForLease: waitTask({ ResultPath: "$.lease" }) } },
        End: true,
      },
    },
  };
  const items = Array.from({ length: 6 }, (_, i) => ({ resource_id: `item-${i}` }));
  const run = runExecution(definition, { items }, { leaseHandler: fn, taskTokens: endpoint });
  const payloads = await Promise.all(items.map((_, i) => fn.nth(i + 1)));

  // Complete them in reverse arrival order: each answer must reach its own iteration.
  for (const p of [...payloads].reverse()) await endpoint.sendTaskSuccess(p.task_token, lease(`lease-of-${p.resource_id}`));
  const output = await run.result;

  assert.equal(new Set(payloads.map((p) => p.task_token)).size, items.length, "distinct tokens");
  assert.deepEqual(output.map((o) => o.lease.lease_id), items.map((i) => `lease-of-${i.resource_id}`));
});

test("an execution that ends leaves its waiting tokens closed: the function's SendTaskSuccess then answers TaskTimedOut", async () => {
  const fn = queueing();
  const definition = {
    StartAt: "Each",
    States: {
      Each: {
        Type: "Map", ItemsPath: "$.items",
        ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: "WaitForLease", States: { WaitForLease: waitTask() } },
        End: true,
      },
    },
  };
  const run = runExecution(definition, { items: [{ resource_id: "a" }, { resource_id: "b" }] }, { leaseHandler: fn, taskTokens: endpoint });
  const [a, b] = await Promise.all([fn.nth(1), fn.nth(2)]);

  await endpoint.sendTaskFailure(a.task_token, "Worker.Crashed", "one iteration failed, so the execution fails");
  await assert.rejects(run.result, failedWith("Worker.Crashed"));

  assert.equal((await endpoint.sendTaskSuccess(b.task_token, lease("too-late"))).body.__type, "TaskTimedOut");
});

test("a failed invocation of the function fails the Task at once and closes its token", async () => {
  let token;
  const failing = async (input) => {
    token = input.Payload.task_token;
    throw Object.assign(new Error("no such action"), { name: "LeaseManager.InvalidRequest" });
  };
  const run = runExecution({ StartAt: "WaitForLease", States: { WaitForLease: waitTask() } }, { resource_id: "r-5" }, { leaseHandler: failing, taskTokens: endpoint });

  await assert.rejects(run.result, failedWith("LeaseManager.InvalidRequest"));
  assert.equal((await endpoint.sendTaskSuccess(token, lease("never"))).body.__type, "TaskTimedOut");
});

test("JSONata: $states.context.Task.Token reaches the function and the output becomes the Task's result", async () => {
  const fn = queueing();
  const definition = {
    QueryLanguage: "JSONata",
    StartAt: "WaitForLease",
    States: {
      WaitForLease: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Arguments: { FunctionName: FUNCTION, Payload: { action: "wait", task_token: "{% $states.context.Task.Token %}", owner_id: "{% $states.context.Execution.Id %}", resource_id: "{% $states.input.resource_id %}" } },
        TimeoutSeconds: 1,
        Retry: [{ ErrorEquals: ["States.Timeout"], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 2 }],
        Output: "{% $merge([$states.input, {'lease': $states.result}]) %}",
        End: true,
      },
    },
  };
  const run = runJsonataExecution(definition, { resource_id: "j-1" }, { leaseHandler: fn, taskTokens: endpoint, retryIntervalOverrides: { WaitForLease: 10 } });
  const first = await fn.nth(1);
  const second = await fn.nth(2); // the first attempt timed out after 1 s
  await endpoint.sendTaskSuccess(second.task_token, lease("j-lease"));
  const { output } = await run;

  assert.notEqual(first.task_token, second.task_token);
  assert.equal((await endpoint.sendTaskSuccess(first.task_token, lease("late"))).body.__type, "TaskTimedOut");
  assert.deepEqual(output, { resource_id: "j-1", lease: lease("j-lease") });
});
