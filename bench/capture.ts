/**
 * Change-capture benchmarks: per-event cost of encode, sign and put against kinesis-local; backfill
 * throughput; the cost of capture options (exclude, mask, match) against none; each function's
 * deployed size next to an SDK-based alternative.
 */
import aws4 from "aws4";
import { ObjectId, Timestamp } from "bson";
import { build } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { reportDetail } from "../src/cli/progress";
import { readCaptureConfig } from "../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../src/core/capture/publish/kinesis-record";
import { shapeChangeEvent } from "../src/core/capture/shaping/shape-event";
import { publishChangeToKinesis } from "../src/core/capture/publish/publish-change";
import { runSnapshot } from "../src/core/capture/snapshot/snapshot";
import { EmbeddedStore } from "../src/embedded/store";
import type { KinesisEmulator } from "../src/local/kinesis-emulator";
import { captureDeps, emulatorClient, storeWithOrders } from "./harness";

const root = resolve(import.meta.dirname, "..");

/** Options as a capture list would give them: two excluded paths (one nested), one masked, a match every event passes. */
const OPTIONS_VALUES: Record<string, unknown> = {
  CAPTURE_OPTIONS: [
    {
      namespace: "monitors.reports",
      exclude: ["pressure", "acceleration.z"],
      mask: ["node"],
      match: '{"humidity": {"$gte": 0}, "movement": {"$in": [true, false]}}',
    },
    {
      namespace: "app.orders",
      exclude: ["at"],
      mask: ["customer"],
      match: '{"total": {"$gte": 0}}',
    },
  ],
  CAPTURE_MASK_KEY: "bench-mask-key-0123456789abcdef01234567",
};
const readConfig = (options: boolean) => readCaptureConfig((name) => (options ? OPTIONS_VALUES[name] : undefined));

function sampleEvent(i: number): ChangeEvent {
  const id = new ObjectId();
  return {
    _id: { _data: `8269210${i.toString(16).padStart(10, "0")}` },
    operationType: "update",
    clusterTime: new Timestamp({ t: 1763771100 + i, i: 1 }),
    wallTime: new Date(),
    ns: { db: "monitors", coll: "reports" },
    documentKey: { _id: id },
    fullDocument: {
      _id: id,
      node: `pi-${i % 50}-zürich`,
      humidity: 41.5,
      temperature: 21.25,
      pressure: 1013,
      movement: i % 2 === 0,
      acceleration: { x: 0.01, y: -0.02, z: 9.81 },
      recordedAt: new Date(),
    },
    updateDescription: { updatedFields: { humidity: 41.5 }, removedFields: [], truncatedArrays: [] },
  };
}

export async function benchPublish(emulator: KinesisEmulator, events: number) {
  const stream = "bench-publish";
  await emulator.createStream(stream, 2);
  const config = readCaptureConfig(() => undefined);
  const kinesis = emulatorClient(emulator, stream, 10_000);
  const store = new EmbeddedStore();
  const deps = {
    ...captureDeps(config, kinesis, store),
    status: store.db(config.outboxDatabase).collection(config.statusCollection),
  };
  const sample = Array.from({ length: events }, (_, i) => sampleEvent(i));
  const time = (fn: () => void) => {
    const started = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - started) / 1e3 / events;
  };
  const encodeUs = time(() => sample.forEach((e) => buildKinesisRecord(e, config, nodeBson)));
  const signUs = time(() =>
    sample.forEach((e) => {
      const record = buildKinesisRecord(e, config, nodeBson);
      const body = JSON.stringify({
        StreamName: stream,
        Data: Buffer.from(record.data).toString("base64"),
        PartitionKey: record.partitionKey,
      });
      aws4.sign(
        {
          host: "127.0.0.1",
          path: "/",
          method: "POST",
          service: "kinesis",
          region: "us-east-1",
          headers: { "X-Amz-Target": "Kinesis_20131202.PutRecord", "Content-Type": "application/x-amz-json-1.1" },
          body,
        },
        emulator.credentials,
      );
    }),
  );
  const withOptions = { ...deps, config: readConfig(true) };
  for (const e of sample.slice(0, 50)) await publishChangeToKinesis(e, deps); // warm-up
  for (const e of sample.slice(0, 50)) await publishChangeToKinesis(e, withOptions);
  // Options off and on in alternating quarters, so the emulator's drift over the run weighs on both alike.
  const spent = { off: 0n, on: 0n };
  const quarter = Math.ceil(events / 4);
  for (let start = 0; start < events; start += quarter) {
    reportDetail(`publishing one event at a time: ${start} of ${events} events`);
    for (const [which, d] of [
      ["off", deps],
      ["on", withOptions],
    ] as const) {
      const started = process.hrtime.bigint();
      for (const e of sample.slice(start, start + quarter)) {
        const outcome = await publishChangeToKinesis(e, d);
        if (outcome.result !== "put") throw new Error(`publish failed: ${JSON.stringify(outcome)}`);
      }
      spent[which] += process.hrtime.bigint() - started;
    }
  }
  const putUs = Number(spent.off) / 1e3 / events;
  const putWithOptionsUs = Number(spent.on) / 1e3 / events;
  return {
    events,
    encodeUs,
    signUs,
    putUs,
    putWithOptionsUs,
    bytes: buildKinesisRecord(sample[0], config, nodeBson).bytes,
  };
}

