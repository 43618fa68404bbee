// Rendered configurations (tools/render.mjs output): their outputs, their lease-manager functions
// and those functions pointed at the local peers.
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./peer-process.mjs";

/**
 * The outputs and Lambda functions of one run of a rendered configuration. `functions` are the lease
 * managers the state machines invoke; each module instance's admin function (the same package with
 * LEASE_ADMIN_ACTIONS=enabled, serving the operator's actions) is in `adminFunctions`, so a lookup by pool finds the lease manager.
 */
export function loadRendered(dir, run) {
  const outputs = {};
  let all = [];
  for (const file of readdirSync(dir)) {
    if (!file.startsWith(`${run}.`)) continue;
    const name = file.slice(run.length + 1, -".json".length);
    const value = JSON.parse(readFileSync(join(dir, file), "utf8"));
    if (name === "functions") all = value; else outputs[name] = value;
  }
  const admin = (f) => f.environment?.LEASE_ADMIN_ACTIONS === "enabled";
  return { outputs, functions: all.filter((f) => !admin(f)), adminFunctions: all.filter(admin) };
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

/**
 * The folder where this `make test` already rendered `configDir` (every run of every test file, so
 * the filtered runs too), or null. The ASL suite renders each configuration before the end-to-end
 * suite starts, from the same sources, and lists them in the file RENDERED_INDEX names (set by
 * scripts/test.sh for one run only, so a suite run on its own always renders afresh).
 */
function renderedThisRun(configDir) {
  const index = process.env.RENDERED_INDEX;
  if (!index || !existsSync(index) || !existsSync(configDir)) return null;
  const wanted = realpathSync(configDir);
  for (const line of readFileSync(index, "utf8").split("\n")) {
    const [config, out] = line.split("\t");
    if (config === wanted && out && existsSync(out)) return out;
  }
  return null;
}

/** Renders a configuration with tools/render.mjs (terraform test, mocked providers), once a `make test`. */
export async function renderConfiguration(configDir, name, filter = "tests/render.tftest.hcl") {
  const reused = renderedThisRun(join(repoRoot, configDir));
  if (reused) return reused;
  const { render } = await import("../../tools/render.mjs");
  const out = join(repoRoot, "build", "rendered", name);
  await render(join(repoRoot, configDir), out, { filter });
  return out;
}
