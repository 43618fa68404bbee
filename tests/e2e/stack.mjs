// One local stack per test file: DynamoDB Local, the packaged lease manager(s) behind the local
// Lambda host, and an observer of what the workflows saw.
import {
  DynamoDbLocal, LocalLambda, packagedCommand, poolOf, localFunctions, LeaseObserver, sampleLeases, leaseTaskHandler, leftoverItems,
} from "../harness/harness.mjs";

/**
 * `dynamoDbEndpoint(db)` may put something (a fault-injecting proxy) between the functions and DynamoDB Local;
 * `latency: [delayMs, jitterMs]` puts the latency model there (the harness's own reads stay direct).
 */
export async function startStack(functions, { environment = {}, maxConcurrency = 4, onPayload, dynamoDbEndpoint, latency, sampleMs = 50 } = {}) {
  // Tables of this stack's own (the rendered name plus a suffix): stacks may share one DynamoDB Local.
  const suffix = Math.random().toString(36).slice(2, 8);
  const leaseFunctions = functions.filter((f) => f.environment.LEASE_TABLE_NAME)
    .map((f) => ({ ...f, environment: { ...f.environment, ...environment, LEASE_TABLE_NAME: `${f.environment.LEASE_TABLE_NAME}-${suffix}` } }));
  const db = await DynamoDbLocal.start({ latency });
  const pools = leaseFunctions.map(poolOf);
  let lambda;
  try {
    for (const p of pools) await db.createTable(p.table, p);
    const endpoint = dynamoDbEndpoint ? await dynamoDbEndpoint(db) : db.latencyEndpoint ?? db.endpoint;
    lambda = await LocalLambda.start(localFunctions(leaseFunctions, packagedCommand().command, endpoint, { maxConcurrency }));
  } catch (e) {
    // A stack that fails half-way must not leave DynamoDB Local running behind the next test.
    await db.stop();
    throw e;
  }
  const observer = new LeaseObserver(pools);
  const counters = {};
  const leaseHandler = leaseTaskHandler({ lambda, functions: leaseFunctions, observer, counters, onPayload });
  const stopSampling = sampleMs > 0 ? sampleLeases(db, observer, sampleMs) : async () => {};
  return {
    db, lambda, observer, counters, leaseHandler, pools, functions: leaseFunctions,
    async items() { return (await Promise.all([...new Set(pools.map((p) => p.table))].map((t) => db.scanAll(t)))).flat(); },
    /** Items that still mean something (harness/observer.mjs leftoverItems). */
    async leftovers(now) { return leftoverItems(await this.items(), now); },
    async stop() { await stopSampling(); await lambda.stop(); await db.stop(); },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
