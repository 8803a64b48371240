/**
 * Webhook benchmark: the core vs the seed article's webhook vs a floor, on one 10,000-record
 * request, in one process, as ratios (this machine is noisy; absolute times are for orientation).
 */
import * as bson from "bson";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { runInThisContext } from "node:vm";
import { roundRatios, runInterleaved, type Task } from "./interleaved";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { parseExtendedJson } from "../src/core/ejson/parse-extended-json";
import { receiveFirehoseDelivery } from "../src/core/firehose/receive-delivery";
import type { DataSourcePort } from "../src/core/ports";
import { buildDeliveryBody, checkRecord } from "./firehose-request";

const BASELINE = resolve(import.meta.dirname, "..", "..", "shared", "baselines", "seed-firehose-webhook.js");
const KEY = "bench-access-key";

export interface FirehoseBenchResult {
  /** Ratios are medians of per-round ratios (each round times every task back to back). */
  rows: { name: string; p50ms: number; ratioToFloor: number; ratioP25: number; ratioP75: number }[];
  baselineOverCore?: { median: number; p25: number; p75: number };
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
      name: "floor + types: the floor with our Extended JSON parser",
      run: () => {
        for (const record of body.records) parseExtendedJson(Buffer.from(record.data, "base64").toString("utf8"), nodeBson);
      },
    },
    {
      name: "floor + types, the library's way: the floor with EJSON.parse",
      run: () => {
        for (const record of body.records) bson.EJSON.parse(Buffer.from(record.data, "base64").toString("utf8"), { relaxed: false });
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
  const result = await runInterleaved(tasks, { rounds: options.rounds ?? 15, warmup: 3 });
  const floor = tasks[0].name;
  const rows = tasks.map((task) => {
    const ratio = roundRatios(result, task.name, floor);
    return { name: task.name, p50ms: result.medians.get(task.name)!, ratioToFloor: ratio.median, ratioP25: ratio.p25, ratioP75: ratio.p75 };
  });
  const core = tasks.find((task) => task.name.startsWith("core:"))!.name;
  const baselineName = tasks.find((task) => task.name.startsWith("baseline"))?.name;
  const baselineOverCore = baselineName ? roundRatios(result, baselineName, core) : undefined;
  return { rows, baselineOverCore, recordBytes: Math.round(bodyBytes.length / count / 1.37) };
}
