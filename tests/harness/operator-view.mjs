// make demo's last word: what the person on call sees of a pool, printed by the lease-manager CLI
// (src/LeaseManager.Cli, built by the demo target) straight from the demo's DynamoDB Local table.
//
// The demo's executions have all ended by now, so this fills the batch pool the way its workflow
// does: one "acquire" per execution until the pool is full, then "wait" (the callback strategy's
// WaitForLease) for a few more (the last with a higher priority), each through the real function.
// Nothing is released afterwards: the table goes away with DynamoDB Local right after.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./peer-process.mjs";
import { poolOf } from "./rendered.mjs";

export const cliDll = join(repoRoot, "src", "LeaseManager.Cli", "bin", "Release", "net8.0", "LeaseManager.Cli.dll");

/** Runs the CLI against DynamoDB Local at `endpoint`; resolves to its stdout. */
export async function leaseManagerCli(args, endpoint) {
  // DynamoDB Local keeps one database per access key and region: the ones the local functions get.
  const env = {
    ...process.env, AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID || "local", AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY || "local",
    DOTNET_ROLL_FORWARD: "Major",
  };
  delete env.AWS_PROFILE;
  const { stdout } = await promisify(execFile)("dotnet", [cliDll, ...args], { env, timeout: 60_000 });
  return stdout;
}

/** Holds every slot of one pool and queues `waiters` more, then prints `lease-manager status` of it. */
export async function operatorView({ lambda, functions, db, say, prefix = "batch", waiters = 3 }) {
  const fn = functions.find((f) => f.environment.LEASE_PREFIX === prefix) ?? functions[0];
  const pool = poolOf(fn);
  const execution = (name) => `arn:aws:states:us-east-1:123456789012:execution:shared-lease-platform-${prefix}-workflow:${name}`;
  const call = async (payload) => {
    const { error } = await lambda.invoke(fn.function_name, payload);
    if (error) throw new Error(`operator view: ${payload.action} failed: ${error.errorType}: ${error.errorMessage}`);
  };
  for (let i = 1; i <= pool.cap + waiters; i++) {
    const item = { owner_id: execution(`manual-run-${String(i).padStart(3, "0")}`), resource_id: "warehouse" };
    if (i <= pool.cap) await call({ action: "acquire", ...item });
    else await call({ action: "wait", task_token: `operator-view-${i}`, ...item, priority: i === pool.cap + waiters ? 5 : 0 });
    await new Promise((resolve) => setTimeout(resolve, 250)); // ages that differ in the table
  }
  const args = ["status", "--table", pool.table, "--pool", fn.environment.LEASE_PREFIX ?? "", "--max-leases", String(pool.cap)];
  say(`\ndemo: the operator's view, ${pool.cap} leases held and ${waiters} executions queued by hand:\n$ lease-manager ${args.join(" ")}`);
  say((await leaseManagerCli(args, db.endpoint)).trimEnd());
}
