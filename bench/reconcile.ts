/**
 * The webhook's cost of a reconcile: the reads of 10,000 documents applied as a reconcile (read
 * marks, the closing, the check that every read is in, the sweep with its floor) beside the same
 * reads as a plain snapshot, into a mirror that holds those documents plus 100 the source no longer
 * has. Each run starts from the same prepared store (not timed); rounds alternate the tasks in one
 * process and report medians and ratios.
 */
import { EJSON, ObjectId, Timestamp } from "bson";
import { receiveFirehoseDelivery } from "../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../src/core/firehose/protocol/request";
import { EmbeddedStore } from "../src/embedded/store";
import { deliveryRequest, readingDocument } from "./firehose-request";
import { embeddedWebhookDeps, timeInRotation } from "./harness";
import { median } from "./isolated";

const DOCUMENTS = 10_000;
const GONE = 100;
const R0 = new Timestamp({ t: 1763771200, i: 1 });
const ns = { db: "app", coll: "readings" };

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
        fullDocument: readingDocument(n, id(n)),
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
      deliveryRequest(`${prefix}-${k}`, texts.slice((k * texts.length) / 10, ((k + 1) * texts.length) / 10)),
    );
  return [
    // A plain snapshot leaves the 100 lost documents; a reconcile removes them.
    {
      name: "plain snapshot: 10,000 reads, one delivery (reference)",
      requests: [deliveryRequest("plain", reads(false))],
      left: DOCUMENTS + GONE,
    },
    {
      name: "reconcile: 10,000 reads + closing, one delivery",
      requests: [deliveryRequest("reconcile", [...reads(true), closing])],
      left: DOCUMENTS,
    },
    {
      name: "plain snapshot: 10 deliveries of 1,000 reads",
      requests: tenths(reads(false), "plain"),
      left: DOCUMENTS + GONE,
    },
    {
      name: "reconcile: closing first, then 10 deliveries of 1,000",
      requests: [deliveryRequest("closing", [closing]), ...tenths(reads(true), "reconcile")],
      left: DOCUMENTS,
    },
  ];
}

/** A mirror as change events left it: the 10,000 documents at older positions, and 100 the source lost. */
async function preparedStore(): Promise<EmbeddedStore> {
  const store = new EmbeddedStore();
  const documents = [];
  for (let n = 0; n < DOCUMENTS + GONE; n++)
    documents.push({
      ...readingDocument(n, id(n)),
      _akb: { pos: `6920000000000001:82${n}`, ns: `${ns.db}.${ns.coll}` },
    });
  await store.db("monitors").collection("firehose").insertMany(documents);
  return store;
}

async function applyOnce({ requests, left }: { requests: FirehoseDeliveryRequest[]; left: number }): Promise<number> {
  const store = await preparedStore();
  const deps = embeddedWebhookDeps(store);
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
  const times = await timeInRotation(loads, options.rounds, applyOnce);
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
