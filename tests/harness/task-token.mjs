// `.waitForTaskToken` Tasks for the ASL harness, answered through the local Step Functions
// task-token endpoint that tests/LocalLambda hosts (StepFunctionsTaskTokenServer).
//
// aws-local-stepfunctions 3.0.0 has no task tokens: the run's context carries
// TASK_TOKEN_PLACEHOLDER as $$.Task.Token (JSONata: $states.context.Task.Token) and the Task handler
// puts a fresh, unique token in its place each time the Task runs (every attempt, every Map
// iteration), registers it with the endpoint, invokes the function (whose own answer is ignored,
// as Step Functions ignores it) and waits for the token's outcome. The endpoint keeps the Task's
// clocks, as Step Functions does: TimeoutSeconds → States.Timeout, HeartbeatSeconds →
// States.HeartbeatTimeout, and the token is closed at that moment, so a SendTaskSuccess that comes
// later answers TaskTimedOut instead of being half-delivered.
import { createHash, createHmac, randomBytes } from "node:crypto";

/** What $$.Task.Token is in the run's context until a Task handler replaces it. */
export const TASK_TOKEN_PLACEHOLDER = "$$.Task.Token placeholder (replaced per task by the harness)";

const WAIT_RESOURCE = ":states:::lambda:invoke.waitForTaskToken";

/** True for a Task that waits for a task token (the only integration the harness supports so). */
export const isWaitForTaskToken = (state) => state?.Type === "Task" && String(state.Resource).endsWith(WAIT_RESOURCE);

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

/**
 * The endpoint's two faces: the task-token actions (signed with SigV4 for service `states`, as the
 * function's SDK client signs them) and the control API the harness and tests use.
 */
export class TaskTokenEndpoint {
  constructor(url, { region = "eu-central-1", accessKeyId = "local", secretAccessKey = "local" } = {}) {
    this.url = url;
    this.credentials = { region, accessKeyId, secretAccessKey };
  }

  async #control(method, path, body) {
    const response = await fetch(`${this.url}/local/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`task-token endpoint ${method} /local/${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** A Task starts waiting on `token`; the endpoint runs its TimeoutSeconds and HeartbeatSeconds clocks. */
  register(token, { timeoutSeconds, heartbeatSeconds } = {}) {
    return this.#control("POST", "tokens", { token, timeoutSeconds, heartbeatSeconds });
  }

  /** Long-polls the token's outcome: { status: pending|succeeded|failed|timedOut|heartbeatTimedOut|expired, output, error, cause, heartbeats }. */
  outcome(token, waitSeconds = 20) {
    return this.#control("GET", `tokens/${encodeURIComponent(token)}?waitSeconds=${waitSeconds}`);
  }

  /** The Task's execution ended (or the test says it did): later calls answer TaskTimedOut, or TaskDoesNotExist. */
  expire(token, answer = "TaskTimedOut") {
    return this.#control("POST", `tokens/${encodeURIComponent(token)}/expire`, { answer });
  }

  /** The next `count` calls of the three actions are answered `errorType` (HTTP `status`). */
  injectFaults(errorType, count = 1, status = 400) {
    return this.#control("POST", "faults", { errorType, count, status });
  }

  /** Every call of the three actions (optionally for one token): action, taskToken, region, service, status, errorType, body, at. */
  calls(token) {
    return this.#control("GET", token === undefined ? "calls" : `calls?token=${encodeURIComponent(token)}`);
  }

  sendTaskSuccess(taskToken, output) { return this.#action("SendTaskSuccess", { taskToken, output: typeof output === "string" ? output : JSON.stringify(output) }); }

  sendTaskFailure(taskToken, error, cause) { return this.#action("SendTaskFailure", { taskToken, error, cause }); }

  sendTaskHeartbeat(taskToken) { return this.#action("SendTaskHeartbeat", { taskToken }); }

  /** An AWS JSON 1.0 call signed with SigV4 (service `states`); resolves { status, body }. */
  async #action(action, payload) {
    const body = JSON.stringify(payload);
    const url = new URL(`${this.url}/`);
    const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const day = amzDate.slice(0, 8);
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      host: url.host,
      "x-amz-date": amzDate,
      "x-amz-target": `AWSStepFunctions.${action}`,
    };
    const names = Object.keys(headers).sort();
    const canonical = ["POST", "/", "", ...names.map((n) => `${n}:${headers[n]}`), "", names.join(";"), sha256(body)].join("\n");
    const { region, accessKeyId, secretAccessKey } = this.credentials;
    const scope = `${day}/${region}/states/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), "states"), "aws4_request");
    const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` },
      body,
    });
    return { status: response.status, body: JSON.parse((await response.text()) || "null") };
  }
}

