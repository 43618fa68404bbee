// make demo: examples/shared-table, run locally for real; then `poll` and `callback` side by side
// on one workload (demo-strategies.mjs).
//
// The two state machine definitions exactly as Terraform renders them from the example (mocked
// AWS), executed concurrently by aws-local-stepfunctions; every lease Task answered by the packaged
// lease manager in several local execution environments; one DynamoDB Local table shared by both
// pools. Prints a live view and a summary, writes a chart, and exits non-zero if a cap was exceeded,
// an execution failed, or a lease was left behind.
import { writeFileSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  repoRoot, DynamoDbLocal, LocalLambda, packagedCommand, renderConfiguration, loadRendered, poolOf,
  localFunctions, LeaseObserver, sampleLeases, leaseTaskHandler, runExecution, leftoverItems,
} from "./harness.mjs";
import { chart } from "./chart.mjs";
import { renderStrategies, compareStrategies } from "./demo-strategies.mjs";
import { operatorView } from "./operator-view.mjs";

const started = Date.now();
const say = (text) => console.log(text);
const seconds = (ms) => (ms / 1000).toFixed(1) + " s";

say("demo: rendering examples/shared-table and the poll and callback fragments with Terraform (mocked AWS, no credentials)...");
const strategies = renderStrategies();
strategies.catch(() => {});
const rendered = loadRendered(await renderConfiguration("examples/shared-table", "demo-shared-table"), "render");
const { outputs, functions } = rendered;
const workItems = outputs.work_items;
const workflows = [
  { name: "analytics", stateMachine: "shared-lease-platform-analytics-workflow", definition: outputs.analytics_definition, items: workItems.analytics },
  { name: "batch", stateMachine: "shared-lease-platform-batch-workflow", definition: outputs.batch_definition, items: workItems.batch },
];

const pkg = packagedCommand();
say(`demo: lease manager package: ${pkg.kind === "aot" ? "Native AOT bootstrap" : "framework-dependent build"}`);
const db = await DynamoDbLocal.start();
let lambda;
let exitCode = 0;
try {
  const pools = functions.map(poolOf);
  for (const table of new Set(pools.map((p) => p.table))) await db.createTable(table, pools.find((p) => p.table === table));
  say(`demo: DynamoDB Local at ${db.endpoint}, table ${[...new Set(pools.map((p) => p.table))].join(", ")}`);
  lambda = await LocalLambda.start(localFunctions(functions, pkg.command, db.endpoint, { maxConcurrency: 6 }));
  say(`demo: lease managers (${functions.map((f) => f.function_name).join(", ")}) behind a local Lambda host at ${lambda.url}, up to 6 execution environments each`);
  say("demo: the Distributed Maps' S3 ItemReader is not evaluated locally: each workflow is fed the same items the example uploads to S3.");

  const observer = new LeaseObserver(pools);
  const leaseHandler = leaseTaskHandler({ lambda, functions, observer });
  const stopSampling = sampleLeases(db, observer, 100);
  for (const w of workflows) observer.expectItems(w.name, w.items.length);

  // Work ("Process", a Wait of each item's work_seconds) runs for real; only the poll between two
  // acquire attempts is shortened, through the interpreter's override, not by editing the definition.
  const executions = workflows.map((w) => ({
    ...w,
    execution: runExecution(w.definition, w.items, { stateMachineName: w.stateMachine, leaseHandler, taskTokens: lambda.taskTokens }),
  }));
  const outcomes = executions.map((e) => e.execution.result.then(() => ({ ok: true }), (error) => ({ ok: false, error })));

  const live = setInterval(() => {
    const lines = workflows.map((w) => {
      const p = observer.pools[w.name];
      const c = observer.counts(w.name);
      const active = p.samples.at(-1)?.[1] ?? 0;
      return `  ${w.name.padEnd(9)} items ${String(c.done).padStart(2)}/${p.total}  active leases ${String(active).padStart(2)}/${p.cap} ${"█".repeat(active)}${"·".repeat(Math.max(0, p.cap - active))}  waiting ${c.waiting}`;
    });
    say(`[${seconds(Date.now() - started)}]\n${lines.join("\n")}`);
  }, process.stdout.isTTY ? 1000 : 2000);

  const results = await Promise.all(outcomes);
  clearInterval(live);
  await stopSampling();

  // Summary.
  say("\ndemo: summary");
  say("  pool       cap  max held (answers)  max held (table)  acquires  waits  items  result");
  const failures = [];
  for (const [i, w] of workflows.entries()) {
    const p = observer.pools[w.name];
    const fromAnswers = observer.maxConcurrent(w.name);
    const fromTable = Math.max(0, ...p.samples.map((s) => s[1]));
    const result = results[i].ok ? "succeeded" : `FAILED (${results[i].error?.cause?.name ?? results[i].error?.name}: ${results[i].error?.message})`;
    say(`  ${w.name.padEnd(9)} ${String(p.cap).padStart(4)}  ${String(fromAnswers).padStart(18)}  ${String(fromTable).padStart(16)}  ${String(p.acquires).padStart(8)}  ${String(p.waits).padStart(5)}  ${String(observer.counts(w.name).done).padStart(2)}/${p.total}  ${result}`);
    if (!results[i].ok) failures.push(`${w.name} execution failed`);
    if (fromAnswers > p.cap || fromTable > p.cap) failures.push(`${w.name} exceeded its cap of ${p.cap}`);
    if (observer.counts(w.name).done !== p.total) failures.push(`${w.name} finished ${observer.counts(w.name).done} of ${p.total} items`);
  }
  // The callback strategy keeps one queue counter per pool; at 0 it holds nothing.
  const left = leftoverItems((await Promise.all([...new Set(pools.map((p) => p.table))].map((t) => db.scanAll(t)))).flat());
  say(`  leases left in the table: ${left.length}`);
  if (left.length !== 0) failures.push(`${left.length} lease items left in the table`);
  const stats = await lambda.stats();
  say(`  lease manager invocations: ${Object.entries(stats).map(([n, s]) => `${n} ${s.invocations} (${s.environments} environments, ${s.cold_starts} cold starts)`).join("; ")}`);
  say(`  duration: ${seconds(Date.now() - started)}`);

  const out = join(repoRoot, "build", "demo");
  mkdirSync(out, { recursive: true });
  const svg = join(out, "active-leases.svg");
  writeFileSync(svg, chart(Object.values(observer.pools), "Active leases per pool (DynamoDB Local, sampled every 100 ms)"));
  say(`  chart: ${relative(process.cwd(), svg)}`);

  failures.push(...await compareStrategies(await strategies, say));

  if (failures.length) {
    say(`\ndemo: FAILED: ${failures.join("; ")}`);
    exitCode = 1;
  } else {
    say("\ndemo: ok — every item ran under its pool's cap and every lease was released.");
  }
  await operatorView({ lambda, functions, db, say });
} finally {
  await lambda?.stop();
  await db.stop();
}
process.exit(exitCode);
