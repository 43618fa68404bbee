// DynamoDB Local, started by the C# launcher, and the few calls the tests make to it (the table's
// own view of the leases a pool holds).
import { startPeerProcess, stopPeerProcess } from "./peer-process.mjs";

/** The variable naming a DynamoDB endpoint to share (the AWS SDKs' own; tests/LocalPeers/DynamoDbPeer.cs reads it too). */
const SHARED_ENDPOINT = "AWS_ENDPOINT_URL_DYNAMODB";

export class DynamoDbLocal {
  /**
   * DynamoDB Local through the C# launcher (tests/LocalPeers/DynamoDbPeer.cs): the jar, a container, or AWS_ENDPOINT_URL_DYNAMODB.
   * `latency: [delayMs, jitterMs]` also starts the latency model in front of it (DynamoDbFaultProxy):
   * `latencyEndpoint` delays every request by delayMs plus a uniform 0–jitterMs; `endpoint` stays direct.
   */
  static async start({ latency } = {}) {
    // One DynamoDB Local that outlives this object (make test starts one for every suite): no
    // launcher unless the latency model is wanted, and stop() drops the tables made here instead.
    const shared = process.env[SHARED_ENDPOINT] || undefined;
    if (shared && !latency) return new DynamoDbLocal(shared, null, undefined, true);
    const { child, value } = await startPeerProcess(["--dynamodb", ...(latency ? ["--latency", latency.join(",")] : [])], "dynamodb ");
    const [endpoint, proxied] = value.split(" latency=");
    return new DynamoDbLocal(endpoint, child, proxied, Boolean(shared));
  }

  constructor(endpoint, child, latencyEndpoint, shared = false) {
    this.endpoint = endpoint; this.child = child; this.latencyEndpoint = latencyEndpoint; this.shared = shared;
    this.created = new Set();
  }

  // DynamoDB Local reads the credential scope but does not verify signatures.
  async call(operation, body) {
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": `DynamoDB_20120810.${operation}`,
        Authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
      },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${operation}: ${json.__type} ${json.message ?? json.Message}`);
    return json;
  }

  /** A new table with string keys (once per name; a table made elsewhere is an error); `rangeKey: null` for a hash key alone. */
  async createTable(name, { hashKey = "PK", rangeKey = "SK" } = {}) {
    if (this.created.has(name)) return;
    const keys = [[hashKey, "HASH"], ...(rangeKey ? [[rangeKey, "RANGE"]] : [])];
    await this.call("CreateTable", {
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map(([n]) => ({ AttributeName: n, AttributeType: "S" })),
      KeySchema: keys.map(([n, type]) => ({ AttributeName: n, KeyType: type })),
    });
    this.created.add(name);
  }

  /** Live leases of a pool right now: slot items whose expiry is still ahead (strongly consistent). */
  async liveLeases({ table, hashKey, rangeKey, poolKey }) {
    const now = Date.now();
    const items = await this.query(table, hashKey, rangeKey, poolKey, "slot#");
    return items.filter((i) => Number(i.expires_at_ms?.N ?? 0) > now);
  }

  async query(table, hashKey, rangeKey, poolKey, prefix) {
    const items = [];
    let start;
    do {
      const page = await this.call("Query", {
        TableName: table, ConsistentRead: true, ExclusiveStartKey: start,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :p)",
        ExpressionAttributeNames: { "#pk": hashKey, "#sk": rangeKey },
        ExpressionAttributeValues: { ":pk": { S: poolKey }, ":p": { S: prefix } },
      });
      items.push(...page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async scanAll(table) {
    const items = [];
    let start;
    do {
      const page = await this.call("Scan", { TableName: table, ConsistentRead: true, ExclusiveStartKey: start });
      items.push(...page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async stop() {
    if (this.shared) await Promise.all([...this.created].map((t) => this.call("DeleteTable", { TableName: t }).catch(() => {})));
    if (this.child) await stopPeerProcess(this.child);
  }
}
