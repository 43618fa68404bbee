// Renders Terraform configurations offline and writes their JSON outputs to files.
//
//   node tools/render.mjs <config-dir> <out-dir> [test-file]
//
// Runs `terraform test -json -verbose` in <config-dir> (whose tests/ use mock providers) and, for
// every run, writes each output whose value is JSON text (a state machine definition, a fragment)
// to <out-dir>/<run>.<output>.json. Exactly what Terraform renders, without AWS credentials.
// It prints one line per run, `run <status> <test-file> <run>` (make test counts each: the ASL suite
// renders every configuration with every test file, so their runs are not run a second time).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, rmSync, createWriteStream } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { spawn } from "node:child_process";

// The Lambda functions of a rendered configuration, as Terraform would create them: what a local
// runner needs to start the same program with the same environment.
function describeFunction(address, values) {
  return {
    address,
    function_name: values.function_name,
    arn: values.arn,
    runtime: values.runtime,
    handler: values.handler,
    timeout: values.timeout,
    memory_size: values.memory_size,
    environment: values.environment?.[0]?.variables ?? {},
  };
}

function lambdaFunctions(module) {
  if (!module) return [];
  const own = (module.resources ?? []).filter((r) => r.type === "aws_lambda_function").map((r) => describeFunction(r.address, r.values));
  return own.concat(...(module.child_modules ?? []).map(lambdaFunctions));
}

export async function render(configDir, outDir, { filter, onRun } = {}) {
  configDir = resolve(configDir);
  outDir = resolve(outDir);
  const init = spawnSync("terraform", ["init", "-backend=false", "-input=false", "-no-color"], { cwd: configDir, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`terraform init failed in ${configDir}:\n${init.stdout}\n${init.stderr}`);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const child = spawn("terraform", ["test", "-json", "-verbose", "-no-color", ...(filter ? [`-filter=${filter}`] : [])], { cwd: configDir });
  const errors = [];
  const written = [];
  let summary = null;
  child.stderr.on("data", (d) => errors.push(d.toString()));
  for await (const line of createInterface({ input: child.stdout })) {
    if (!line.startsWith("{")) continue;
    const message = JSON.parse(line);
    if (message.type === "test_summary") summary = message.test_summary;
    if (message.type === "test_run" && message.test_run.progress === "complete") onRun?.(message.test_run);
    if (message.type === "diagnostic" && message["@level"] === "error") errors.push(message["@message"] + " " + (message.diagnostic?.detail ?? ""));
    // apply runs print their state; plan runs (for configurations that would build the package on
    // apply) print the plan, whose outputs are known when the mocks apply during plan.
    let outputs;
    let functions;
    if (message.type === "test_state") {
      outputs = Object.entries(message.test_state.outputs ?? {}).map(([name, o]) => [name, o.value]);
      functions = lambdaFunctions(message.test_state.root_module);
    } else if (message.type === "test_plan") {
      outputs = Object.entries(message.test_plan.output_changes ?? {}).map(([name, o]) => [name, o.after]);
      functions = (message.test_plan.resource_changes ?? [])
        .filter((r) => r.type === "aws_lambda_function" && r.change?.after)
        .map((r) => describeFunction(r.address, r.change.after));
    } else {
      continue;
    }
    const run = message["@testrun"];
    if (functions.length > 0) {
      const file = join(outDir, `${run}.functions.json`);
      writeFileSync(file, JSON.stringify(functions, null, 2) + "\n");
      written.push(file);
    }
    for (const [name, value] of outputs) {
      if (typeof value !== "string") continue;
      let parsed;
      try { parsed = JSON.parse(value); } catch { continue; }
      const file = join(outDir, `${run}.${name}.json`);
      writeFileSync(file, JSON.stringify(parsed, null, 2) + "\n");
      written.push(file);
    }
  }
  const code = await new Promise((r) => child.on("close", r));
  if (code !== 0 || summary?.status !== "pass") {
    throw new Error(`terraform test failed in ${configDir} (${JSON.stringify(summary)}):\n${errors.join("\n")}`);
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [configDir, outDir, filter] = process.argv.slice(2);
  if (!configDir || !outDir) {
    console.error("usage: node tools/render.mjs <config-dir> <out-dir>");
    process.exit(2);
  }
  await render(configDir, outDir, { filter, onRun: (r) => console.log(`run ${r.status} ${r.path} ${r.run}`) });
}
