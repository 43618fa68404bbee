// Local stand-ins for the service integrations a workflow calls besides the lease manager, as
// Task handlers for runExecution: dynamodb:updateItem sent to DynamoDB Local as the Task's
// Parameters are, sns:publish recorded, and a `.sync` job run (glue:startJobRun.sync) that records
// when each run was in flight.
import { randomUUID } from "node:crypto";
import { maxOverlap } from "./observer.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** arn:aws:states:::dynamodb:updateItem: the evaluated Parameters are the UpdateItem request. */
export function updateItemStandIn(db) {
  const standIn = { calls: [] };
  standIn.handler = async (parameters) => {
    standIn.calls.push(parameters);
    return db.call("UpdateItem", parameters);
  };
  return standIn;
}

/** arn:aws:states:::sns:publish: every message is kept; the answer is Publish's. */
export function publishStandIn() {
  const standIn = { messages: [] };
  standIn.handler = async (parameters) => {
    standIn.messages.push(parameters);
    return { MessageId: randomUUID() };
  };
  return standIn;
}

/**
 * A `.sync` job run: it lasts `durationMs`, then succeeds or, when `fails(key, attempt)` says so,
 * fails as Step Functions reports a failed run (States.TaskFailed, the run as the cause). `key`
 * picks the job's identity out of the Parameters; `onStart(key)` runs as each run starts.
 * `intervals` holds [start, end] of every run, `attempts` the runs per key.
 */
export function syncJobStandIn({ key, durationMs, fails = () => false, onStart = () => {} }) {
  const standIn = { intervals: [], attempts: new Map(), running: 0, maxRunning: 0 };
  standIn.maxOverlap = () => maxOverlap(standIn.intervals);
  standIn.handler = async (parameters) => {
    const id = key(parameters);
    const attempt = standIn.attempts.get(id) ?? 0;
    standIn.attempts.set(id, attempt + 1);
    onStart(id);
    const start = Date.now();
    standIn.running++;
    standIn.maxRunning = Math.max(standIn.maxRunning, standIn.running);
    await sleep(durationMs);
    standIn.running--;
    standIn.intervals.push([start, Date.now()]);
    const state = fails(id, attempt) ? "FAILED" : "SUCCEEDED";
    const run = { Id: `jr_${randomUUID().replaceAll("-", "")}`, JobName: parameters.JobName, Arguments: parameters.Arguments, Attempt: 0, JobRunState: state };
    if (state === "FAILED") {
      // The interpreter reports an error's message as its Cause.
      throw Object.assign(new Error(JSON.stringify({ ...run, ErrorMessage: "stand-in failure" })), { name: "States.TaskFailed" });
    }
    return run;
  };
  return standIn;
}
