// Running a state machine with aws-local-stepfunctions, each lambda:invoke Task of a lease manager
// answered by the local Lambda host.
import { randomUUID } from "node:crypto";
import { poolOf } from "./rendered.mjs";
import { TASK_TOKEN_PLACEHOLDER, forInterpreter, waitForTaskTokenHandler, expireOpenTokens, isWaitForTaskToken } from "./task-token.mjs";

// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import("aws-local-stepfunctions");

function lambdaError(error) {
  // Step Functions surfaces a Lambda function error under its errorType, with the document as cause
  // (a timeout: error "Sandbox.Timedout", cause {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after 3.00 seconds"}).
  return Object.assign(new Error(error.errorMessage ?? error.errorType), { name: error.errorType, cause: JSON.stringify(error) });
}

/**
 * A Task handler emulating arn:aws:states:::lambda:invoke for the lease manager the Task names
 * (FunctionName is matched against the rendered functions' ARNs), recording what it answers.
 */
export function leaseTaskHandler({ lambda, functions, observer, counters, onPayload }) {
  const byArn = new Map(functions.map((f) => [f.arn, f]));
  // aws-local-stepfunctions has no $$.State: the run's context supplies RetryCount 0 and this
  // handler supplies the real value, as Step Functions would: 0 when the state is entered, +1 for
  // each Retry of it (a call that follows a failed call of the same owner's acquire).
  const failedAttempts = new Map();
  const handler = async (input) => {
    const fn = byArn.get(input.FunctionName) ?? functions.find((f) => f.function_name === input.FunctionName);
    if (!fn) throw Object.assign(new Error(`no function ${input.FunctionName}`), { name: "Lambda.ResourceNotFoundException" });
    const pool = poolOf(fn).name;
    const payload = { ...input.Payload };
    const entry = `${payload.owner_id}|${JSON.stringify(payload.resource_id)}`;
    if (payload.action === "acquire" && "attempt" in payload) payload.attempt = failedAttempts.get(entry) ?? 0;
    if (counters) counters.invocations = (counters.invocations ?? 0) + 1;
    if (counters && payload.action === "acquire") (counters.attempts ??= []).push(payload.attempt);
    if (payload.action === "release") observer?.releasing(pool, payload.lease_id);
    // A client-side failure (the call itself failed) is a failed attempt too.
    const answer = await lambda.invoke(fn.function_name, payload, { timeoutSeconds: fn.timeout ?? 10 }).catch((thrown) => ({ thrown }));
    if (payload.action === "acquire") {
      if (answer.error || answer.thrown) failedAttempts.set(entry, (failedAttempts.get(entry) ?? 0) + 1); else failedAttempts.delete(entry);
    }
    if (process.env.HARNESS_TRACE) process.stderr.write(`invoke ${payload.action} ${payload.resource_id ?? payload.lease_id} -> ${JSON.stringify(answer.payload ?? answer.error ?? String(answer.thrown))}\n`);
    if (answer.thrown) throw answer.thrown;
    onPayload?.({ functionName: fn.function_name, payload, answer });
    if (answer.error) {
      // The retry strategy's "pool is full": a wait, as the poll strategy's "wait" answer is.
      if (answer.error.errorType === "LeaseManager.LeaseUnavailable") observer?.waited(pool, payload.resource_id);
      throw lambdaError(answer.error);
    }
    const body = answer.payload;
    if (payload.action === "acquire") {
      if (body.status === "acquired") observer?.acquired(pool, payload.resource_id, body.lease_id);
      else if (body.status === "wait") observer?.waited(pool, payload.resource_id);
    } else if (payload.action === "release") {
      observer?.released(pool, body.lease_id);
    }
    return { ExecutedVersion: "$LATEST", Payload: body, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 } };
  };
  // A .waitForTaskToken Task's result is the lease the function delivered with SendTaskSuccess,
  // never its invocation's answer: the observer learns of that grant here.
  handler.delivered = (input, output) => {
    const fn = byArn.get(input.FunctionName) ?? functions.find((f) => f.function_name === input.FunctionName);
    if (fn && output?.status === "acquired") observer?.acquired(poolOf(fn).name, input.Payload?.resource_id, output.lease_id);
  };
  return handler;
}

/** Every Task state name in a definition, nested Maps and Parallels included. */
export function taskStates(definition, predicate = () => true) {
  const names = [];
  const walk = (states) => {
    for (const [name, s] of Object.entries(states ?? {})) {
      if (s.Type === "Task" && predicate(s)) names.push(name);
      if (s.ItemProcessor ?? s.Iterator) walk((s.ItemProcessor ?? s.Iterator).States);
      for (const b of s.Branches ?? []) walk(b.States);
    }
  };
  walk(definition.States);
  return names;
}

