/**
 * The emulator's own pace, the ceiling for everything local: sequential signed PutRecord calls (one
 * at a time, as an ordered trigger puts), and PutRecords of 500 records (as a backfill puts), with
 * records of the sizes the other benchmarks use. Measured in the same run as what is compared to it.
 */
import type { KinesisEmulator } from "../src/local/kinesis-emulator";
import { emulatorClient } from "./harness";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../src/core/capture/config";
import { buildKinesisRecord } from "../src/core/capture/publish/kinesis-record";

export interface EmulatorRates {
  putRecordPerSecond: number;
  putRecordsRecordsPerSecond: number;
}

export async function benchEmulatorRates(
  emulator: KinesisEmulator,
  calls: number,
  batches: number,
): Promise<EmulatorRates> {
  // Each measurement on a stream of its own (an emulator's calls can slow as a stream fills), after
  // a warm-up on a third, so neither rate pays for the emulator's start.
  const client = async (stream: string) => {
    await emulator.createStream(stream, 4);
    return emulatorClient(emulator, stream);
  };
  const warm = await client("bench-emulator-warm-up");
  const payload = (i: number, bytes: number) =>
    Buffer.from(JSON.stringify({ i, pad: "x".repeat(bytes) })).toString("base64");
  for (let i = 0; i < 300; i++) await warm.putRecord({ Data: payload(i, 700), PartitionKey: `k${i}` });
  const single = await client("bench-emulator-put-record");
  let started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await single.putRecord({ Data: payload(i, 700), PartitionKey: `k${i}` });
  const putRecordPerSecond = calls / (Number(process.hrtime.bigint() - started) / 1e9);
  // The records a backfill of the benchmark's documents puts (benchBackfill), so the rates compare:
  // one document each, every one with its own _id and so its own partition key.
  const config = readCaptureConfig(() => undefined);
  const batchOf = (b: number) =>
    Array.from({ length: 500 }, (_, k) => {
      const i = b * 500 + k;
      const document = { _id: i, total: i * 1.25, customer: `client n° ${i}`, at: new Date() };
      const event = {
        operationType: "read",
        wallTime: new Date(),
        ns: { db: "app", coll: "orders" },
        documentKey: { _id: i },
        fullDocument: document,
      };
      const record = buildKinesisRecord(event, config, nodeBson);
      return { Data: Buffer.from(record.data).toString("base64"), PartitionKey: record.partitionKey };
    });
  for (let b = 0; b < 5; b++) await warm.putRecords(batchOf(batches + b));
  const prepared = Array.from({ length: batches }, (_, b) => batchOf(b));
  const batched = await client("bench-emulator-put-records");
  started = process.hrtime.bigint();
  for (const batch of prepared) {
    const result = await batched.putRecords(batch);
    if (result.FailedRecordCount > 0) throw new Error(`emulator refused ${result.FailedRecordCount} records`);
  }
  const putRecordsRecordsPerSecond = (batches * 500) / (Number(process.hrtime.bigint() - started) / 1e9);
  return { putRecordPerSecond, putRecordsRecordsPerSecond };
}
