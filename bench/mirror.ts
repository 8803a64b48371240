/**
 * The cost of the exact-mirror protocol: 10,000 change events applied through the webhook core to
 * the embedded store, beside 10,000 plain documents of the same content (the reference). Rounds
 * alternate the tasks in one process, each on a fresh store, and report medians and the ratio.
 */
import { EJSON, ObjectId, Timestamp } from "bson";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../src/core/capture/envelope";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../src/core/firehose/request";
import { EmbeddedStore } from "../src/embedded/store";

const RECORDS = 10_000;
const KEY = "bench-access-key";
const silent = { info() {}, warn() {}, error() {} };

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
    if (withDocument) change.fullDocument = content(n, id);
    return buildKinesisRecord(change, config, nodeBson).data;
  };
  const plain = ids.map((id, n) => EJSON.stringify(content(n, id), { relaxed: false }));
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
    { name: "plain documents (reference)", request: request("plain", plain) },
    { name: "change events: inserts", request: request("inserts", inserts) },
    { name: "change events: insert, update, update, delete", request: request("mixed", mixed) },
  ];
}

async function applyOnce(request: FirehoseDeliveryRequest): Promise<number> {
  const store = new EmbeddedStore();
  const values: Record<string, unknown> = { FIREHOSE_ACCESS_KEY: KEY };
  const deps: FirehoseDeliveryDeps = {
    config: readFirehoseConfig((name) => values[name]),
    dataSource: store,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: silent,
  };
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
  const times = loads.map(() => [] as number[]);
  for (const load of loads) await applyOnce(load.request); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no task always runs first.
    for (let k = 0; k < loads.length; k++) {
      const i = (k + round) % loads.length;
      times[i].push(await applyOnce(loads[i].request));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const reference = median(times[0]);
  return {
    rounds: options.rounds,
    rows: loads.map((load, i) => ({ name: load.name, p50ms: median(times[i]), ratio: median(times[i]) / reference })),
  };
}
