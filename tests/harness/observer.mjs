// What the workflows experienced: leases held, waits, item progress — from the answers the
// workflows saw and, sampled, from the table itself.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
    return maxOverlap([...p.intervals, ...[...p.open.values()].map((s) => [s, now])]);
  }

  counts(pool) {
    const states = [...this.pools[pool].items.values()];
    return { done: states.filter((s) => s === "done").length, waiting: states.filter((s) => s === "waiting").length, working: states.filter((s) => s === "working").length };
  }
}

/** Most [start, end] intervals open at one moment (an interval that ends as another starts does not overlap it). */
export function maxOverlap(intervals) {
  const events = intervals.flatMap(([s, e]) => [[s, 1], [e, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0, max = 0;
  for (const [, d] of events) { current += d; max = Math.max(max, current); }
  return max;
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

/**
 * What pools left behind that still means something: every item except a queue counter at 0 (the
 * callback strategy's one permanent item per pool), an idle key item (`key#…`: no slot in its set,
 * no waiter counted, no stored limit; DynamoDB's TTL removes it) and, with `now`, items of leases
 * that expired before it (an expired lease's owner index holds nothing; DynamoDB's TTL removes it).
 */
export function leftoverItems(items, now) {
  return items.filter((item) => !(item.SK.S === "wait!count" && item.waiting?.N === "0"))
    .filter((item) => !idleKeyItem(item))
    .filter((item) => now === undefined || !(item.expires_at_ms && Number(item.expires_at_ms.N) < now));
}

function idleKeyItem(item) {
  return item.SK.S.startsWith("key#") && !(item.slots?.NS?.length) && !item.key_limit
    && ["key_waiting", "key_pooled"].every((count) => (item[count]?.N ?? "0") === "0");
}
