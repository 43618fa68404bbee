// DynamoDB Local, started by the C# launcher, and the few calls the tests make to it (the table's
// own view of the leases a pool holds).
import { startPeerProcess, stopPeerProcess } from "./peer-process.mjs";

export class DynamoDbLocal {
  /**
   * DynamoDB Local through the C# launcher (tests/LocalPeers/DynamoDbPeer.cs): the jar, a container, or AWS_ENDPOINT_URL_DYNAMODB.
   * `latency: [delayMs, jitterMs]` also starts the latency model in front of it (DynamoDbFaultProxy):
   * `latencyEndpoint` delays every request by delayMs plus a uniform 0–jitterMs; `endpoint` stays direct.
   */
  static async start({ latency } = {}) {
    const { child, value } = await startPeerProcess(["--dynamodb", ...(latency ? ["--latency", latency.join(",")] : [])], "dynamodb ");
    const [endpoint, proxied] = value.split(" latency=");
    return new DynamoDbLocal(endpoint, child, proxied);
  }

  constructor(endpoint, child, latencyEndpoint) { this.endpoint = endpoint; this.child = child; this.latencyEndpoint = latencyEndpoint; }

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

  /** A table with string keys; `rangeKey: null` for a hash key alone. */
  async createTable(name, { hashKey = "PK", rangeKey = "SK" } = {}) {
    const tables = (await this.call("ListTables", {})).TableNames;
    if (tables.includes(name)) return;
    const keys = [[hashKey, "HASH"], ...(rangeKey ? [[rangeKey, "RANGE"]] : [])];
    await this.call("CreateTable", {
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map(([n]) => ({ AttributeName: n, AttributeType: "S" })),
      KeySchema: keys.map(([n, type]) => ({ AttributeName: n, KeyType: type })),
    });
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

  stop() { return stopPeerProcess(this.child); }
}
