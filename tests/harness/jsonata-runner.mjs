// Runs state machines whose states are in JSONata mode, for the module's JSONata fragments.
//
// aws-local-stepfunctions (the JSONPath interpreter the other tests use) does not evaluate JSONata,
// so this walks the states itself and evaluates every {% %} expression with the jsonata package,
// the expression language Step Functions embeds. It implements the parts of the ASL specification
// the fragments and the test workflows use — Task (Arguments, Assign, Output, Retry), Choice
// (Condition, Default), Wait (Seconds), Pass, Succeed, Fail, and a Task's Catch (ErrorEquals, Next,
// Assign, Output over $states.errorOutput) — and refuses anything else, so a
// fragment cannot silently lean on something this runner skips.
import jsonata from "jsonata";
import { randomUUID } from "node:crypto";
import { executionContext } from "./harness.mjs";
import { TASK_TOKEN_PLACEHOLDER, isWaitForTaskToken, waitForTaskTokenHandler, expireOpenTokens } from "./task-token.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TEMPLATE = /^\{%([\s\S]*)%\}$/;

class StatesError extends Error {
  constructor(name, message) { super(message); this.name = name; }
}

/** Evaluates every "{% expr %}" string inside `value` (objects and arrays walked), others kept. */
async function evaluateTemplate(value, bindings) {
  if (typeof value === "string") {
    const match = TEMPLATE.exec(value);
    if (!match) return value;
    let result;
    try {
      result = await jsonata(match[1]).evaluate({}, bindings);
    } catch (e) {
      throw new StatesError("States.QueryEvaluationError", `${match[1].trim()}: ${e.message}`);
    }
    // Step Functions fails a field whose expression yields nothing.
    if (result === undefined) throw new StatesError("States.QueryEvaluationError", `${match[1].trim()} returned no value`);
    return normalise(result);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => evaluateTemplate(v, bindings)));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluateTemplate(v, bindings);
    return out;
  }
  return value;
}

// jsonata returns arrays with a `sequence` marker and objects with prototypes; keep plain JSON.
const normalise = (v) => JSON.parse(JSON.stringify(v));

const SUPPORTED = {
  Task: ["Type", "QueryLanguage", "Comment", "Resource", "Arguments", "Assign", "Output", "Retry", "Catch", "Next", "End"],
  // Only on .waitForTaskToken Tasks, whose clocks the task-token endpoint keeps.
  WaitTask: ["Type", "QueryLanguage", "Comment", "Resource", "Arguments", "Assign", "Output", "Retry", "Catch", "Next", "End", "TimeoutSeconds", "HeartbeatSeconds"],
  Choice: ["Type", "QueryLanguage", "Comment", "Choices", "Default", "Assign", "Output"],
  Wait: ["Type", "QueryLanguage", "Comment", "Seconds", "Next", "End", "Assign", "Output"],
  Pass: ["Type", "QueryLanguage", "Comment", "Assign", "Output", "Next", "End"],
  Succeed: ["Type", "QueryLanguage", "Comment", "Output"],
  Fail: ["Type", "QueryLanguage", "Comment", "Error", "Cause"],
};

/**
 * Runs one execution. Tasks whose Resource is arn:...:states:::lambda:invoke go to `leaseHandler`
 * (given the evaluated Arguments, like the JSONPath harness); ...lambda:invoke.waitForTaskToken
 * Tasks invoke `leaseHandler` with a fresh task token ($states.context.Task.Token) and wait on
 * `taskTokens` for its outcome; `handlers[name]` answers any Task by name.
 * Returns { output, transitions, context, variables, state } (`state`: the state it ended on).
 */
export async function runJsonataExecution(definition, input, options = {}) {
  const tracker = new Set();
  try {
    return await runStates(definition, input, { ...options, tracker });
  } finally {
    if (options.taskTokens) await expireOpenTokens(options.taskTokens, tracker);
  }
}

