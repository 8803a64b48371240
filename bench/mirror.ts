/**
 * The cost of the exact-mirror protocol: 10,000 change events applied through the webhook core to
 * the embedded store, beside 10,000 plain documents of the same content (the reference). Rounds
 * alternate the tasks in one process, each on a fresh store, and report medians and the ratio.
 */
import { EJSON, ObjectId, Timestamp } from "bson";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../src/core/capture/publish/kinesis-record";
import { receiveFirehoseDelivery } from "../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../src/core/firehose/protocol/request";
import { EmbeddedStore } from "../src/embedded/store";
import { deliveryRequest, readingDocument } from "./firehose-request";
import { embeddedWebhookDeps, timeInRotation } from "./harness";
import { median } from "./isolated";

const RECORDS = 10_000;

/** Plain documents, change events that insert them, and a mix (insert, update, update, delete per document). */
function workloads(): { name: string; request: FirehoseDeliveryRequest }[] {
  const ids = Array.from({ length: RECORDS }, (_, n) => new ObjectId(n.toString(16).padStart(24, "0")));
  const config = readCaptureConfig(() => undefined);
  let t = 1763771100;
  const event = (operationType: string, id: ObjectId, n: number, withDocument: boolean): string => {
    t++;
    const change: ChangeEvent = {
      _id: { _data: `82${t.toString(16).toUpperCase()}000000012B042C0100` },
      operationType,
      clusterTime: new Timestamp({ t, i: 1 }),
      wallTime: new Date(t * 1000),
      ns: { db: "app", coll: "readings" },
      documentKey: { _id: id },
    };
    if (withDocument) change.fullDocument = readingDocument(n, id);
    return buildKinesisRecord(change, config, nodeBson).data;
  };
  const plain = ids.map((id, n) => EJSON.stringify(readingDocument(n, id), { relaxed: false }));
  const inserts = ids.map((id, n) => event("insert", id, n, true));
  const mixed: string[] = [];
  for (let n = 0; n < RECORDS / 4; n++)
    mixed.push(
      event("insert", ids[n], n, true),
      event("update", ids[n], n + 1, true),
      event("update", ids[n], n + 2, true),
      event("delete", ids[n], n, false),
    );
  return [
    { name: "plain documents (reference)", request: deliveryRequest("plain", plain) },
    { name: "change events: inserts", request: deliveryRequest("inserts", inserts) },
    { name: "change events: insert, update, update, delete", request: deliveryRequest("mixed", mixed) },
  ];
}

async function applyOnce(request: FirehoseDeliveryRequest): Promise<number> {
  const deps = embeddedWebhookDeps(new EmbeddedStore());
  const started = process.hrtime.bigint();
  const response = await receiveFirehoseDelivery(request, deps);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`bench delivery answered ${response.status}: ${response.body}`);
  return ms;
}

export interface MirrorBench {
  rounds: number;
  rows: { name: string; p50ms: number; ratio: number }[];
}

export async function benchMirror(options: { rounds: number }): Promise<MirrorBench> {
  const loads = workloads();
  const times = await timeInRotation(loads, options.rounds, (load) => applyOnce(load.request));
  const reference = median(times[0]);
  return {
    rounds: options.rounds,
    rows: loads.map((load, i) => ({ name: load.name, p50ms: median(times[i]), ratio: median(times[i]) / reference })),
  };
}
