/**
 * One webhook benchmark task in a process of its own (see bench/firehose.ts): reads the request the
 * parent wrote, runs the task `warmup` times untimed and `timed` times timed, prints the median.
 */
import * as bson from "bson";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { decodeUtf8Run } from "../src/adapters/node/decode-utf8-run";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { parseExtendedJson } from "../src/core/ejson/parse-extended-json";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../src/core/firehose/receive-delivery";
import type { DataSourcePort } from "../src/core/ports";
import { median } from "./isolated";

export const KEY = "bench-access-key";

/** What each task does, by the name the parent prints. */
export const TASKS = {
  floor: "floor: base64 decode + JSON.parse per record",
  floorBody: "floor + body: the same plus parsing the request body",
  floorTypes: "floor + types: the floor with our Extended JSON parser",
  floorEjson: "floor + types, the library's way: the floor with EJSON.parse",
  coreNode: "core as Node hosts run it (npm run serve, Lambda)",
  coreAppServices: "core as App Services runs it (UTF-8 decoded record by record)",
  baseline: "baseline: the seed article's webhook",
} as const;
export type TaskName = keyof typeof TASKS;

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

function loadBaseline(path: string): (payload: unknown, response: unknown) => Promise<void> {
  const noopBulk = () => ({ find: () => ({ upsert: () => ({ updateOne: () => undefined }) }), execute: async () => null });
  const context = {
    values: { get: (name: string) => (name === "FIREHOSE_ACCESS_KEY" ? KEY : undefined) },
    services: { get: () => ({ db: () => ({ collection: () => ({ initializeOrderedBulkOp: noopBulk }) }) }) },
  };
  const wrapper = runInThisContext(`(function (context, BSON) { var exports; ${readFileSync(path, "utf8")}\n; return exports; })`, { filename: path });
  return wrapper(context, bson);
}

function makeTask(name: TaskName, bodyBytes: Buffer, baselinePath: string): () => unknown {
  const body = JSON.parse(bodyBytes.toString("utf8")) as { requestId: string; records: { data: string }[] };
  const headers = { "X-Amz-Firehose-Request-Id": body.requestId, "X-Amz-Firehose-Access-Key": KEY, "Content-Type": "application/json" };
  const deps: FirehoseDeliveryDeps = {
    config: readFirehoseConfig((variable) => (variable === "FIREHOSE_ACCESS_KEY" ? KEY : undefined)),
    dataSource: nullDataSource,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const runCore = async (coreDeps: FirehoseDeliveryDeps): Promise<void> => {
    const response = await receiveFirehoseDelivery({ method: "POST", headers, body: bodyBytes }, coreDeps);
    if (response.status !== 200) throw new Error(`core answered ${response.status}: ${response.body}`);
  };
  switch (name) {
    case "floor":
      return () => {
        for (const record of body.records) JSON.parse(Buffer.from(record.data, "base64").toString("utf8"));
      };
    case "floorBody":
      return () => {
        const parsed = JSON.parse(bodyBytes.toString("utf8")) as typeof body;
        for (const record of parsed.records) JSON.parse(Buffer.from(record.data, "base64").toString("utf8"));
      };
    case "floorTypes":
      return () => {
        for (const record of body.records) parseExtendedJson(Buffer.from(record.data, "base64").toString("utf8"), nodeBson);
      };
    case "floorEjson":
      return () => {
        for (const record of body.records) bson.EJSON.parse(Buffer.from(record.data, "base64").toString("utf8"), { relaxed: false });
      };
    case "coreNode":
      // The Node server and the Lambda pass a run decoder; App Services has none (see read-delivery.ts).
      return () => runCore({ ...deps, decodeUtf8Run });
    case "coreAppServices":
      return () => runCore(deps);
    case "baseline": {
      const baseline = loadBaseline(baselinePath);
      // App Services' BSON.Binary has text(); bson's does not, so the request body is given that shape.
      const payload = { headers: { "X-Amz-Firehose-Access-Key": KEY, "X-Amz-Firehose-Request-Id": [body.requestId] }, body: { text: () => bodyBytes.toString("utf8") } };
      const response = { addHeader: () => undefined, setStatusCode: () => undefined, setBody: () => undefined };
      return () => baseline(payload, response);
    }
  }
}

async function main(): Promise<void> {
  const [name, requestPath, baselinePath, warmup, timed] = process.argv.slice(2);
  const task = makeTask(name as TaskName, readFileSync(requestPath), baselinePath);
  const times: number[] = [];
  for (let run = 0; run < Number(warmup) + Number(timed); run++) {
    const started = process.hrtime.bigint();
    await task();
    if (run >= Number(warmup)) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  console.log(JSON.stringify({ medianMs: median(times) }));
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
