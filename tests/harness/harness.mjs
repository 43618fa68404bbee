// Local peers for running rendered state machines for real, without AWS: DynamoDB Local (Java),
// the packaged lease manager behind our Lambda host (tests/LocalLambda), and aws-local-stepfunctions
// with each lambda:invoke Task answered by that host. One import for the tests; each concern lives
// in its own file beside this one, this file keeps the local Lambda client.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { repoRoot, startPeerProcess, stopPeerProcess } from "./peer-process.mjs";
import { TaskTokenEndpoint } from "./task-token.mjs";

export { repoRoot } from "./peer-process.mjs";
export { DynamoDbLocal } from "./dynamodb-local.mjs";
export { loadRendered, poolOf, localFunctions, renderConfiguration } from "./rendered.mjs";
export { LeaseObserver, sampleLeases, leftoverItems, maxOverlap } from "./observer.mjs";
export { updateItemStandIn, publishStandIn, syncJobStandIn } from "./stand-ins.mjs";
export { leaseTaskHandler, taskStates, executionContext, countTransitions, runExecution } from "./execution.mjs";
export { TaskTokenEndpoint, TASK_TOKEN_PLACEHOLDER } from "./task-token.mjs";

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
    // "listening <Invoke API url> sfn=<task-token endpoint url>"
    const { child, value } = await startPeerProcess(["--config", config], "listening ");
    const [url, ...fields] = value.split(" ");
    const sfn = fields.find((f) => f.startsWith("sfn="))?.slice("sfn=".length);
    return new LocalLambda(url, child, sfn);
  }

  constructor(url, child, sfnUrl) {
    this.url = url;
    this.child = child;
    /** The local Step Functions task-token endpoint every function reaches through AWS_ENDPOINT_URL_SFN. */
    this.taskTokens = sfnUrl ? new TaskTokenEndpoint(sfnUrl) : undefined;
  }

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
