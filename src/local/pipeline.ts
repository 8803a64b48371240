import { EJSON } from "bson";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { captureTriggerName } from "../core/capture/shaping/capture-list";
import { captureDefaults, captureSettings, readShapingSettings } from "../core/capture/config";
import { shapeChangeEvent } from "../core/capture/shaping/shape-event";
import { BridgeError } from "../core/errors";
import { nodeBson } from "../adapters/bson/node-bson";
import { firehoseSettings, readFirehoseConfig } from "../core/firehose/config";
import { deadLetterStore, type DeadLetterStore } from "../core/firehose/dead-letters/dead-letters";
import { POSITION_FIELD } from "../core/firehose/apply/position-field";
import { countMatching, type CollectionPort, type DataSourcePort, type Document } from "../core/ports";
import { readSetting, type Setting } from "../core/settings";
import { EmbeddedStore } from "../embedded/store";
import { createNodeTransport } from "../adapters/http/node-transport";
import { createKinesisCall } from "../adapters/kinesis/sigv4-client";
import { MongoConnectFailure } from "../adapters/mongodb/env-deps";
import { COMMAND_SERVER_SELECTION_MS } from "../adapters/mongodb/open-data-source";
import { FirehoseSimulator, KinesisStreamReader, type KinesisCall, type StreamRecord } from "./firehose-simulator";
import { startKinesisEmulator, type EmulatorEngine } from "./kinesis-emulator";
import { startLatencyProxy } from "./latency-proxy";
import { LocalRuntime, type Execution } from "./runtime";
import { startSensorSource, type SensorSource } from "./sensor-source";

export interface PipelineOptions {
  root: string;
  /** Readings to insert; unlimited when absent. */
  events?: number;
  ratePerSecond?: number;
  /** Firehose buffering hints. */
  bufferIntervalMs?: number;
  bufferSizeBytes?: number;
  gzip?: boolean;
  engine?: EmulatorEngine;
  /** SCHEDULED triggers every this many ms instead of every minute. */
  scheduleEveryMs?: number;
  /** Folder for logs and the Firehose backup (git-ignored). */
  stateDir: string;
  /** Firehose retry window (default 300 s) and backoff scale (1 = real). */
  retryDurationMs?: number;
  timeScale?: number;
  mongodbUri?: string;
  /** The embedded store to use (a data folder's); a new in-memory one when absent. */
  store?: EmbeddedStore;
  /**
   * An existing stream to use instead of the embedded emulator: real Kinesis (no endpoint) or any
   * endpoint. Its credentials go to the trigger as values; the stream must exist.
   */
  externalKinesis?: ExternalKinesis;
  /** Milliseconds added to every Kinesis call the functions make (a proxy in front of the emulator). */
  kinesisLatencyMs?: number;
  /** Run the capture triggers unordered (as the capture list's "unordered"), whatever triggers/ say. */
  captureOrdering?: "ordered" | "unordered";
  /** More values for the functions (they win over values/), such as the local Admin API's address. */
  values?: Record<string, unknown>;
  /**
   * The secrets values/ entries with `from_secret` read (npm start reads local-secrets.json,
   * app-export.ts's readLocalSecrets); none when absent, so a test never reads a developer's file.
   */
  secrets?: Record<string, string>;
}

export interface ExternalKinesis {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  endpoint?: string;
  streamName: string;
}

/** The stream the pipeline uses: the embedded emulator's, or an external one. */
interface KinesisTarget {
  readonly description: string;
  readonly streamName: string;
  readonly values: Record<string, unknown>;
  readonly call: KinesisCall;
  stop(): Promise<void>;
}

/** External Kinesis from the environment: AWS_REGION + credentials (and optionally KINESIS_ENDPOINT). */
export function externalKinesisFromEnv(env: NodeJS.ProcessEnv): ExternalKinesis | undefined {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY || !(env.AWS_REGION || env.KINESIS_ENDPOINT))
    return undefined;
  return {
    region: env.AWS_REGION || "us-east-1",
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    sessionToken: env.AWS_SESSION_TOKEN,
    endpoint: env.KINESIS_ENDPOINT || undefined,
    streamName: env.KINESIS_STREAM_NAME || STREAM,
  };
}