function statesError(name, cause) {
  return Object.assign(new Error(cause ?? name), { name, cause });
}

/** `value` with every string equal to the placeholder replaced by `token`. */
function withToken(value, token) {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  return value;
}

/**
 * The handler of one `.waitForTaskToken` Task state. `invoke(input)` is the lambda:invoke part (the
 * evaluated Parameters/Arguments with the token in place; `invoke.delivered(input, output)`, if
 * present, hears of each SendTaskSuccess output); `tracker` collects the tokens a run handed out, so
 * the run can expire them when it ends.
 */
export function waitForTaskTokenHandler({ endpoint, state, stateName, invoke, tracker, onToken }) {
  for (const field of ["TimeoutSecondsPath", "HeartbeatSecondsPath"]) {
    if (state[field] !== undefined) throw new Error(`${stateName}: ${field} is not implemented by the harness`);
  }
  return async (input) => {
    const token = `${stateName}:${randomBytes(24).toString("base64url")}`;
    await endpoint.register(token, { timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds: state.HeartbeatSeconds });
    tracker?.add(token);
    onToken?.({ token, stateName, input });
    try {
      // Step Functions invokes the function asynchronously to the wait: a failed invocation fails
      // the Task, a successful one's answer is ignored.
      await invoke(withToken(input, token));
    } catch (error) {
      await endpoint.expire(token);
      throw error;
    }
    for (;;) {
      const outcome = await endpoint.outcome(token);
      switch (outcome.status) {
        case "pending": continue;
        case "succeeded": {
          if (process.env.HARNESS_TRACE) process.stderr.write(`succeeded ${stateName} ${outcome.output}\n`);
          tracker?.delete(token);
          const output = JSON.parse(outcome.output);
          invoke.delivered?.(withToken(input, token), output);
          return output;
        }
        case "failed": tracker?.delete(token); throw statesError(outcome.error, outcome.cause);
        case "timedOut": tracker?.delete(token); throw statesError("States.Timeout", outcome.cause);
        case "heartbeatTimedOut": tracker?.delete(token); throw statesError("States.HeartbeatTimeout", outcome.cause);
        default: tracker?.delete(token); throw statesError("States.Timeout", `the task's token was expired (${outcome.status})`);
      }
    }
  };
}

/**
 * A copy of `definition` for aws-local-stepfunctions: its own TimeoutSeconds race (60 s by default)
 * is taken off `.waitForTaskToken` Tasks, whose clocks the endpoint keeps, so the Task cannot end
 * while its token still accepts a SendTaskSuccess. Returns the copy and the original states by name.
 */
export function forInterpreter(definition) {
  const copy = structuredClone(definition);
  const waiting = new Map();
  const walk = (states) => {
    for (const [name, s] of Object.entries(states ?? {})) {
      if (isWaitForTaskToken(s)) {
        waiting.set(name, { ...s });
        s.TimeoutSeconds = 2_000_000; // the most a Node timer holds (2^31 ms), ~23 days
      }
      if (s.ItemProcessor ?? s.Iterator) walk((s.ItemProcessor ?? s.Iterator).States);
      for (const b of s.Branches ?? []) walk(b.States);
    }
  };
  walk(copy.States);
  return { definition: copy, waiting };
}

/** Expires every token a run handed out that is still open: the execution ended, so its Tasks did. */
export async function expireOpenTokens(endpoint, tracker) {
  const open = [...tracker];
  tracker.clear();
  await Promise.all(open.map((token) => endpoint.expire(token).catch(() => {})));
}
