// Shared by keys.test.mjs: runs that record what the state machine saw (the states entered and
// their inputs), work that counts itself per concurrency key, and work held until the test lets it go.
import { runExecution } from "../harness/harness.mjs";
import { runJsonataExecution } from "../harness/jsonata-runner.mjs";

/**
 * One JSONPath execution with its trace: `entered` lists { name, input } of every state entered, as
 * Step Functions' history would show them. `settled` resolves once the run ended and its events
 * were read: { state (the last state entered), output, error }.
 */
export function tracedRun(definition, input, options) {
  const run = runExecution(definition, input, options);
  const entered = [];
  const read = (async () => {
    for await (const e of run.eventLogs) if (e.type === "StateEntered") entered.push({ name: e.state.name, input: e.state.input });
  })();
  const settled = run.result.then((output) => ({ output }), (error) => ({ error }))
    .then(async (end) => { await read; return { ...end, state: entered.at(-1)?.name }; });
  return { ...run, entered, settled, inputsOf: (name) => entered.filter((e) => e.name === name).map((e) => e.input) };
}

/**
 * One execution of either query language, settled as { state, lease, error }: `lease` is the
 * acquire answer as the workflow kept it (JSONPath: `$.acquireLease` of the output; JSONata: `$lease`).
 */
export function runEither(language, definition, input, options) {
  if (language === "JSONata") {
    return runJsonataExecution(definition, input, options)
      .then((r) => ({ state: r.state, lease: r.variables.lease, output: r.output }), (error) => ({ error }));
  }
  return tracedRun(definition, input, options).settled.then((r) => ({ ...r, lease: r.output?.acquireLease }));
}

/** Work held until `release()`: `started` lists the inputs whose work began. */
export function heldWork() {
  const h = { started: [] };
  const gate = new Promise((resolve) => { h.release = resolve; });
  h.work = async (input) => { h.started.push(input); await gate; return { ok: true }; };
  return h;
}

/** Work that lasts as long as `hold(input)`, counted per key (`keyOf(input)`) and in total: now, max, done. */
export function keyedWorkTracker(keyOf, hold) {
  const t = { total: { now: 0, max: 0, done: 0 }, keys: {} };
  const enter = (c) => { c.now++; c.max = Math.max(c.max, c.now); };
  const leave = (c) => { c.now--; c.done++; };
  t.work = async (input) => {
    const k = (t.keys[keyOf(input)] ??= { now: 0, max: 0, done: 0 });
    enter(k); enter(t.total);
    await hold(input);
    leave(k); leave(t.total);
    return { ok: true };
  };
  return t;
}
