/**
 * The webhook's cost of a reconcile: the reads of 10,000 documents applied as a reconcile (read
 * marks, the closing, the check that every read is in, the sweep with its floor) beside the same
 * reads as a plain snapshot, into a mirror that holds those documents plus 100 the source no longer
 * has. Each run starts from the same prepared store (not timed); rounds alternate the tasks in one
 * process and report medians and ratios.
 */
import { EJSON, ObjectId, Timestamp } from "bson";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../src/core/firehose/request";
import { EmbeddedStore } from "../src/embedded/store";

const DOCUMENTS = 10_000;
const GONE = 100;
const KEY = "bench-access-key";
const silent = { info() {}, warn() {}, error() {} };
const R0 = new Timestamp({ t: 1763771200, i: 1 });
const ns = { db: "app", coll: "readings" };

function content(n: number, id: ObjectId) {
  return {
    _id: id,
    sensor: `pi-${n % 50}`,
    reading: n * 0.25,
    count: n,
    tags: ["a", "b"],
    at: new Date(1763771100000 + n),
  };
}

function request(requestId: string, texts: string[]): FirehoseDeliveryRequest {
  const records = texts.map((text) => ({ data: Buffer.from(text).toString("base64") }));
  return {
    method: "POST",
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": KEY },
    body: Buffer.from(JSON.stringify({ requestId, timestamp: 1, records })),
  };
}

const id = (n: number) => new ObjectId(n.toString(16).padStart(24, "0"));

/** The deliveries of each task: the reads alone, or with marks and the closing (first, so every delivery checks). */
function workloads(): { name: string; requests: FirehoseDeliveryRequest[]; left: number }[] {
  const read = (n: number, mark: boolean) =>
    EJSON.stringify(
      {
        operationType: "read",
        clusterTime: R0,
        wallTime: new Date(1763771200000),
        ns,
        documentKey: { _id: id(n) },
        fullDocument: content(n, id(n)),
        ...(mark ? { _akb: { reconcile: { id: "bench", part: 0, seq: n } } } : {}),
      },
      { relaxed: false },
    );
  const closing = EJSON.stringify(
    {
      operationType: "reconcile",
      clusterTime: R0,
      wallTime: new Date(1763771200000),
      ns,
      _akb: { reconcile: { id: "bench", part: 0, parts: 1, sent: DOCUMENTS, ranges: [[0, DOCUMENTS]] } },
    },
    { relaxed: false },
  );
  const reads = (mark: boolean) => Array.from({ length: DOCUMENTS }, (_, n) => read(n, mark));
  const tenths = (texts: string[], prefix: string) =>
    Array.from({ length: 10 }, (_, k) =>
      request(`${prefix}-${k}`, texts.slice((k * texts.length) / 10, ((k + 1) * texts.length) / 10)),
    );
  return [
    // A plain snapshot leaves the 100 lost documents; a reconcile removes them.
    {
      name: "plain snapshot: 10,000 reads, one delivery (reference)",
      requests: [request("plain", reads(false))],
      left: DOCUMENTS + GONE,
    },
    {
      name: "reconcile: 10,000 reads + closing, one delivery",
      requests: [request("reconcile", [...reads(true), closing])],
      left: DOCUMENTS,
    },
    {
      name: "plain snapshot: 10 deliveries of 1,000 reads",
      requests: tenths(reads(false), "plain"),
      left: DOCUMENTS + GONE,
    },
    {
      name: "reconcile: closing first, then 10 deliveries of 1,000",
      requests: [request("closing", [closing]), ...tenths(reads(true), "reconcile")],
      left: DOCUMENTS,
    },
  ];
}

/** A mirror as change events left it: the 10,000 documents at older positions, and 100 the source lost. */
async function preparedStore(): Promise<EmbeddedStore> {
  const store = new EmbeddedStore();
  const documents = [];
  for (let n = 0; n < DOCUMENTS + GONE; n++)
    documents.push({ ...content(n, id(n)), _akb: { pos: `6920000000000001:82${n}`, ns: `${ns.db}.${ns.coll}` } });
  await store.db("monitors").collection("firehose").insertMany(documents);
  return store;
}

async function applyOnce({ requests, left }: { requests: FirehoseDeliveryRequest[]; left: number }): Promise<number> {
  const store = await preparedStore();
  const values: Record<string, unknown> = { FIREHOSE_ACCESS_KEY: KEY };
  const deps: FirehoseDeliveryDeps = {
    config: readFirehoseConfig((name) => values[name]),
    dataSource: store,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: silent,
  };
  const started = process.hrtime.bigint();
  for (const one of requests) {
    const response = await receiveFirehoseDelivery(one, deps);
    if (response.status !== 200) throw new Error(`bench delivery answered ${response.status}: ${response.body}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const held = await store.db("monitors").collection("firehose").countDocuments();
  if (held !== left) throw new Error(`bench mirror holds ${held} documents, not ${left}`);
  return ms;
}

export interface ReconcileBench {
  rounds: number;
  rows: { name: string; p50ms: number; ratio: number }[];
}

export async function benchReconcile(options: { rounds: number }): Promise<ReconcileBench> {
  const loads = workloads();
  const times = loads.map(() => [] as number[]);
  for (const load of loads) await applyOnce(load); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < loads.length; k++) {
      const i = (k + round) % loads.length;
      times[i].push(await applyOnce(loads[i]));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  // Each reconcile is compared with the plain snapshot delivered the same way (the row before it).
  return {
    rounds: options.rounds,
    rows: loads.map((load, i) => ({
      name: load.name,
      p50ms: median(times[i]),
      ratio: median(times[i]) / median(times[i - (i % 2)]),
    })),
  };
}
