/**
 * Webhook benchmark: the core vs the seed article's webhook vs a floor, on one 10,000-record
 * request, in one process, as ratios (this machine is noisy; absolute times are for orientation).
 */
import * as bson from "bson";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runInThisContext } from "node:vm";
import { runInterleaved, type Task } from "./interleaved";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { decodeRecord } from "../src/core/firehose/decode-record";
import { planWrites } from "../src/core/firehose/plan-writes";
import { receiveFirehoseDelivery } from "../src/core/firehose/receive-delivery";
import type { DataSourcePort } from "../src/core/ports";
import { buildDeliveryBody, checkRecord } from "./firehose-request";

const BASELINE = resolve(import.meta.dirname, "..", "..", "shared", "baselines", "seed-firehose-webhook.js");
const KEY = "bench-access-key";

export interface FirehoseBenchResult {
  rows: { name: string; p50ms: number; ratioToFloor: number }[];
  recordBytes: number;
}

/** A data source whose writes cost nothing, so the benchmark times the webhook's own work. */
const nullDataSource: DataSourcePort = {
  db: () => ({
    collection: () => ({
      bulkWrite: async () => null,
      findOne: async () => null,
      find() {
        const cursor = { sort: () => cursor, limit: () => cursor, toArray: async () => [] };
        return cursor;
      },
      updateOne: async () => null,
      deleteMany: async () => null,
    }),
  }),
};

function loadBaseline(): ((payload: unknown, response: unknown) => Promise<void>) | undefined {
  if (!existsSync(BASELINE)) return undefined;
  const source = readFileSync(BASELINE, "utf8");
  const noopBulk = () => ({ find: () => ({ upsert: () => ({ updateOne: () => undefined }) }), execute: async () => null });
  const context = {
    values: { get: (name: string) => (name === "FIREHOSE_ACCESS_KEY" ? KEY : undefined) },
    services: { get: () => ({ db: () => ({ collection: () => ({ initializeOrderedBulkOp: noopBulk }) }) }) },
  };
  const wrapper = runInThisContext(`(function (context, BSON) { var exports; ${source}\n; return exports; })`, { filename: BASELINE });
  return wrapper(context, bson);
}

export async function benchFirehose(options: { records?: number; rounds?: number } = {}): Promise<FirehoseBenchResult> {
  const count = options.records ?? 10_000;
  const body = buildDeliveryBody(count);
  checkRecord(body.records[0].data);
  const bodyBytes = Buffer.from(JSON.stringify(body));
  const headers = { "X-Amz-Firehose-Request-Id": body.requestId, "X-Amz-Firehose-Access-Key": KEY, "Content-Type": "application/json" };
  const deps = {
    config: readFirehoseConfig((name) => (name === "FIREHOSE_ACCESS_KEY" ? KEY : undefined)),
    dataSource: nullDataSource,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const baseline = loadBaseline();
  const parsedRecords = (JSON.parse(bodyBytes.toString("utf8")) as typeof body).records;
  const tasks: Task[] = [
    {
      name: "floor: base64 decode + JSON.parse per record",
      run: () => {
        for (const record of body.records) JSON.parse(Buffer.from(record.data, "base64").toString("utf8"));
      },
    },
    {
      name: "floor + body: the same plus parsing the request body",
      run: () => {
        const parsed = JSON.parse(bodyBytes.toString("utf8")) as typeof body;
        for (const record of parsed.records) JSON.parse(Buffer.from(record.data, "base64").toString("utf8"));
      },
    },
    {
      name: "core, per-record stage: decodeRecord + planWrites (what the floor does, plus types)",
      run: () => {
        for (let start = 0; start < parsedRecords.length; start += 1000) {
          const decoded = [];
          for (let i = start; i < Math.min(start + 1000, parsedRecords.length); i++) decoded.push(decodeRecord(parsedRecords[i], i, nodeBson));
          planWrites(decoded, body.requestId, nodeBson, deps.config.routing, 0);
        }
      },
    },
    {
      name: "core: receiveFirehoseDelivery (body, decode, EJSON types, plan, respond)",
      run: async () => {
        const response = await receiveFirehoseDelivery({ method: "POST", headers, body: bodyBytes }, deps);
        if (response.status !== 200) throw new Error(`core answered ${response.status}: ${response.body}`);
      },
    },
  ];
  if (baseline) {
    // App Services' BSON.Binary has text(); bson's does not, so the request body is given that shape.
    const binary = { text: () => bodyBytes.toString("utf8") };
    const payload = { headers: { "X-Amz-Firehose-Access-Key": KEY, "X-Amz-Firehose-Request-Id": [body.requestId] }, body: binary };
    const response = { addHeader: () => undefined, setStatusCode: () => undefined, setBody: () => undefined };
    tasks.push({ name: "baseline: the seed article's webhook", run: () => baseline(payload, response) });
  }
  const medians = await runInterleaved(tasks, { rounds: options.rounds ?? 15, warmup: 3 });
  const floor = medians.get(tasks[0].name)!;
  const rows = tasks.map((task) => ({ name: task.name, p50ms: medians.get(task.name)!, ratioToFloor: medians.get(task.name)! / floor }));
  return { rows, recordBytes: Math.round(bodyBytes.length / count / 1.37) };
}
