// Step Functions cost of the wait strategies, measured through the real ASL interpreter and the
// packaged function: the module's own fragments (tests/render/depth for poll and retry,
// tests/render/callback for callback), one local stack, with the latency model in front of
// DynamoDB Local. For each strategy and backlog (a multiple of the pool), that many executions
// arrive `stagger` ms apart and each holds its lease for `work` ms.
//
//   node benchmarks/sfn-cost.mjs [--strategies poll,retry,callback] [--backlogs 4,20,100] [--pool 2]
//                                [--work 500] [--ask 500] [--stagger 50] [--latency 4,2]
//
// poll: the Choice + Wait loop, its Wait shortened to `ask` ms. retry: the Task's LeaseUnavailable
// Retry, shortened to the same `ask` ms (the interpreter's override also turns jitter off) and
// allowed 1,000 attempts (sfn_lease_retry.max_attempts), so that no execution runs out of attempts
// at the largest backlog; retry-jitter: the rendered Retry as is. callback: the .waitForTaskToken
// queue, answered through the local task-token endpoint, nothing shortened.
// Prints one JSON line per run (benchmarks/sfn-metrics.mjs: figures).
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { renderConfiguration, loadRendered } from "../tests/harness/harness.mjs";
import { runWorkload } from "../tests/harness/workload.mjs";
import { startStack } from "../tests/e2e/stack.mjs";
import { figures } from "./sfn-metrics.mjs";

const { values: opt } = parseArgs({
  options: {
    strategies: { type: "string", default: "poll,retry,callback" },
    backlogs: { type: "string", default: "4,20,100" },
    pool: { type: "string", default: "2" },
    work: { type: "string", default: "500" },
    ask: { type: "string", default: "500" },
    stagger: { type: "string", default: "50" },
    latency: { type: "string", default: "4,2" },
  },
});
const strategies = opt.strategies.split(",");
const backlogs = opt.backlogs.split(",").map(Number);
const cap = Number(opt.pool);
const ask = Number(opt.ask);
const latency = opt.latency === "none" ? undefined : opt.latency.split(",").map(Number);

const needsDepth = strategies.some((s) => s !== "callback");
const [depth, callback] = await Promise.all([
  needsDepth ? renderConfiguration("tests/render/depth", "bench-sfn-depth") : null,
  strategies.includes("callback") ? renderConfiguration("tests/render/callback", "bench-sfn-callback") : null,
]).then((dirs) => dirs.map((d) => (d ? loadRendered(d, "render") : { outputs: {}, functions: [] })));

const withAttempts = (definition, attempts) => {
  const copy = structuredClone(definition);
  for (const r of copy.States.AcquireLease.Retry) if (r.ErrorEquals.includes("LeaseManager.LeaseUnavailable")) r.MaxAttempts = attempts;
  return copy;
};
const setups = {
  poll: { prefix: "poll", definition: depth.outputs.definition_poll, overrides: { waitTimeOverrides: { WaitForLease: ask } } },
  retry: { prefix: "retry", definition: withAttempts(depth.outputs.definition_retry ?? { States: { AcquireLease: { Retry: [] } } }, 1000), overrides: { retryIntervalOverrides: { AcquireLease: [-1, ask] } } },
  "retry-jitter": { prefix: "retry", definition: withAttempts(depth.outputs.definition_retry ?? { States: { AcquireLease: { Retry: [] } } }, 1000), overrides: {} },
  callback: { prefix: "callback-jsonpath", definition: callback.outputs.definition_callback_jsonpath, overrides: {} },
};
for (const s of strategies) if (!setups[s]) throw new Error(`unknown strategy ${s}: poll, retry, retry-jitter or callback`);
const functionOf = (prefix) => [...depth.functions, ...callback.functions].find((f) => f.environment.LEASE_PREFIX === prefix);
const functions = [...new Set(strategies.map((s) => functionOf(setups[s].prefix)))];

const stack = await startStack(functions, { environment: { LEASE_MAX_CONCURRENT: String(cap) }, maxConcurrency: 8, latency, sampleMs: 0 });
try {
  const fns = new Map(stack.functions.map((f) => [f.environment.LEASE_PREFIX, f]));
  for (const strategy of strategies) {
    const { prefix, definition, overrides } = setups[strategy];
    await runWorkload(stack, fns.get(prefix), definition, { items: 2 * cap, workMs: Number(opt.work), overrides, prefix: `${strategy}-warm-up` });
  }
  for (const backlog of backlogs) {
    for (const strategy of strategies) {
      const { prefix, definition, overrides } = setups[strategy];
      const records = await runWorkload(stack, fns.get(prefix), definition, {
        items: backlog * cap, workMs: Number(opt.work), staggerMs: Number(opt.stagger), overrides, prefix: `${strategy}-${backlog}x`,
      });
      const line = { ...figures(strategy, backlog, records, definition), latency_ms: latency ?? null, ask_ms: ask, stagger_ms: Number(opt.stagger), load_average: loadavg()[0] };
      console.log(JSON.stringify(line));
    }
  }
} finally {
  await stack.stop();
}
