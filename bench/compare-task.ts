/**
 * One comparison task in a process of its own (see bench/compare.ts): loads the code under test of
 * two commits side by side ("before" from an exported older commit, "after" from this checkout), runs
 * each `warmup` times untimed, then `pairs` timed pairs in alternating order, and prints each side's
 * median time and the median over pairs of after / before; with `only`, one side alone, timed as
 * often. The two sides never share compiled code: each bundle is a script of its own, each src/ tree
 * modules of their own.
 */
import { Binary, Decimal128, Long, ObjectId, Timestamp } from "bson";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DataSourcePort } from "../src/core/ports";
import { EmbeddedStore } from "../src/embedded/store";
import { loadAppServicesFunction } from "../src/local/load-function";
import { BENCH_ACCESS_KEY, nullDataSource, quietLogger } from "./harness";
import { median } from "./isolated";

/** What a task compares; the parent passes it as one JSON argument. */
export interface CompareTaskSpec {
  /** webhookBundle: functions/receiveFirehoseDelivery.js; webhookNode: src/ core as the Node hosts run it; capture: functions/publishChangeToKinesis.js. */
  kind: "webhookBundle" | "webhookNode" | "capture";
  /** Folders holding each side's functions/ (bundles) or src/ (webhookNode). */
  roots: { before: string; after: string };
  /** The delivery body (webhook kinds). */
  requestPath?: string;
  /** none: every call costs nothing and finds nothing; embedded: a fresh embedded store per run. */
  database: "none" | "embedded";
  /** Capture: change events per run. */
  events?: number;
  warmup: number;
  pairs: number;
  /**
   * Load and time only this side: for tasks whose two sides must not share a process (two bundles
   * in one heap run the embedded store's code on objects of two bundles' shapes, which weighs on one).
   */
  only?: "before" | "after";
}

export interface CompareTaskReport {
  /** With `only`, the other side's time is NaN and afterOverBefore is NaN: the parent pairs processes. */
  beforeMs: number;
  afterMs: number;
  /** With the embedded store: what each side's last run left in the target and the dead letters. */
  outcome?: Record<"before" | "after", { stored: number; deadLetters: number }>;
  /** The median over timed pairs of after time / before time. */
  afterOverBefore: number;
}

const quietConsole = { log() {}, info() {}, warn() {}, error() {} };

/** Builds a side's run; `prepare` (not timed) gives each run its database. */
type Side = {
  prepare: () => DataSourcePort;
  run: (dataSource: DataSourcePort) => Promise<void>;
  /** The database of the last run. */
  last?: DataSourcePort;
};

function database(spec: CompareTaskSpec): () => DataSourcePort {
  if (spec.database === "none") {
    const none = nullDataSource();
    return () => none;
  }
  return () => new EmbeddedStore();
}

/**
 * The context a side's bundles see: `functions.execute` runs another function of the same side's
 * functions/, loaded once (the webhook hands its records to applyFirehoseRecords since the split).
 */
function contextFor(dataSource: DataSourcePort, values: Record<string, unknown>, root: string) {
  const loaded = new Map<string, (...args: unknown[]) => unknown>();
  const context = {
    values: { get: (name: string) => values[name] },
    services: { get: (name: string) => (name === "mongodb-atlas" ? dataSource : undefined) },
    functions: {
      execute: async (name: string, ...args: unknown[]) => {
        if (!loaded.has(name)) loaded.set(name, loadAppServicesFunction(root, name, context, {}, quietConsole));
        return loaded.get(name)!(...args);
      },
    },
    app: { name: "atlas-kinesis-bridge" },
  };
  return context;
}

/** The App Services webhook bundle of one side, loaded as App Services runs it, on a request as App Services passes it. */
function webhookBundle(root: string, spec: CompareTaskSpec): Side {
  const bytes = readFileSync(spec.requestPath!);
  const requestId = (JSON.parse(bytes.toString("utf8")) as { requestId: string }).requestId;
  const request = {
    headers: { "X-Amz-Firehose-Request-Id": [requestId], "X-Amz-Firehose-Access-Key": [BENCH_ACCESS_KEY] },
    body: new Binary(bytes),
  };
  // The bundle keeps per-load state (compiled filters, agents): one load per side, its database swapped per run.
  let current: DataSourcePort = nullDataSource();
  const context = contextFor({ db: (name) => current.db(name) }, { FIREHOSE_ACCESS_KEY: BENCH_ACCESS_KEY }, root);
  const fn = loadAppServicesFunction(root, "receiveFirehoseDelivery", context, {}, quietConsole);
  return {
    prepare: database(spec),
    run: async (dataSource) => {
      current = dataSource;
      let status: number | undefined;
      let body = "";
      await fn(request, {
        setStatusCode: (code: number) => void (status = code),
        setHeader: () => undefined,
        addHeader: () => undefined,
        setBody: (text: string) => void (body = text),
      });
      if (status !== 200) throw new Error(`${root}: the webhook answered ${status}: ${body}`);
    },
  };
}

