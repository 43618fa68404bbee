// Local peers for running rendered state machines for real, without AWS:
// DynamoDB Local (Java), the packaged lease manager behind our Lambda host (tests/LocalLambda),
// and aws-local-stepfunctions with each lambda:invoke Task answered by that host.
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";

// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import("aws-local-stepfunctions");

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// DynamoDB Local
// ---------------------------------------------------------------------------------------------

/** tests/LocalLambda, built on first use: the one launcher of the local peers (C#, shared with the .NET tests). */
function localPeersDll() {
  const dll = join(repoRoot, "tests", "LocalLambda", "bin", "Release", "net8.0", "LocalLambda.dll");
  if (!existsSync(dll)) {
    const build = spawnSync("dotnet", ["build", join(repoRoot, "tests", "LocalLambda"), "-c", "Release", "--nologo", "-v", "quiet"], { encoding: "utf8" });
    if (build.status !== 0) throw new Error(`building tests/LocalLambda failed:\n${build.stdout}`);
  }
  return dll;
}

/** Starts tests/LocalLambda with `args` and resolves with the text after `prefix` on its first line. */
async function startPeerProcess(args, prefix) {
  const child = spawn("dotnet", [localPeersDll(), ...args], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, DOTNET_ROLL_FORWARD: "Major" } });
  const lines = createInterface({ input: child.stdout });
  const value = await new Promise((res, rej) => {
    lines.once("line", (line) => (line.startsWith(prefix) ? res(line.slice(prefix.length)) : rej(new Error(line))));
    child.once("exit", (code) => rej(new Error(`tests/LocalLambda ${args.join(" ")} exited with ${code}`)));
  });
  return { child, value };
}

/** Closes a peer process's stdin (its signal to stop) and waits for it, killing it after 5 s. */
async function stopPeerProcess(child) {
  child.stdin.end();
  await new Promise((r) => { if (child.exitCode !== null) r(); else { child.once("exit", r); setTimeout(() => { child.kill("SIGKILL"); r(); }, 5000); } });
}

export class DynamoDbLocal {
  /** DynamoDB Local through the C# launcher (tests/LocalPeers/DynamoDbPeer.cs): the jar, a container, or AWS_ENDPOINT_URL_DYNAMODB. */
  static async start() {
    const { child, value } = await startPeerProcess(["--dynamodb"], "dynamodb ");
    return new DynamoDbLocal(value, child);
  }

  constructor(endpoint, child) { this.endpoint = endpoint; this.child = child; }

