import { EJSON, ObjectId, Timestamp } from "bson";
import fc from "fast-check";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../../src/core/capture/publish/kinesis-record";
import type { FirehoseDeliveryRequest } from "../../src/core/firehose/protocol/request";
import type { CollectionPort, DataSourcePort, Document, FindCursor } from "../../src/core/ports";
import { TEST_ACCESS_KEY } from "./firehose";

/**
 * A model of a source collection for the exact-mirror property: random histories of insert,
 * update, replace and delete per document, the change events they produce (with MongoDB's fields
 * and realistic resume tokens), and the source's final state to compare the mirror with.
 */
export type Step = { doc: number; op: "write" | "delete"; replace: boolean };
export type Encoding = "publisher" | "canonical" | "relaxed";

const ids: unknown[] = [
  new ObjectId("6565a1f0c2b4a1d2e3f40516"),
  "order-7",
  42,
  new ObjectId("6565a1f0c2b4a1d2e3f40517"),
];
const ns = { db: "app", coll: "orders" };
const captureConfig = readCaptureConfig(() => undefined);

export interface History {
  events: ChangeEvent[];
  /** The source collection at the end, by _id key. */
  final: Map<string, Document>;
}

export function buildHistory(steps: Step[]): History {
  const current = new Map<number, Document>();
  const events: ChangeEvent[] = [];
  let t = 1763771000;
  steps.forEach((step, n) => {
    const id = ids[step.doc % ids.length];
    const held = current.get(step.doc);
    // A transaction's events share a cluster time and differ by increment: every third step joins the last.
    const i = n % 3 === 2 ? 2 : 1;
    if (i === 1) t++;
    const clusterTime = new Timestamp({ t, i });
    const _id = { _data: `82${hex8(t)}${hex8(i)}2B042C0100296E5A1004${hex8(n)}` };
    const base = { _id, clusterTime, wallTime: new Date(t * 1000), ns, documentKey: { _id: id } };
    if (step.op === "delete") {
      if (!held) return;
      current.delete(step.doc);
      events.push({ ...base, operationType: "delete" });
      return;
    }
    const next: Document =
      step.replace || !held
        ? { _id: id, v: n, s: `text ${n}`, nested: { k: n * 2 } }
        : { ...held, v: n, extra: `u${n}` };
    current.set(step.doc, next);
    const operationType = !held ? "insert" : step.replace ? "replace" : "update";
    const event: ChangeEvent = { ...base, operationType, fullDocument: next };
    if (operationType === "update")
      event.updateDescription = { updatedFields: { v: n, extra: `u${n}` }, removedFields: [], truncatedArrays: [] };
    events.push(event);
  });
  const final = new Map<string, Document>();
  current.forEach((document) => final.set(key(document._id), document));
  return { events, final };
}

export function encodeEvent(event: ChangeEvent, encoding: Encoding): string {
  if (encoding === "publisher") return buildKinesisRecord(event, captureConfig, nodeBson).data;
  return EJSON.stringify(event, { relaxed: encoding === "relaxed" });
}

/** Deliveries as Firehose would send them: batches of records, each with its own request id. */
export function firehoseRequest(requestId: string, records: string[]): FirehoseDeliveryRequest {
  return {
    method: "POST",
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
    body: Buffer.from(
      JSON.stringify({
        requestId,
        timestamp: 1763771101456,
        records: records.map((text) => ({ data: Buffer.from(text).toString("base64") })),
      }),
    ),
  };
}

export const stepsArbitrary = fc.array(
  fc.record({
    doc: fc.nat({ max: 3 }),
    op: fc.constantFrom<"write" | "delete">("write", "write", "delete"),
    replace: fc.boolean(),
  }),
  { minLength: 1, maxLength: 24 },
);

/**
 * Every event at least once, some more than once, in a random order, cut into batches; some whole
 * deliveries are sent again with the same request id, as Firehose does after a lost answer.
 */
export const deliveryPlanArbitrary = (eventCount: number) =>
  fc.record({
    extra: fc.array(fc.nat({ max: Math.max(0, eventCount - 1) }), { maxLength: eventCount }),
    order: fc.array(fc.nat(), { minLength: eventCount * 2, maxLength: eventCount * 2 }),
    cuts: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: eventCount * 2, maxLength: eventCount * 2 }),
    resend: fc.array(fc.boolean(), { minLength: eventCount * 2, maxLength: eventCount * 2 }),
  });

export function planDeliveries(
  events: string[],
  plan: { extra: number[]; order: number[]; cuts: number[]; resend: boolean[] },
  prefix: string,
): FirehoseDeliveryRequest[] {
  const records = events.concat(plan.extra.filter((i) => i < events.length).map((i) => events[i]));
  const keyed = records.map((record, i) => ({ record, sortKey: plan.order[i % plan.order.length] * 1000 + i }));
  keyed.sort((a, b) => a.sortKey - b.sortKey);
  const requests: FirehoseDeliveryRequest[] = [];
  for (let start = 0, n = 0; start < keyed.length; n++) {
    const end = Math.min(keyed.length, start + plan.cuts[n % plan.cuts.length]);
    const request = firehoseRequest(
      `${prefix}-${n}`,
      keyed.slice(start, end).map((k) => k.record),
    );
    requests.push(request);
    if (plan.resend[n % plan.resend.length]) requests.push(request);
    start = end;
  }
  return requests;
}

/** Canonical Extended JSON of a mirror's documents without the position field, by _id key. */
export function mirrorState(documents: Document[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const { _akb: _position, ...document } of documents) out.set(key(document._id), canonical(document));
  return out;
}

export function sourceState(history: History): Map<string, unknown> {
  const out = new Map<string, unknown>();
  history.final.forEach((document, id) => out.set(id, canonical(document)));
  return out;
}

/**
 * A data source whose every database call waits for the fast-check scheduler first, so concurrent
 * deliveries interleave at every await in whatever order the scheduler draws.
 */
export function scheduledDataSource(source: DataSourcePort, scheduler: fc.Scheduler): DataSourcePort {
  const gate = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    await scheduler.schedule(Promise.resolve(label), label);
    return run();
  };
  const wrap = (collection: CollectionPort, name: string): CollectionPort => ({
    bulkWrite: (operations, options) => gate(`${name}.bulkWrite`, () => collection.bulkWrite(operations, options)),
    findOne: (filter, options) => gate(`${name}.findOne`, () => collection.findOne(filter, options)),
    find(filter, options) {
      const cursor = collection.find(filter, options);
      const wrapped: FindCursor = {
        sort: (spec) => (cursor.sort(spec), wrapped),
        limit: (count) => (cursor.limit(count), wrapped),
        toArray: () => gate(`${name}.find`, () => cursor.toArray()),
      };
      return wrapped;
    },
    updateOne: (filter, update, options) =>
      gate(`${name}.updateOne`, () => collection.updateOne(filter, update, options)),
    deleteMany: (filter) => gate(`${name}.deleteMany`, () => collection.deleteMany(filter)),
    countDocuments: (filter) =>
      gate(`${name}.count`, () => (collection.countDocuments ? collection.countDocuments(filter) : Promise.resolve(0))),
  });
  return { db: (db) => ({ collection: (coll) => wrap(source.db(db).collection(coll), `${db}.${coll}`) }) };
}

function canonical(document: Document): unknown {
  return JSON.parse(EJSON.stringify(document, { relaxed: false }));
}

function key(id: unknown): string {
  return EJSON.stringify({ id }, { relaxed: false });
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, "0");
}
