/** What the benchmarks share: one access key, a silent logger, clients of the emulator, deps, sources, rotation. */
import { nodeBson } from "../src/adapters/bson/node-bson";
import { createNodeTransport } from "../src/adapters/http/node-transport";
import { createKinesisClient } from "../src/adapters/kinesis/sigv4-client";
import { readFirehoseConfig } from "../src/core/firehose/config";
import type { CaptureConfig } from "../src/core/capture/config";
import type { FirehoseDeliveryDeps } from "../src/core/firehose/receive-delivery";
import type { KinesisPort } from "../src/core/kinesis/port";
import type { DataSourcePort, Logger } from "../src/core/ports";
import { reportDetail } from "../src/cli/progress";
import { realSleep } from "../src/core/retry";
import { EmbeddedStore } from "../src/embedded/store";
import type { KinesisEmulator } from "../src/local/kinesis-emulator";
import { applyRecordsInProcess } from "../src/core/firehose/apply/apply-records";

/** The access key every benchmark's deliveries carry and its webhook expects. */
export const BENCH_ACCESS_KEY = "bench-access-key";

/** Benchmarks time the work, not the writing of log lines. */
export const quietLogger: Logger = { info() {}, warn() {}, error() {} };

/** A Kinesis client of one of the emulator's streams, over real HTTP with SigV4. */
export function emulatorClient(emulator: KinesisEmulator, streamName: string, timeoutMs = 30_000) {
  return createKinesisClient(
    { streamName, region: emulator.region, ...emulator.credentials, endpoint: emulator.endpoint, timeoutMs },
    createNodeTransport(),
  );
}

/** A data source whose writes cost nothing and whose reads find nothing, so a benchmark times the code's own work. */
export function nullDataSource(): DataSourcePort {
  const cursor = {
    sort: () => cursor,
    limit: () => cursor,
    project: () => cursor,
    toArray: async () => [],
  };
  const collection = {
    bulkWrite: async () => ({ matchedCount: 0, upsertedCount: 0, modifiedCount: 0, deletedCount: 0 }),
    findOne: async () => null,
    find: () => cursor,
    updateOne: async () => ({ matchedCount: 0 }),
    deleteMany: async () => ({ deletedCount: 0 }),
    insertOne: async () => ({}),
    aggregate: () => ({ toArray: async () => [] }),
    count: async () => 0,
    countDocuments: async () => 0,
  };
  return { db: () => ({ collection: () => collection }) };
}

/** The webhook core's dependencies for deliveries into `store`, expecting the bench's access key. */
export function embeddedWebhookDeps(store: EmbeddedStore): FirehoseDeliveryDeps {
  return {
    config: readFirehoseConfig((name) => (name === "FIREHOSE_ACCESS_KEY" ? BENCH_ACCESS_KEY : undefined)),
    dataSource: store,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: quietLogger,
    applyRecords: applyRecordsInProcess,
  };
}

/** What every capture function needs, writing its outbox into `store` where `config` says. */
export function captureDeps(config: CaptureConfig, kinesis: KinesisPort, store: EmbeddedStore) {
  return {
    config,
    kinesis,
    bson: nodeBson,
    clock: { now: () => Date.now() },
    sleep: realSleep,
    logger: quietLogger,
    outbox: store.db(config.outboxDatabase).collection(config.outboxCollection),
  };
}

/** A new store whose `app.orders` holds `documents` orders, `_id` 0 upwards (the backfill benchmarks' source). */
export async function storeWithOrders(documents: number): Promise<EmbeddedStore> {
  const store = new EmbeddedStore();
  const orders = store.db("app").collection("orders");
  for (let start = 0; start < documents; start += 10_000) {
    await orders.insertMany(
      Array.from({ length: Math.min(10_000, documents - start) }, (_, k) => ({
        _id: start + k,
        total: (start + k) * 1.25,
        customer: `client n° ${start + k}`,
        at: new Date(),
      })),
    );
  }
  return store;
}

/**
 * Each task once to warm up, then `rounds` rounds of all of them in one process, the order rotated
 * each round so no task always runs first: the milliseconds `once` measured, per task.
 */
export async function timeInRotation<T>(
  tasks: readonly T[],
  rounds: number,
  once: (task: T) => Promise<number>,
): Promise<number[][]> {
  const times = tasks.map(() => [] as number[]);
  reportDetail("warm-up");
  for (const task of tasks) await once(task);
  for (let round = 0; round < rounds; round++) {
    reportDetail(`round ${round + 1} of ${rounds}`);
    for (let k = 0; k < tasks.length; k++) {
      const i = (k + round) % tasks.length;
      times[i].push(await once(tasks[i]));
    }
  }
  return times;
}