/** The webhook core of one side's src/, as the Node server and the Lambda run it (with the run decoder). */
async function webhookNode(root: string, spec: CompareTaskSpec): Promise<Side> {
  const load = (path: string) => import(pathToFileURL(join(root, "src", path)).href);
  const [{ receiveFirehoseDelivery }, { readFirehoseConfig }, { nodeBson }, { decodeUtf8Run }] = await Promise.all([
    load("core/firehose/receive-delivery.ts"),
    load("core/firehose/config.ts"),
    load("adapters/bson/node-bson.ts"),
    load("adapters/node/decode-utf8-run.ts"),
  ]);
  // Since the split the core takes its apply step as a dependency; an older core has it built in.
  const applyRecords = await load("core/firehose/apply/apply-records.ts").then(
    (module) => module.applyRecordsInProcess,
    () => undefined,
  );
  const bytes = readFileSync(spec.requestPath!);
  const requestId = (JSON.parse(bytes.toString("utf8")) as { requestId: string }).requestId;
  const headers = { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": BENCH_ACCESS_KEY };
  const config = readFirehoseConfig((name: string) => (name === "FIREHOSE_ACCESS_KEY" ? BENCH_ACCESS_KEY : undefined));
  return {
    prepare: database(spec),
    run: async (dataSource) => {
      const response = await receiveFirehoseDelivery(
        { method: "POST", headers, body: bytes },
        {
          config,
          dataSource,
          bson: nodeBson,
          clock: { now: () => Date.now() },
          logger: quietLogger,
          decodeUtf8Run,
          applyRecords,
        },
      );
      if (response.status !== 200) throw new Error(`${root}: the core answered ${response.status}: ${response.body}`);
    },
  };
}

/**
 * A Kinesis endpoint on loopback that answers every PutRecord at once (and counts them), so a
 * capture run times the function's own work and one local HTTP round trip, not an emulator's.
 */
async function startRecordingKinesis(): Promise<{ endpoint: string; puts: () => number; server: Server }> {
  let puts = 0;
  let sequence = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const target = request.headers["x-amz-target"];
      if (target !== "Kinesis_20131202.PutRecord" || !request.headers.authorization) {
        response.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify({ __type: "InvalidArgumentException", message: `unexpected ${target}` }));
        return;
      }
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      puts++;
      response.writeHead(200, { "Content-Type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ ShardId: "shardId-000000000000", SequenceNumber: String(++sequence) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, puts: () => puts, server };
}

/** Update events of a ~600 B document with the usual BSON types, as a database trigger passes them. */
export function captureEvents(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const id = new ObjectId(i.toString(16).padStart(24, "0"));
    return {
      _id: { _data: `8269210${i.toString(16).padStart(10, "0")}` },
      operationType: "update",
      clusterTime: new Timestamp({ t: 1763771100 + i, i: 1 }),
      wallTime: new Date(1763771100123 + i),
      ns: { db: "monitors", coll: "reports" },
      documentKey: { _id: id },
      fullDocument: {
        _id: id,
        node: `pi-${i % 50}-zürich-東京`,
        humidity: 41.5,
        temperature: Decimal128.fromString(`21.${i % 100}`),
        pressure: Long.fromNumber(101325 + i),
        movement: i % 2 === 0,
        acceleration: { x: 0.01, y: -0.02, z: 9.81 },
        recordedAt: new Date(1763771100000 + i),
        note: "Température ☃ ñ 東 ".repeat(12),
      },
      updateDescription: { updatedFields: { humidity: 41.5 }, removedFields: [], truncatedArrays: [] },
    };
  });
}

function capture(root: string, spec: CompareTaskSpec, endpoint: string): Side {
  const events = captureEvents(spec.events ?? 500);
  const store = new EmbeddedStore();
  const values = {
    KINESIS_STREAM_NAME: "bench-compare",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    KINESIS_ENDPOINT: endpoint,
  };
  const fn = loadAppServicesFunction(root, "publishChangeToKinesis", contextFor(store, values, root), {}, quietConsole);
  return {
    prepare: () => store,
    run: async () => {
      for (const event of events) {
        const outcome = (await fn(event)) as { result?: string };
        if (!outcome || outcome.result !== "put") throw new Error(`${root}: publish gave ${JSON.stringify(outcome)}`);
      }
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as CompareTaskSpec;
  let kinesis: Awaited<ReturnType<typeof startRecordingKinesis>> | undefined;
  const sides: Record<"before" | "after", Side> = { before: undefined!, after: undefined! };
  if (spec.kind === "capture") kinesis = await startRecordingKinesis();
  const loaded = spec.only ? [spec.only] : (["before", "after"] as const);
  for (const side of loaded) {
    const root = spec.roots[side];
    sides[side] =
      spec.kind === "webhookBundle"
        ? webhookBundle(root, spec)
        : spec.kind === "webhookNode"
          ? await webhookNode(root, spec)
          : capture(root, spec, kinesis!.endpoint);
  }
  const time = async (side: Side): Promise<number> => {
    const dataSource = (side.last = side.prepare());
    const started = process.hrtime.bigint();
    await side.run(dataSource);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const times = { before: [] as number[], after: [] as number[] };
  const ratios: number[] = [];
  for (let pair = 0; pair < spec.warmup + spec.pairs; pair++) {
    const order = spec.only
      ? [spec.only]
      : pair % 2 === 0
        ? (["before", "after"] as const)
        : (["after", "before"] as const);
    const spent = { before: NaN, after: NaN };
    for (const side of order) spent[side] = await time(sides[side]);
    if (pair < spec.warmup) continue;
    times.before.push(spent.before);
    times.after.push(spent.after);
    ratios.push(spent.after / spent.before);
  }
  kinesis?.server.closeAllConnections();
  kinesis?.server.close();
  const report: CompareTaskReport = {
    beforeMs: median(times.before),
    afterMs: median(times.after),
    afterOverBefore: median(ratios),
  };
  if (spec.kind !== "capture" && spec.database === "embedded") {
    const counts = async (side: Side) => {
      const db = side.last!.db("monitors");
      const count = (name: string) => db.collection(name).countDocuments!({});
      return { stored: await count("firehose"), deadLetters: await count("firehose_dead_letters") };
    };
    const none = { stored: NaN, deadLetters: NaN };
    report.outcome = {
      before: sides.before ? await counts(sides.before) : none,
      after: sides.after ? await counts(sides.after) : none,
    };
  }
  console.log(JSON.stringify(report));
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
