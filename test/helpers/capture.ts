import { EJSON } from "bson";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../src/core/capture/config";
import type { ChangeEvent } from "../../src/core/capture/publish/kinesis-record";
import {
  KinesisError,
  type KinesisPort,
  type KinesisRecordEntry,
  type PutRecordsResult,
} from "../../src/core/kinesis/port";
import { EmbeddedStore } from "../../src/embedded/store";
import type { KinesisEmulator } from "../../src/local/kinesis-emulator";
import { recordingLogger } from "./firehose";

export function readChangeEvent(name: string): ChangeEvent {
  const text = readFileSync(join(import.meta.dirname, "..", "fixtures", "change-events", `${name}.json`), "utf8");
  return EJSON.parse(text, { relaxed: false }) as ChangeEvent;
}

export const throttled = () =>
  new KinesisError("ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000", true, 400);
export const accessDenied = () =>
  new KinesisError("AccessDeniedException", "not authorized to perform kinesis:PutRecord", false, 400);

type Behaviour = "ok" | Error | ((entries: readonly KinesisRecordEntry[]) => PutRecordsResult);

/**
 * A scripted Kinesis: each call takes the next behaviour ("ok" once the script runs out) and every
 * accepted record is kept, in order, as the stream would hold it.
 */
export function fakeKinesis(script: Behaviour[] = []) {
  const calls: { operation: string; entries: KinesisRecordEntry[] }[] = [];
  const stream: KinesisRecordEntry[] = [];
  let sequence = 0;
  const next = (): Behaviour => (script.length > 0 ? (script.shift() as Behaviour) : "ok");
  const port: KinesisPort = {
    async putRecord(entry) {
      calls.push({ operation: "PutRecord", entries: [entry] });
      const behaviour = next();
      if (behaviour instanceof Error) throw behaviour;
      stream.push(entry);
      return { SequenceNumber: String(++sequence), ShardId: "shardId-000000000000" };
    },
    async putRecords(entries) {
      calls.push({ operation: "PutRecords", entries: [...entries] });
      const behaviour = next();
      if (behaviour instanceof Error) throw behaviour;
      const result: PutRecordsResult =
        behaviour === "ok"
          ? { FailedRecordCount: 0, Records: entries.map(() => ({ SequenceNumber: "x", ShardId: "s" })) }
          : behaviour(entries);
      result.Records.forEach((r, i) => {
        if (!r.ErrorCode) stream.push(entries[i]);
      });
      return result;
    },
  };
  return {
    port,
    calls,
    stream,
    decoded: () => stream.map((e) => EJSON.parse(Buffer.from(e.Data, "base64").toString("utf8"), { relaxed: false })),
  };
}

/** A clock that only moves when the code under test sleeps, so retry schedules are exact. */
export function fakeTime(start = 1763771100000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    sleeps,
  };
}

export function makeCaptureDeps(
  options: {
    values?: Record<string, unknown>;
    kinesis?: KinesisPort;
    store?: EmbeddedStore;
    random?: () => number;
  } = {},
) {
  const store = options.store ?? new EmbeddedStore();
  const config = readCaptureConfig((name) => options.values?.[name]);
  const time = fakeTime();
  const logger = recordingLogger();
  const outboxDb = store.db(config.outboxDatabase);
  return {
    store,
    time,
    config,
    kinesis: options.kinesis ?? fakeKinesis().port,
    outbox: outboxDb.collection(config.outboxCollection),
    status: outboxDb.collection(config.statusCollection),
    heartbeat: store.db(config.heartbeatDatabase).collection(config.heartbeatCollection),
    signals: store.db(config.signalDatabase).collection(config.signalCollection),
    dataSource: store,
    bson: nodeBson,
    clock: time.clock,
    sleep: time.sleep,
    logger,
    random: options.random ?? (() => 0.5),
  };
}

/** The values that point the capture functions at `stream` in a local emulator, with short retry delays. */
export function emulatorValues(emulator: KinesisEmulator, stream: string, endpoint = emulator.endpoint) {
  return {
    KINESIS_STREAM_NAME: stream,
    KINESIS_ENDPOINT: endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
    KINESIS_RETRY_BASE_MS: 5,
    KINESIS_RETRY_MAX_MS: 20,
  };
}