  // DynamoDB Local reads the credential scope but does not verify signatures.
  async call(operation, body) {
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": `DynamoDB_20120810.${operation}`,
        Authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${operation}: ${json.__type} ${json.message ?? json.Message}`);
    return json;
  }

  async createTable(name, { hashKey = "PK", rangeKey = "SK" } = {}) {
    const tables = (await this.call("ListTables", {})).TableNames;
    if (tables.includes(name)) return;
    await this.call("CreateTable", {
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: "S" }, { AttributeName: rangeKey, AttributeType: "S" }],
      KeySchema: [{ AttributeName: hashKey, KeyType: "HASH" }, { AttributeName: rangeKey, KeyType: "RANGE" }],
    });
  }

  /** Live leases of a pool right now: slot items whose expiry is still ahead (strongly consistent). */
  async liveLeases({ table, hashKey, rangeKey, poolKey }) {
    const now = Date.now();
    const items = await this.query(table, hashKey, rangeKey, poolKey, "slot#");
    return items.filter((i) => Number(i.expires_at_ms?.N ?? 0) > now);
  }

  async query(table, hashKey, rangeKey, poolKey, prefix) {
    const items = [];
    let start;
    do {
      const page = await this.call("Query", {
        TableName: table, ConsistentRead: true, ExclusiveStartKey: start,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :p)",
        ExpressionAttributeNames: { "#pk": hashKey, "#sk": rangeKey },
        ExpressionAttributeValues: { ":pk": { S: poolKey }, ":p": { S: prefix } },
      });
      items.push(...page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async scanAll(table) {
    const items = [];
    let start;
    do {
      const page = await this.call("Scan", { TableName: table, ConsistentRead: true, ExclusiveStartKey: start });
      items.push(...page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  stop() { return stopPeerProcess(this.child); }
}

// ---------------------------------------------------------------------------------------------
// The packaged lease manager behind tests/LocalLambda (our Runtime API + Invoke API host)
// ---------------------------------------------------------------------------------------------

/** Unpacks the package `make package` built (AOT where it was built, else framework-dependent). */
export function packagedCommand() {
  const artifacts = join(repoRoot, "artifacts");
  // Zip and handler names are defined once, in the manifest package.sh and Terraform read too.
  const manifest = JSON.parse(readFileSync(join(repoRoot, "src", "LeaseManager.Lambda", "lambda-package.json"), "utf8"));
  const aot = join(artifacts, manifest.zips.aot);
  const managed = join(artifacts, manifest.zips.managed);
  const zip = process.env.LEASE_MANAGER_PACKAGE ?? (existsSync(aot) ? aot : existsSync(managed) ? managed : null);
  if (!zip) throw new Error(`no package in ${artifacts}: run 'make package'`);
  const target = join(repoRoot, "build", "local", `function-${process.pid}`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const unzip = spawnSync("unzip", ["-q", "-o", zip, "-d", target]);
  if (unzip.status !== 0) throw new Error(`unzip ${zip} failed: ${unzip.stderr}`);
  const bootstrap = join(target, manifest.handler["provided.al2023"]);
  return existsSync(bootstrap) ? { command: bootstrap, kind: "aot" } : { command: join(target, `${manifest.handler.dotnet8}.dll`), kind: "managed" };
}

export class LocalLambda {
  /**
   * functions: [{ name, command, environment, timeoutSeconds, maxConcurrency }]
   */
  static async start(functions) {
    const dir = join(repoRoot, "build", "local");
    mkdirSync(dir, { recursive: true });
    const config = join(dir, `functions-${process.pid}-${randomUUID().slice(0, 8)}.json`);
    writeFileSync(config, JSON.stringify({ functions }, null, 2));
    const { child, value: url } = await startPeerProcess(["--config", config], "listening ");
    return new LocalLambda(url, child);
  }

  constructor(url, child) { this.url = url; this.child = child; }

  /**
   * Lambda Invoke (RequestResponse). Returns { payload } or { error: { errorType, errorMessage } }.
   * The local host itself answers a function that runs past its timeout as Lambda does
   * (Sandbox.Timedout, "RequestId: … Error: Task timed out after N.00 seconds"). Should the host
   * not answer at all, the call still ends as that function error once the function's timeout
   * (plus time to queue for and start an environment) has passed — what Step Functions reports
   * for a timed-out function — so a stuck local peer cannot hang a test.
   */
  async invoke(functionName, payload, { timeoutSeconds = 10, queueMs = 15_000 } = {}) {
    let response;
    try {
      response = await fetch(`${this.url}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
        method: "POST", body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutSeconds * 1000 + queueMs),
      });
    } catch (e) {
      if (e.name !== "TimeoutError") throw Object.assign(new Error(`Unable to execute HTTP request: ${e.message}`), { name: "Lambda.SdkClientException" });
      this.unanswered = (this.unanswered ?? 0) + 1;
      process.stderr.write(`local invoke of ${functionName} was not answered within its ${timeoutSeconds} s timeout\n`);
      return { error: { errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${randomUUID()} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` } };
    }
    const text = await response.text();
    if (response.status !== 200) throw Object.assign(new Error(`Lambda.ResourceNotFoundException: ${text}`), { name: "Lambda.ResourceNotFoundException" });
    const body = text.length ? JSON.parse(text) : null;
    return response.headers.get("x-amz-function-error") ? { error: body } : { payload: body };
  }

  async injectFault(functionName, errorType, count = 1, errorMessage = "Injected by the test") {
    await fetch(`${this.url}/local/faults`, { method: "POST", body: JSON.stringify({ function: functionName, errorType, errorMessage, count }) });
  }

  async stats() { return (await fetch(`${this.url}/local/stats`)).json(); }

  stop() { return stopPeerProcess(this.child); }
}

// ---------------------------------------------------------------------------------------------
// Rendered configurations (tools/render.mjs output)
// ---------------------------------------------------------------------------------------------

/** The outputs and Lambda functions of one run of a rendered configuration. */
export function loadRendered(dir, run) {
  const outputs = {};
  let functions = [];
  for (const file of readdirSync(dir)) {
    if (!file.startsWith(`${run}.`)) continue;
    const name = file.slice(run.length + 1, -".json".length);
    const value = JSON.parse(readFileSync(join(dir, file), "utf8"));
    if (name === "functions") functions = value; else outputs[name] = value;
  }
  return { outputs, functions };
}

/** Pool coordinates of a lease-manager function, from its rendered environment. */
export function poolOf(fn) {
  const env = fn.environment;
  return {
    name: env.LEASE_PREFIX || "(default)",
    table: env.LEASE_TABLE_NAME,
    hashKey: env.LEASE_TABLE_HASH_KEY ?? "PK",
    rangeKey: env.LEASE_TABLE_RANGE_KEY ?? "SK",
    poolKey: `pool#${env.LEASE_PREFIX ?? ""}`,
    cap: Number(env.LEASE_MAX_CONCURRENT),
  };
}

/** Local function definitions for the rendered lease managers, pointed at DynamoDB Local. */
export function localFunctions(rendered, command, endpoint, { maxConcurrency = 4, environment = {} } = {}) {
  return rendered.filter((f) => f.environment.LEASE_TABLE_NAME).map((f) => ({
    name: f.function_name,
    command,
    timeoutSeconds: f.timeout ?? 10,
    maxConcurrency,
    environment: { ...f.environment, AWS_ENDPOINT_URL_DYNAMODB: endpoint, POWERTOOLS_METRICS_DISABLED: "true", POWERTOOLS_LOG_LEVEL: "WARN", ...environment },
  }));
}

// ---------------------------------------------------------------------------------------------
// What the workflows experienced: leases held, waits, item progress
// ---------------------------------------------------------------------------------------------

export class LeaseObserver {
  constructor(pools) {
    this.started = Date.now();
    this.pools = Object.fromEntries(pools.map((p) => [p.name, { ...p, open: new Map(), intervals: [], leaseIds: new Set(), waitingSince: new Map(), waitIntervals: [], acquires: 0, waits: 0, releases: 0, items: new Map(), total: 0, samples: [] }]));
  }

  expectItems(pool, count) { this.pools[pool].total += count; }

  acquired(pool, item, leaseId) {
    const p = this.pools[pool];
    p.acquires++;
    p.items.set(item, "working");
    p.leaseIds.add(leaseId);
    if (p.waitingSince.has(item)) { p.waitIntervals.push([p.waitingSince.get(item) - this.started, Date.now() - this.started]); p.waitingSince.delete(item); }
    if (!p.open.has(leaseId)) p.open.set(leaseId, Date.now());
  }

  waited(pool, item) {
    const p = this.pools[pool];
    p.waits++;
    p.items.set(item, "waiting");
    if (!p.waitingSince.has(item)) p.waitingSince.set(item, Date.now());
  }

  releasing(pool, leaseId) {
    const p = this.pools[pool];
    const start = p.open.get(leaseId);
    if (start !== undefined) { p.intervals.push([start, Date.now()]); p.open.delete(leaseId); }
  }

  released(pool, item) { const p = this.pools[pool]; p.releases++; p.items.set(item, "done"); }

  /** Most leases held at once, from the acquire and release answers the workflows saw. */
  maxConcurrent(pool) {
    const p = this.pools[pool];
    const now = Date.now();
    const events = [...p.intervals, ...[...p.open.values()].map((s) => [s, now])]
      .flatMap(([s, e]) => [[s, 1], [e, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0, max = 0;
    for (const [, d] of events) { current += d; max = Math.max(max, current); }
    return max;
  }

  counts(pool) {
    const states = [...this.pools[pool].items.values()];
    return { done: states.filter((s) => s === "done").length, waiting: states.filter((s) => s === "waiting").length, working: states.filter((s) => s === "working").length };
  }
}

/** Samples each pool's live leases in DynamoDB until stopped: the table's own view. */
export function sampleLeases(db, observer, intervalMs = 100) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = Date.now() - observer.started;
      await Promise.all(Object.values(observer.pools).map(async (p) => {
        p.samples.push([t, (await db.liveLeases(p)).length]);
      }));
      await sleep(intervalMs);
    }
  })();
  return async () => { running = false; await loop; };
}