async function openKinesis(options: PipelineOptions): Promise<KinesisTarget> {
  const external = options.externalKinesis;
  if (external) {
    const call = createKinesisCall({ ...external, timeoutMs: 30_000 }, createNodeTransport());
    try {
      await call("DescribeStream", { StreamName: external.streamName, Limit: 1 });
    } catch (error) {
      throw new Error(
        `Kinesis stream "${external.streamName}" is not usable${external.endpoint ? ` at ${external.endpoint}` : ` in ${external.region}`}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return {
      description: external.endpoint ? `Kinesis at ${external.endpoint}` : `Kinesis in ${external.region} (AWS)`,
      streamName: external.streamName,
      values: {
        KINESIS_ENDPOINT: external.endpoint ?? "",
        KINESIS_STREAM_NAME: external.streamName,
        AWS_REGION: external.region,
        AWS_ACCESS_KEY_ID: external.accessKeyId,
        AWS_SECRET_ACCESS_KEY: external.secretAccessKey,
        AWS_SESSION_TOKEN: external.sessionToken ?? "",
      },
      call,
      stop: async () => undefined,
    };
  }
  const emulator = await startKinesisEmulator({ engine: options.engine });
  try {
    await emulator.createStream(STREAM, 2);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  // The functions reach the emulator through the latency proxy; the Firehose simulator reads it directly.
  const proxy = options.kinesisLatencyMs
    ? await startLatencyProxy(emulator.endpoint, options.kinesisLatencyMs)
    : undefined;
  return {
    description: `${emulator.engine} on loopback${proxy ? `, ${options.kinesisLatencyMs} ms added to every call from the functions` : ""}`,
    streamName: STREAM,
    values: {
      KINESIS_ENDPOINT: proxy ? proxy.endpoint : emulator.endpoint,
      KINESIS_STREAM_NAME: STREAM,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
    },
    call: emulator.call,
    stop: async () => {
      await proxy?.stop();
      await emulator.stop();
    },
  };
}

export interface PipelineCounts {
  inserted: number;
  put: number;
  outboxed: number;
  /** Records of monitors.reports delivered (data only). */
  delivered: number;
  /** Heartbeat records: put by the heartbeat collection's trigger, and delivered (apart from the data). */
  heartbeatsPut: number;
  heartbeatsDelivered: number;
  retried: number;
  backedUp: number;
  dropped: number;
  upserted: number;
  deadLettered: number;
  outboxDepth: number;
  lastLagMs?: number;
}

/** The driver with a command's wait (5 s, not 30), its failure naming the driver's reason. */
async function connectForCommand(uri: string): Promise<MongoClient> {
  const started = Date.now();
  try {
    return await new MongoClient(uri, { serverSelectionTimeoutMS: COMMAND_SERVER_SELECTION_MS }).connect();
  } catch (error) {
    throw new MongoConnectFailure(uri, error, Date.now() - started);
  }
}

export interface Namespace {
  readonly db: string;
  readonly coll: string;
}

/**
 * Where the deployed functions keep what the pipeline reads: the webhook's mirror, the capture
 * outbox, the capture health records and the signal collection, from the functions' own values.
 */
export interface PipelineNamespaces {
  readonly target: Namespace;
  readonly outbox: Namespace;
  readonly status: Namespace;
  readonly signal: Namespace;
}

function namespacesFromValues(values: ReadonlyMap<string, unknown>): PipelineNamespaces {
  const read = (entry: Setting<string>) => readSetting((name) => values.get(name), entry);
  const outboxDb = read(captureSettings.outboxDatabase);
  return {
    target: { db: read(firehoseSettings.database), coll: read(firehoseSettings.collection) },
    outbox: { db: outboxDb, coll: read(captureSettings.outboxCollection) },
    status: { db: outboxDb, coll: read(captureSettings.statusCollection) },
    signal: { db: read(captureSettings.signalDatabase), coll: read(captureSettings.signalCollection) },
  };
}

export const SOURCE: Namespace = { db: "monitors", coll: "reports" };
const idKey = (d: Document) => EJSON.stringify(d._id, { relaxed: false });
const hexId = (d: Document) => (d._id as { toHexString?: () => string })?.toHexString?.();
export const STREAM = "realm";
const SOURCE_TRIGGER = captureTriggerName(SOURCE.db, SOURCE.coll);
const { heartbeatDatabase, heartbeatCollection } = captureDefaults();
const HEARTBEAT = { db: heartbeatDatabase, coll: heartbeatCollection };
const HEARTBEAT_TRIGGER = captureTriggerName(HEARTBEAT.db, HEARTBEAT.coll);

/**
 * The whole loop of the seed system on one machine: readings inserted into monitors.reports, the
 * change trigger (functions/publishChangeToKinesis.js) putting them on a Kinesis stream in the local
 * emulator, the Firehose simulator delivering batches to the webhook endpoint
 * (functions/receiveFirehoseDelivery.js, which hands the records to functions/applyFirehoseRecords.js),
 * which writes them into monitors.firehose.
 */
export class Pipeline {
  readonly counts = { put: 0, outboxed: 0, heartbeatsPut: 0, delivered: 0, heartbeatsDelivered: 0 };
  readonly landedAt = new Map<string, number>();
  lastLagMs?: number;
  /** The latest function run that failed, with its error (App Services logs it; so does functions.log). */
  lastFailure?: string;
  sensor?: SensorSource;
  /** Read from the functions' values once: a restart of the runtime reads the same values. */
  readonly namespaces: PipelineNamespaces;
  private stopWatching?: () => void;

  private constructor(
    readonly options: PipelineOptions,
    readonly store: EmbeddedStore | MongoClient,
    readonly kinesis: KinesisTarget,
    public runtime: LocalRuntime,
    readonly simulator: FirehoseSimulator,
    readonly reader: KinesisStreamReader,
    readonly accessKey: string,
    readonly resumeTokens: Record<string, unknown>,
  ) {
    this.namespaces = namespacesFromValues(runtime.values);
  }

  static async start(options: PipelineOptions): Promise<Pipeline> {
    mkdirSync(options.stateDir, { recursive: true });
    const store = options.mongodbUri
      ? await connectForCommand(options.mongodbUri)
      : (options.store ?? new EmbeddedStore());
    const kinesis = await openKinesis(options);
    try {
      const accessKey = randomBytes(24).toString("hex");
      const resumeTokens: Record<string, unknown> = {};
      const holder: { pipeline?: Pipeline } = {};
      const runtime = await Pipeline.startRuntime(options, store, kinesis, accessKey, resumeTokens, holder, 0);
      const reader = new KinesisStreamReader(kinesis.call, kinesis.streamName);
      const simulator = new FirehoseSimulator({
        reader,
        bufferIntervalMs: options.bufferIntervalMs ?? 1000,
        bufferSizeBytes: options.bufferSizeBytes ?? 1024 * 1024,
        pollIntervalMs: 100,
        sender: {
          url: `${runtime.endpointUrl}/firehose`,
          accessKey,
          gzip: options.gzip ?? true,
          backupDir: join(options.stateDir, "firehose-backup"),
          retryDurationMs: options.retryDurationMs ?? 300_000,
          timeScale: options.timeScale ?? 1,
          responseTimeoutMs: 180_000,
        },
        onError: (error) =>
          appendFileSync(join(options.stateDir, "simulator.log"), `${new Date().toISOString()} ${String(error)}\n`),
        onBatch: (result, records) => {
          if (result.outcome === "delivered") holder.pipeline?.countDelivered(records);
        },
      });
      const pipeline = new Pipeline(options, store, kinesis, runtime, simulator, reader, accessKey, resumeTokens);
      holder.pipeline = pipeline;
      pipeline.watchLanding();
      simulator.start();
      return pipeline;
    } catch (error) {
      await kinesis.stop();
      throw error;
    }
  }

  private static startRuntime(
    options: PipelineOptions,
    store: EmbeddedStore | MongoClient,
    kinesis: KinesisTarget,
    accessKey: string,
    resumeTokens: Record<string, unknown>,
    holder: { pipeline?: Pipeline },
    httpPort: number,
  ) {
    const logFile = join(options.stateDir, "functions.log");
    const write =
      (level: string) =>
      (...args: unknown[]) =>
        appendFileSync(logFile, `${new Date().toISOString()} ${level} ${args.map(String).join(" ")}\n`);
    return LocalRuntime.start({
      root: options.root,
      dataSource: store,
      httpPort,
      scheduleEveryMs: options.scheduleEveryMs,
      resumeTokens,
      secrets: options.secrets ?? {},
      valueOverrides: {
        ...options.values,
        ...kinesis.values,
        FIREHOSE_ACCESS_KEY: accessKey,
        FIREHOSE_ACCESS_KEY_PREVIOUS: "",
      },
      functionConsole: { log: write("info"), info: write("info"), warn: write("warn"), error: write("error") },
      onExecution: (execution: Execution) => holder.pipeline?.countExecution(execution),
      triggerOrdering: options.captureOrdering,
    });
  }

  /** Stops and restarts the local App Services (triggers and endpoint) on the same port; triggers resume. */
  async restartRuntime(downMs = 0): Promise<void> {
    const port = Number(new URL(this.runtime.endpointUrl as string).port);
    await this.runtime.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    const holder = { pipeline: this as Pipeline };
    this.runtime = await Pipeline.startRuntime(
      this.options,
      this.store,
      this.kinesis,
      this.accessKey,
      this.resumeTokens,
      holder,
      port,
    );
  }

  /** Counts the source collection's puts apart from the heartbeat's, which the same function also puts. */
  countExecution(execution: Execution): void {
    if (execution.error !== undefined)
      this.lastFailure = `${execution.functionName} failed${execution.trigger ? ` (trigger ${execution.trigger})` : ""}: ${execution.error}`;
    if (!execution.result) return;
    const result = (execution.result as { result?: string }).result;
    if (execution.trigger === HEARTBEAT_TRIGGER) {
      if (result === "put") this.counts.heartbeatsPut++;
      return;
    }
    if (execution.trigger !== SOURCE_TRIGGER) return;
    if (result === "put") this.counts.put++;
    else if (result === "outboxed") this.counts.outboxed++;
  }

  /** Counts delivered records by namespace: the source's readings apart from heartbeats. */
  countDelivered(records: readonly StreamRecord[]): void {
    for (const record of records) {
      let ns: { db?: unknown; coll?: unknown } | undefined;
      try {
        ns = (JSON.parse(record.data.toString("utf8")) as { ns?: { db?: unknown; coll?: unknown } }).ns;
      } catch {
        continue; // not ours to count; the webhook dead-letters it
      }
      if (ns?.db === SOURCE.db && ns.coll === SOURCE.coll) this.counts.delivered++;
      else if (ns?.db === HEARTBEAT.db && ns.coll === HEARTBEAT.coll) this.counts.heartbeatsDelivered++;
    }
  }

  private watchLanding(): void {
    if (!(this.store instanceof EmbeddedStore)) return;
    const { target } = this.namespaces;
    this.stopWatching = this.store.watch((event) => {
      if (event.ns.db !== target.db || event.ns.coll !== target.coll || !event.fullDocument) return;
      const id = event.documentKey._id as { toHexString?: () => string };
      if (typeof id?.toHexString !== "function") return;
      const hex = id.toHexString();
      if (this.landedAt.has(hex)) return;
      const now = Date.now();
      this.landedAt.set(hex, now);
      const inserted = this.sensor?.insertedAt.get(hex);
      if (inserted !== undefined) this.lastLagMs = now - inserted;
    });
  }

  startSensor(ratePerSecond: number, limit?: number): SensorSource {
    const collection = this.store.db(SOURCE.db).collection(SOURCE.coll) as unknown as CollectionPort & {
      insertOne(doc: Document): Promise<unknown>;
    };
    this.sensor = startSensorSource(collection, { ratePerSecond, limit });
    return this.sensor;
  }

  /** The dead letters where the webhook function writes them (its values, as the runtime gives them). */
  private deadLetters(): DeadLetterStore {
    const config = readFirehoseConfig((name) => this.runtime.values.get(name));
    return deadLetterStore(this.store as unknown as DataSourcePort, config);
  }

  /**
   * Why events wait, as the outbox says it: the reason of its newest entry (what the trigger met
   * last) and of its oldest (what drainOutbox met last: it retries the oldest first),
   * then the latest failed function run. Empty when the outbox is empty and nothing failed.
   */
  async waitingReasons(): Promise<string[]> {
    const outbox = this.collection(this.namespaces.outbox);
    const reasons: string[] = [];
    const newestThenOldest: { [field: string]: 1 | -1 }[] = [{ enqueuedAt: -1 }, { _id: 1 }];
    for (const sort of newestThenOldest) {
      const [entry] = await outbox.find({}).sort(sort).limit(1).toArray();
      const reason =
        entry && typeof entry.lastError === "string" ? `events wait in the outbox: ${entry.lastError}` : "";
      if (reason && reasons.indexOf(reason) === -1) reasons.push(reason);
    }
    if (this.lastFailure !== undefined) reasons.push(this.lastFailure);
    return reasons;
  }

  private collection({ db, coll }: Namespace): CollectionPort {
    return this.store.db(db).collection(coll) as unknown as CollectionPort;
  }

  async snapshotCounts(): Promise<PipelineCounts> {
    return {
      inserted: this.sensor?.inserted ?? 0,
      put: this.counts.put,
      outboxed: this.counts.outboxed,
      delivered: this.counts.delivered,
      heartbeatsPut: this.counts.heartbeatsPut,
      heartbeatsDelivered: this.counts.heartbeatsDelivered,
      retried: this.simulator.stats.retries,
      backedUp: this.simulator.stats.backedUp,
      dropped: this.simulator.stats.dropped,
      upserted: await countMatching(this.collection(this.namespaces.target)),
      deadLettered: await this.deadLetters().count(),
      outboxDepth: await countMatching(this.collection(this.namespaces.outbox)),
      lastLagMs: this.lastLagMs,
    };
  }

  /** Waits until `expected` readings have landed in the target (or the timeout passes). */
  async waitForLanding(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.snapshotCounts()).upserted >= expected) return true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }

  /**
   * Compares every landed document with what its source should have become, field by field with
   * types (apart from `_akb`): the source shaped by the capture options the functions read (excluded
   * fields gone, masked ones masked, a document outside the match not landed at all). With `only`
   * (hex _ids, such as this run's readings in a data folder that holds earlier runs), only those
   * sources are checked, while any target no source accounts for still counts as extra.
   */
  async verify(only?: ReadonlySet<string>): Promise<VerifyResult> {
    const read = (namespace: Namespace) =>
      this.collection(namespace).find({}, { promoteValues: false, promoteLongs: false }).toArray();
    const allSources = await read(SOURCE);
    const sources = only ? allSources.filter((d) => only.has(hexId(d) ?? "")) : allSources;
    const expected = this.expectedMirror(sources);
    // The mirror holds exactly the live documents: a deleted document leaves nothing behind.
    const targets = await read(this.namespaces.target);
    const byId = new Map(targets.map((d) => [idKey(d), d]));
    const missing: string[] = [];
    const different: string[] = [];
    for (const [id, shaped] of expected) {
      const target = byId.get(id);
      if (!target) {
        missing.push(id);
        continue;
      }
      const { [POSITION_FIELD]: _position, ...landed } = target;
      if (EJSON.stringify(landed, { relaxed: false }) !== EJSON.stringify(shaped, { relaxed: false }))
        different.push(id);
    }
    const accounted = only ? this.expectedMirror(allSources) : expected;
    const extra = targets.filter((t) => !accounted.has(idKey(t))).map(idKey);
    return {
      sources: sources.length,
      expected: expected.size,
      landed: targets.length,
      missing,
      different,
      extra,
      exact: missing.length === 0 && different.length === 0 && extra.length === 0,
    };
  }

  /** How many of these sources (hex _ids) the mirror should hold once everything has landed (see verify). */
  async expectedLandings(only: ReadonlySet<string>): Promise<number> {
    const sources = await this.collection(SOURCE).find({}).toArray();
    return this.expectedMirror(sources.filter((d) => only.has(hexId(d) ?? ""))).size;
  }

  /**
   * What the mirror should hold for these sources, by _id: each shaped as a read event of the source
   * collection (shape-event.ts, the functions' own code, with the capture options and mask key the
   * functions read); absent when outside the match. Unshaped when the options cannot be applied now:
   * those events wait in the outbox, and verify reports them missing.
   */
  private expectedMirror(sources: readonly Document[]): Map<string, Document> {
    const shaping = readShapingSettings((name) => this.runtime.values.get(name));
    const out = new Map<string, Document>();
    for (const source of sources) {
      let shaped: Document | null = source;
      try {
        const read = shapeChangeEvent(
          { operationType: "read", ns: SOURCE, documentKey: { _id: source._id }, fullDocument: source },
          shaping,
          nodeBson,
        );
        shaped = read ? (read.fullDocument as Document) : null;
      } catch (error) {
        if (!(error instanceof BridgeError)) throw error;
      }
      if (shaped) out.set(idKey(source), shaped);
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.sensor?.stop();
    await this.simulator.stop(false);
    await this.runtime.stop();
    this.stopWatching?.();
    await this.kinesis.stop();
    if (this.store instanceof MongoClient) await this.store.close();
  }
}

export interface VerifyResult {
  sources: number;
  /** Of those, the documents the mirror should hold (the capture list's match may leave some out). */
  expected: number;
  landed: number;
  missing: string[];
  different: string[];
  extra: string[];
  exact: boolean;
}
