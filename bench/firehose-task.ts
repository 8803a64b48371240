/**
 * One webhook benchmark task in a process of its own (see bench/firehose.ts): reads the request the
 * parent wrote, runs the task and the floor `warmup` times untimed and `timed` times timed, in pairs,
 * and prints the medians and the task's ratio to the floor.
 */
import * as bson from "bson";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { decodeUtf8Run } from "../src/adapters/node/decode-utf8-run";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { parseExtendedJson } from "../src/core/ejson/parse-extended-json";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../src/core/firehose/receive-delivery";
import { BENCH_ACCESS_KEY, nullDataSource, quietLogger } from "./harness";
import { median } from "./isolated";
import { applyRecordsInProcess } from "../src/core/firehose/apply/apply-records";

/** What each task does, by the name the parent prints. */
export const TASKS = {
  floor: "floor: base64 decode + JSON.parse per record",
  floorBody: "floor + body: the same plus parsing the request body",
  floorTypes: "floor + types: the floor with our Extended JSON parser",
  floorEjson: "floor + types, the library's way: the floor with EJSON.parse",
  coreNode: "core as Node hosts run it (npm run serve, Lambda)",
  coreAppServices: "core as App Services runs it (UTF-8 decoded record by record)",
  coreNodeLongIntegers: "core as Node hosts run it, records with a relaxed Int64 > 2^53",
  baseline: "baseline: the seed article's webhook",
} as const;
export type TaskName = keyof typeof TASKS;

function loadBaseline(path: string): (payload: unknown, response: unknown) => Promise<void> {
  const noopBulk = () => ({
    find: () => ({ upsert: () => ({ updateOne: () => undefined }) }),
    execute: async () => null,
  });
  const context = {
    values: { get: (name: string) => (name === "FIREHOSE_ACCESS_KEY" ? BENCH_ACCESS_KEY : undefined) },
    services: { get: () => ({ db: () => ({ collection: () => ({ initializeOrderedBulkOp: noopBulk }) }) }) },
  };
  const wrapper = runInThisContext(
    `(function (context, BSON) { var exports; ${readFileSync(path, "utf8")}\n; return exports; })`,
    { filename: path },
  );
  return wrapper(context, bson);
}

function makeTask(name: TaskName, bodyBytes: Buffer, baselinePath: string): () => unknown {
  const body = JSON.parse(bodyBytes.toString("utf8")) as { requestId: string; records: { data: string }[] };
  const headers = {
    "X-Amz-Firehose-Request-Id": body.requestId,
    "X-Amz-Firehose-Access-Key": BENCH_ACCESS_KEY,
    "Content-Type": "application/json",
  };
  const deps: FirehoseDeliveryDeps = {
    config: readFirehoseConfig((variable) => (variable === "FIREHOSE_ACCESS_KEY" ? BENCH_ACCESS_KEY : undefined)),
    dataSource: nullDataSource(),
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: quietLogger,
    applyRecords: applyRecordsInProcess,
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
        for (const record of body.records)
          parseExtendedJson(Buffer.from(record.data, "base64").toString("utf8"), nodeBson);
      };
    case "floorEjson":
      return () => {
        for (const record of body.records)
          bson.EJSON.parse(Buffer.from(record.data, "base64").toString("utf8"), { relaxed: false });
      };
    case "coreNode":
    case "coreNodeLongIntegers": // run on the request with long integers (see firehose.ts)
      // The Node server and the Lambda pass a run decoder; App Services has none (see read-delivery.ts).
      return () => runCore({ ...deps, decodeUtf8Run });
    case "coreAppServices":
      return () => runCore(deps);
    case "baseline": {
      const baseline = loadBaseline(baselinePath);
      // App Services' BSON.Binary has text(); bson's does not, so the request body is given that shape.
      const payload = {
        headers: { "X-Amz-Firehose-Access-Key": BENCH_ACCESS_KEY, "X-Amz-Firehose-Request-Id": [body.requestId] },
        body: { text: () => bodyBytes.toString("utf8") },
      };
      const response = { addHeader: () => undefined, setStatusCode: () => undefined, setBody: () => undefined };
      return () => baseline(payload, response);
    }
  }
}

/** What a task process reports: its own median time, and its time over the floor's in the same process. */
export interface TaskReport {
  medianMs: number;
  floorMedianMs: number;
  /** The median over timed pairs of task time / floor time; 1 for the floor itself. */
  ratioToFloor: number;
}

/**
 * Runs the task and the floor in pairs, in alternating order, and reports the task's time over the
 * floor's pair by pair. A process's own speed varies by up to ±15 % from one process to the next
 * here, and a ratio taken inside one process cancels that out. The floor's garbage all dies young, so
 * it leaves the task nothing to collect; the other way round, the floor timed beside the core took
 * as long as the floor alone (medians 109-149 ms against 115-135 ms in a check of three rounds).
 */
async function main(): Promise<void> {
  const [name, requestPath, baselinePath, warmup, timed] = process.argv.slice(2);
  const bodyBytes = readFileSync(requestPath);
  const task = makeTask(name as TaskName, bodyBytes, baselinePath);
  const floor = name === "floor" ? undefined : makeTask("floor", bodyBytes, baselinePath);
  const time = async (run: () => unknown): Promise<number> => {
    const started = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const times: number[] = [];
  const floorTimes: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < Number(warmup) + Number(timed); pair++) {
    let taskMs: number;
    let floorMs: number;
    if (!floor) floorMs = taskMs = await time(task);
    else if (pair % 2 === 0) {
      floorMs = await time(floor);
      taskMs = await time(task);
    } else {
      taskMs = await time(task);
      floorMs = await time(floor);
    }
    if (pair < Number(warmup)) continue;
    times.push(taskMs);
    floorTimes.push(floorMs);
    ratios.push(taskMs / floorMs);
  }
  const report: TaskReport = {
    medianMs: median(times),
    floorMedianMs: median(floorTimes),
    ratioToFloor: median(ratios),
  };
  console.log(JSON.stringify(report));
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