// ---------------------------------------------------------------------------------------------
// Running a state machine with lambda:invoke answered by the local host
// ---------------------------------------------------------------------------------------------

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
  return async (input) => {
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

/** State transitions of a run as Step Functions bills them (state entries and retries), counted as it goes. */
export function countTransitions(run) {
  const counter = { count: 0 };
  counter.done = (async () => {
    for await (const e of run.eventLogs) if (e.type === "StateEntered" || e.type === "StateRetried") counter.count++;
  })();
  return counter;
}

/**
 * Runs one execution. `handlers` answers Task states by name; every lambda:invoke Task not in it
 * goes to `leaseHandler`. The context carries an execution id, as Step Functions' does.
 */
export function runExecution(definition, input, { stateMachineName = "local", leaseHandler, handlers = {}, waitTimeOverrides = {}, retryIntervalOverrides = {}, executionName = randomUUID() } = {}) {
  const taskResourceLocalHandlers = { ...handlers };
  for (const name of taskStates(definition, (s) => String(s.Resource).endsWith(":states:::lambda:invoke"))) {
    taskResourceLocalHandlers[name] ??= leaseHandler;
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: { ...executionContext(stateMachineName, executionName, input), State: { Name: "", EnteredTime: new Date().toISOString(), RetryCount: 0 } },
  });
  return { id: executionName, result: execution.result, abort: execution.abort, eventLogs: execution.eventLogs };
}

/** Renders a configuration with tools/render.mjs (terraform test, mocked providers). */
export async function renderConfiguration(configDir, name, filter = "tests/render.tftest.hcl") {
  const { render } = await import("../../tools/render.mjs");
  const out = join(repoRoot, "build", "rendered", name);
  await render(join(repoRoot, configDir), out, { filter });
  return out;
}
