/**
 * `npm start`: runs the webhook locally on the embedded store and feeds it real Firehose deliveries
 * (gzip and plain, with one bad record) so a new user sees it work with no set-up. `--once` exits
 * after the demo; otherwise the server keeps listening until Ctrl-C.
 */
import { EJSON, ObjectId } from "bson";
import { randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { createFirehoseServer } from "../adapters/node-http/firehose-server";
import { firehoseDepsFromEnv } from "../adapters/mongodb/env-deps";
import { EmbeddedStore } from "../embedded/store";

function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function reading(node: string, i: number) {
  return {
    _id: new ObjectId(),
    node,
    humidity: 40 + Math.random() * 10,
    temperature: 18 + Math.random() * 6,
    pressure: 1000 + Math.random() * 30,
    movement: i % 4 === 0,
    acceleration: { x: Math.random() / 10, y: Math.random() / 10, z: 9.81 },
    recordedAt: new Date(),
  };
}

async function main(): Promise<void> {
  const once = process.argv.includes("--once");
  // A throwaway key for this run only; set FIREHOSE_ACCESS_KEY to send deliveries of your own.
  const accessKey = process.env.FIREHOSE_ACCESS_KEY || randomBytes(24).toString("hex");
  const store = new EmbeddedStore();
  const deps = firehoseDepsFromEnv({ ...process.env, FIREHOSE_ACCESS_KEY: accessKey }, store);
  const server = createFirehoseServer({ deps, storeDescription: store.description });
  const port = await server.listen(Number(process.env.PORT) || 0, "127.0.0.1");
  const url = `http://127.0.0.1:${port}/firehose`;
  console.log(`Firehose webhook on ${url} using the ${store.description}`);

  for (const [n, gzip] of [[0, false], [1, true]] as const) {
    const requestId = randomUUID();
    const records = Array.from({ length: 5 }, (_, i) => ({
      data: Buffer.from(EJSON.stringify(reading(`pi-zürich-${n}`, i), { relaxed: false })).toString("base64"),
    }));
    if (n === 1) records.push({ data: Buffer.from("not json at all").toString("base64") });
    const json = Buffer.from(JSON.stringify({ requestId, timestamp: Date.now(), records }));
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "X-Amz-Firehose-Protocol-Version": "1.0",
      "X-Amz-Firehose-Request-Id": requestId,
      "X-Amz-Firehose-Access-Key": accessKey,
    };
    if (gzip) headers["Content-Encoding"] = "gzip";
    const response = await post(url, headers, gzip ? gzipSync(json) : json);
    console.log(`delivery ${requestId} (${records.length} records${gzip ? ", gzip" : ""}) -> ${response.status} ${response.body}`);
  }
  const stored = await store.db(deps.config.database).collection(deps.config.collection).countDocuments();
  const dead = await store.db(deps.config.database).collection(deps.config.deadLetterCollection).countDocuments();
  console.log(`${deps.config.database}.${deps.config.collection}: ${stored} documents; ${deps.config.deadLetterCollection}: ${dead} dead letter(s)`);

  if (once) {
    await server.stop();
    return;
  }
  console.log("Listening until Ctrl-C.");
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