/**
 * What capture options add to the function's own work per event, as App Services runs it (values read
 * and options compiled on every call, then shape and encode), without any I/O: options off and on in
 * alternating rounds, medians of the rounds.
 */
export function benchCaptureOptions(events: number, rounds: number) {
  const sample = Array.from({ length: events }, (_, i) => sampleEvent(i));
  const perEvent = (options: boolean) => {
    const started = process.hrtime.bigint();
    for (const e of sample) {
      const config = readConfig(options);
      const shaped = options ? shapeChangeEvent(e, config, nodeBson) : e;
      if (shaped === null) throw new Error("the bench's match must pass every event");
      buildKinesisRecord(shaped, config, nodeBson);
    }
    return Number(process.hrtime.bigint() - started) / 1e3 / events;
  };
  perEvent(false); // warm-up
  perEvent(true);
  const off: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < rounds; round++) {
    off.push(perEvent(false));
    on.push(perEvent(true));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ratios = off.map((value, i) => on[i] / value);
  return { events, rounds, offUs: median(off), onUs: median(on), ratio: median(ratios) };
}

export async function benchBackfill(
  emulator: KinesisEmulator,
  documents: number,
  parallelism = 1,
  options = false,
  suffix = "",
) {
  const stream = `bench-backfill-${parallelism}${options ? "-options" : ""}${suffix}`;
  await emulator.createStream(stream, 4);
  const store = await storeWithOrders(documents);
  const config = readConfig(options);
  const kinesis = emulatorClient(emulator, stream);
  const signals = store.db(config.signalDatabase).collection(config.signalCollection);
  await signals.insertOne({
    _id: "bench",
    type: "execute-snapshot",
    data: { "data-collections": ["app.orders"], parallelism },
  });
  const started = Date.now();
  const run = await runSnapshot(
    "bench",
    { ...captureDeps(config, kinesis, store), dataSource: store, signals },
    Date.now() + 3_600_000,
  );
  const seconds = (Date.now() - started) / 1000;
  if (run.status !== "done" || run.published !== documents)
    throw new Error(`backfill incomplete: ${JSON.stringify(run)}`);
  return { documents, seconds, perSecond: documents / seconds };
}

/**
 * A backfill with capture options on against one without, alternating (off, on) `rounds` times on
 * fresh streams: each round's ratio of rates, and the median over rounds.
 */
export async function benchBackfillOptions(emulator: KinesisEmulator, documents: number, rounds: number) {
  const ratios: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < rounds; round++) {
    reportDetail(`backfill with and without capture options: round ${round + 1} of ${rounds}`);
    const plain = await benchBackfill(emulator, documents, 1, false, `r${round}`);
    const shaped = await benchBackfill(emulator, documents, 1, true, `r${round}`);
    ratios.push(shaped.perSecond / plain.perSecond);
    on.push(shaped.perSecond);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { documents, rounds, onPerSecond: median(on), ratio: median(ratios), ratios };
}

/** Each built function's size, and the same producer built on @aws-sdk/client-kinesis for comparison. */
export async function functionSizes() {
  const functions = readdirSync(join(root, "functions"))
    .filter((file) => file.endsWith(".js"))
    .map((file) => {
      const code = readFileSync(join(root, "functions", file));
      return { name: file, bytes: code.length, gzipBytes: gzipSync(code).length };
    });
  // The alternative: the same envelope code, but puts through the AWS SDK v3 client (the SDK must be
  // bundled, since App Services cannot be assumed to have it), bson left to the App Services global.
  const entry = `
    import { KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
    import { NodeHttpHandler } from "@smithy/node-http-handler";
    import { buildKinesisRecord } from "./src/core/capture/publish/kinesis-record";
    export default async function (event) {
      const client = new KinesisClient({ region: "us-east-1", requestHandler: new NodeHttpHandler() });
      const record = buildKinesisRecord(event, {}, undefined);
      return client.send(new PutRecordCommand({ StreamName: "s", PartitionKey: record.partitionKey, Data: Buffer.from(record.data) }));
    }`;
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: "ts" },
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "es2018",
    minify: false,
    logLevel: "silent",
    external: ["bson"],
  });
  const sdkBytes = result.outputFiles[0].contents.length;
  return { functions, sdk: { bytes: sdkBytes, gzipBytes: gzipSync(result.outputFiles[0].contents).length } };
}
