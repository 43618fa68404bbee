// One local stack per test file: DynamoDB Local, the packaged lease manager(s) behind the local
// Lambda host, and an observer of what the workflows saw.
import {
  DynamoDbLocal, LocalLambda, packagedCommand, poolOf, localFunctions, LeaseObserver, sampleLeases, leaseTaskHandler,
} from "../harness/harness.mjs";

/** `dynamoDbEndpoint(db)` may put something (a fault-injecting proxy) between the functions and DynamoDB Local. */
export async function startStack(functions, { environment = {}, maxConcurrency = 4, onPayload, dynamoDbEndpoint } = {}) {
  const leaseFunctions = functions.filter((f) => f.environment.LEASE_TABLE_NAME).map((f) => ({ ...f, environment: { ...f.environment, ...environment } }));
  const db = await DynamoDbLocal.start();
  const pools = leaseFunctions.map(poolOf);
  let lambda;
  try {
    for (const p of pools) await db.createTable(p.table, p);
    const endpoint = dynamoDbEndpoint ? await dynamoDbEndpoint(db) : db.endpoint;
    lambda = await LocalLambda.start(localFunctions(leaseFunctions, packagedCommand().command, endpoint, { maxConcurrency }));
  } catch (e) {
    // A stack that fails half-way must not leave DynamoDB Local running behind the next test.
    await db.stop();
    throw e;
  }
  const observer = new LeaseObserver(pools);
  const counters = {};
  const leaseHandler = leaseTaskHandler({ lambda, functions: leaseFunctions, observer, counters, onPayload });
  const stopSampling = sampleLeases(db, observer, 50);
  return {
    db, lambda, observer, counters, leaseHandler, pools, functions: leaseFunctions,
    async items() { return (await Promise.all([...new Set(pools.map((p) => p.table))].map((t) => db.scanAll(t)))).flat(); },
    /**
     * What the pools left behind that still means something: every item except a queue counter at
     * 0 (the callback strategy's one permanent item per pool) and, with `now`, items of leases that
     * expired before it (an expired lease's owner index holds nothing; DynamoDB's TTL removes it).
     */
    async leftovers(now) {
      return (await this.items()).filter((item) => !(item.SK.S === "wait!count" && item.waiting?.N === "0"))
        .filter((item) => now === undefined || !(item.expires_at_ms && Number(item.expires_at_ms.N) < now));
    },
    async stop() { await stopSampling(); await lambda.stop(); await db.stop(); },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