async function runStates(definition, input, {
  leaseHandler, handlers = {}, waitTimeOverrides = {}, retryIntervalOverrides = {}, executionName = randomUUID(), stateMachineName = "local", taskTokens, onToken, tracker,
} = {}) {
  const topLanguage = definition.QueryLanguage ?? "JSONPath";
  const context = executionContext(stateMachineName, executionName, input);
  const variables = {};
  let transitions = 0;
  let name = definition.StartAt;
  let data = input;

  for (;;) {
    const state = definition.States[name];
    if (!state) throw new StatesError("States.Runtime", `no state ${name}`);
    const language = state.QueryLanguage ?? topLanguage;
    if (language !== "JSONata") throw new Error(`${name}: this runner only runs JSONata states`);
    const waits = isWaitForTaskToken(state);
    const unsupported = Object.keys(state).filter((k) => !(SUPPORTED[waits ? "WaitTask" : state.Type] ?? []).includes(k));
    if (unsupported.length) throw new Error(`${name}: ${state.Type} fields ${unsupported.join(", ")} are not implemented here`);

    transitions++;
    const stateContext = { ...context, State: { Name: name, EnteredTime: new Date().toISOString(), RetryCount: 0 }, ...(waits ? { Task: { Token: TASK_TOKEN_PLACEHOLDER } } : {}) };
    const bindings = (extra = {}) => ({ ...variables, states: { input: data, context: stateContext, ...extra } });
    let result;
    let next = state.Next;
    let caught = null;

    switch (state.Type) {
      case "Task": {
        const attempts = (state.Retry ?? []).map(() => 0);
        for (;;) {
          try {
            const args = await evaluateTemplate(state.Arguments ?? "{% $states.input %}", bindings());
            const handler = handlers[name]
              ?? (String(state.Resource).endsWith(":states:::lambda:invoke") ? leaseHandler : null)
              ?? (waits && taskTokens ? waitForTaskTokenHandler({ endpoint: taskTokens, state, stateName: name, invoke: leaseHandler, tracker, onToken }) : null);
            if (!handler) throw new Error(`${name}: no handler for ${state.Resource}`);
            result = await handler(args);
            break;
          } catch (error) {
            const index = (state.Retry ?? []).findIndex((r) => r.ErrorEquals.includes(error.name) || r.ErrorEquals.includes("States.ALL"));
            const retrier = state.Retry?.[index];
            if (!retrier || attempts[index] >= (retrier.MaxAttempts ?? 3)) {
              // Retries exhausted (or none): the first catcher that names the error, else the execution fails.
              const catcher = (state.Catch ?? []).find((c) => c.ErrorEquals.includes(error.name) || c.ErrorEquals.includes("States.ALL"));
              if (!catcher) throw error;
              caught = { catcher, errorOutput: { Error: error.name, Cause: error.cause ?? error.message } };
              break;
            }
            const override = retryIntervalOverrides[name];
            const delayMs = override !== undefined
              ? (typeof override === "number" ? override : override[index])
              : jitter(retrier, Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempts[index], retrier.MaxDelaySeconds ?? Infinity) * 1000);
            attempts[index]++;
            stateContext.State.RetryCount++;
            transitions++; // a retry is a state transition
            await sleep(delayMs);
          }
        }
        break;
      }
      case "Choice": {
        next = undefined;
        for (const choice of state.Choices) {
          if ((await evaluateTemplate(choice.Condition, bindings())) === true) { next = choice.Next; break; }
        }
        next ??= state.Default;
        if (!next) throw new StatesError("States.NoChoiceMatched", `${name}: no choice matched`);
        result = data;
        break;
      }
      case "Wait": {
        const seconds = await evaluateTemplate(state.Seconds, bindings());
        await sleep(waitTimeOverrides[name] ?? seconds * 1000);
        result = data;
        break;
      }
      case "Fail":
        throw new StatesError(state.Error ?? "States.Fail", state.Cause ?? "");
      default:
        result = data;
    }

    // Assign and Output see the variables as they were when the state started. A caught error takes
    // the catcher's Assign, Output (by default the error output itself) and Next instead.
    if (caught) {
      const { catcher, errorOutput } = caught;
      const onError = bindings({ errorOutput });
      const output = catcher.Output !== undefined ? await evaluateTemplate(catcher.Output, onError) : errorOutput;
      if (catcher.Assign) Object.assign(variables, await evaluateTemplate(catcher.Assign, onError));
      data = output;
      name = catcher.Next;
      continue;
    }
    const after = bindings(state.Type === "Task" ? { result } : {});
    const output = state.Output !== undefined ? await evaluateTemplate(state.Output, after) : result;
    if (state.Assign) Object.assign(variables, await evaluateTemplate(state.Assign, after));
    data = output;
    if (state.Type === "Succeed" || state.End) return { output: data, transitions, context, variables, state: name };
    name = next;
  }
}

function jitter(retrier, ms) {
  return retrier.JitterStrategy === "FULL" ? Math.random() * ms : ms;
}