/** The context object Step Functions gives an execution: its id (the lease owner) and its state machine. */
export function executionContext(stateMachineName, executionName, input) {
  return {
    Execution: {
      Id: `arn:aws:states:eu-central-1:123456789012:execution:${stateMachineName}:${executionName}`,
      Name: executionName,
      Input: input,
      StartTime: new Date().toISOString(),
      RoleArn: "arn:aws:iam::123456789012:role/local",
    },
    StateMachine: { Id: `arn:aws:states:eu-central-1:123456789012:stateMachine:${stateMachineName}`, Name: stateMachineName },
  };
}

/**
 * State transitions of a run as Step Functions bills them (state entries and retries), counted as it
 * goes; with the run's `definition`, also the events its Step Functions history would hold: the
 * execution's start and end, each state's entered and exited, and for each attempt of a Task its
 * scheduled, started and outcome (a `.waitForTaskToken` Task adds submitted).
 */
export function countTransitions(run, definition) {
  const counter = { count: 0, history: 2 };
  const waiting = new Set(definition ? taskStates(definition, isWaitForTaskToken) : []);
  const tasks = new Set(definition ? taskStates(definition) : []);
  const attempt = (name) => (tasks.has(name) ? 3 : 0) + (waiting.has(name) ? 1 : 0);
  counter.done = (async () => {
    for await (const e of run.eventLogs) {
      if (e.type === "StateEntered") counter.history += 2 + attempt(e.state.name);
      if (e.type === "StateRetried") counter.history += attempt(e.state.name);
      if (e.type === "StateEntered" || e.type === "StateRetried") counter.count++;
    }
  })();
  return counter;
}

// Validating a definition takes aws-local-stepfunctions 0.4–1.2 s of synchronous work on this
// machine, during which every running execution stalls (a Task's answer, a token's delivery, a Wait
// ending): a delay Step Functions never adds. Each definition is validated once, by its first run.
const validated = new Set();

/** Validates `definition` as its first run would, ahead of time (so that no timed run pays for it). */
export function prepareDefinition(definition) { stateMachine(forInterpreter(definition).definition); }

function stateMachine(definition) {
  const key = JSON.stringify(definition);
  const validationOptions = validated.has(key) ? { noValidate: true } : { checkArn: true, checkPaths: true };
  const machine = new StateMachine(definition, { validationOptions });
  validated.add(key);
  return machine;
}

/**
 * Runs one execution. `handlers` answers Task states by name; every lambda:invoke Task not in it
 * goes to `leaseHandler`, and every lambda:invoke.waitForTaskToken Task invokes `leaseHandler` with
 * a fresh task token and then waits on `taskTokens` (a TaskTokenEndpoint) for the token's outcome.
 * The context carries an execution id, as Step Functions' does. When the run ends, tokens still
 * open are expired (Step Functions closes an ended execution's Tasks).
 */
export function runExecution(definition, input, { stateMachineName = "local", leaseHandler, handlers = {}, waitTimeOverrides = {}, retryIntervalOverrides = {}, executionName = randomUUID(), taskTokens, onToken } = {}) {
  const taskResourceLocalHandlers = { ...handlers };
  for (const name of taskStates(definition, (s) => String(s.Resource).endsWith(":states:::lambda:invoke"))) {
    taskResourceLocalHandlers[name] ??= leaseHandler;
  }
  const { definition: runnable, waiting } = forInterpreter(definition);
  const tracker = new Set();
  for (const [name, state] of waiting) {
    if (taskResourceLocalHandlers[name]) continue;
    if (!taskTokens) throw new Error(`${name} waits for a task token: pass taskTokens (LocalLambda's taskTokens endpoint)`);
    taskResourceLocalHandlers[name] = waitForTaskTokenHandler({ endpoint: taskTokens, state, stateName: name, invoke: leaseHandler, tracker, onToken });
  }
  // A stopped execution runs nothing more: aws-local-stepfunctions' abort leaves a Task that is
  // running to finish and apply its Retry, which on Step Functions never happens (a stopped
  // execution's waiting Task would otherwise re-ask and queue again).
  const run = { ended: false };
  for (const [name, handler] of Object.entries(taskResourceLocalHandlers)) {
    taskResourceLocalHandlers[name] = async (taskInput) => {
      if (run.ended) throw Object.assign(new Error("the execution was stopped"), { name: "ExecutionAborted" });
      return handler(taskInput);
    };
  }
  const machine = stateMachine(runnable);
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      ...executionContext(stateMachineName, executionName, input),
      State: { Name: "", EnteredTime: new Date().toISOString(), RetryCount: 0 },
      Task: { Token: TASK_TOKEN_PLACEHOLDER },
    },
  });
  const ended = execution.result.finally(() => { run.ended = true; });
  const result = waiting.size ? ended.finally(() => expireOpenTokens(taskTokens, tracker)) : ended;
  // Handled from the start: a caller may await something else first (sending a token's failure)
  // and the execution may fail meanwhile; Node would report that rejection as unhandled and fail
  // the test. Awaiting `result` still rejects.
  result.catch(() => {});
  const abort = () => { run.ended = true; execution.abort(); };
  return { id: executionName, result, abort, eventLogs: execution.eventLogs };
}
