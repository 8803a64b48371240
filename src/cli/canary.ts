/**
 * `npm run status -- --canary`: writes one canary document into a captured collection and watches it
 * hop by hop until the mirror holds it (src/core/canary/run-canary.ts), against production
 * (MONGODB_URI, the stream through the AWS credentials in the environment) or, with `--local`,
 * against the local pipeline this command starts (embedded store or MONGODB_URI, kinesalite).
 * docs/deploying.md, "The canary".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createNodeTransport } from "../adapters/http/node-transport";
import { createKinesisCall } from "../adapters/kinesis/sigv4-client";
import { openMongoClient } from "../adapters/mongodb/env-deps";
import { canaryId, createPipelineProbes, type CanaryWorld } from "../adapters/canary/pipeline-probes";
import { renderCanary, runCanary, type CanaryReport, type HopName } from "../core/canary/run-canary";
import { parseCaptureList, WHOLE_DATABASE } from "../core/capture/shaping/capture-list";
import { readCaptureConfig } from "../core/capture/config";
import { readFirehoseConfig } from "../core/firehose/config";
import type { Namespace } from "../core/firehose/apply/routing";
import { systemClock } from "../core/ports";
import { Pipeline, SOURCE } from "../local/pipeline";
import { UsageError } from "./command-line";

const HINTS: Record<HopName, string> = {
  "trigger ran":
    "no capture trigger handled the change: is the collection in config/captured-collections.csv and deployed, " +
    "and is its trigger enabled, not suspended (npm run status shows capture health)?",
  "record on the stream": "the trigger ran, but its record is neither on the stream nor in the outbox",
  "delivery accepted":
    "the record is on the stream, but no delivery with it reached the webhook: look at the Firehose delivery stream " +
    "(its CloudWatch error log, errors/ in the backup bucket, its buffer interval) and the webhook's /healthz",
  "document in the target": "the webhook accepted the delivery but the mirror does not hold the canary",
};

export interface CanaryRun {
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

/** One canary through `world`: written, watched, reported, then deleted from its source. */
export async function checkCanary(world: CanaryWorld, run: CanaryRun): Promise<CanaryReport> {
  const canary = createPipelineProbes(world, canaryId(world.clock.now()));
  try {
    return await runCanary(canary, {
      clock: world.clock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      timeoutMs: run.timeoutMs,
      pollMs: run.pollMs ?? 250,
      hints: HINTS,
    });
  } finally {
    await canary.cleanUp().catch(() => undefined);
  }
}

/** The local pipeline as a canary sees it: its store, its functions' values, its emulator. */
export function canaryWorldOfPipeline(pipeline: Pipeline, source: Namespace = SOURCE): CanaryWorld {
  const read = (name: string) => pipeline.runtime.values.get(name);
  return worldFrom(pipeline.store as unknown as CanaryWorld["dataSource"], read, source, {
    call: pipeline.kinesis.call,
    streamName: pipeline.kinesis.streamName,
  });
}

function worldFrom(
  dataSource: CanaryWorld["dataSource"],
  read: (name: string) => unknown,
  source: Namespace,
  stream: CanaryWorld["stream"],
): CanaryWorld {
  const capture = readCaptureConfig(read);
  const firehose = readFirehoseConfig(read);
  return {
    dataSource,
    source,
    outbox: { db: capture.outboxDatabase, coll: capture.outboxCollection },
    firehose,
    stream,
    clock: systemClock,
  };
}

/** The stream of the deployment, read with the AWS credentials of the environment (none: not observed). */
function streamFromEnv(env: NodeJS.ProcessEnv): CanaryWorld["stream"] {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)
    return {
      unobservable:
        "no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): the stream is not read",
    };
  const call = createKinesisCall(
    {
      region: env.AWS_REGION || "us-east-1",
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN,
      endpoint: env.KINESIS_ENDPOINT || undefined,
      timeoutMs: 10_000,
    },
    createNodeTransport(),
  );
  return { call, streamName: env.KINESIS_STREAM_NAME || "realm" };
}

/** `--collection db.coll`, or the first collection of the capture list. */
export function canarySource(root: string, option: string | undefined): Namespace {
  if (option !== undefined) {
    const dot = option.indexOf(".");
    if (dot <= 0 || dot === option.length - 1)
      throw new UsageError(`--collection "${option}" is not "database.collection"`);
    return { db: option.slice(0, dot), coll: option.slice(dot + 1) };
  }
  const list = parseCaptureList(
    readFileSync(join(root, "config", "captured-collections.csv"), "utf8"),
    "config/captured-collections.csv",
  );
  const first = list.find((c) => c.coll !== WHOLE_DATABASE);
  if (!first) throw new UsageError("the capture list names no single collection: give --collection db.coll");
  return { db: first.db, coll: first.coll };
}

/** The command: returns the exit code (0 arrived, 1 not), printing the report as text or JSON. */
export async function runCanaryCommand(options: {
  root: string;
  env: NodeJS.ProcessEnv;
  local: boolean;
  collection?: string;
  timeoutMs: number;
  json: boolean;
  print: (text: string) => void;
}): Promise<number> {
  const source = canarySource(options.root, options.collection);
  let report: CanaryReport;
  let where: string;
  if (options.local) {
    const pipeline = await Pipeline.start({
      root: options.root,
      stateDir: join(options.root, ".local", "canary"),
      mongodbUri: options.env.MONGODB_URI,
      engine: "kinesalite",
      bufferIntervalMs: 1000,
    });
    try {
      where = `through the local pipeline (${options.env.MONGODB_URI ? "MONGODB_URI" : "embedded store"}, ${pipeline.kinesis.description})`;
      report = await checkCanary(canaryWorldOfPipeline(pipeline, source), options);
    } finally {
      await pipeline.stop();
    }
  } else {
    if (!options.env.MONGODB_URI)
      throw new Error("MONGODB_URI is not set: the canary is written into the cluster it names (or try --local)");
    const client = await openMongoClient(options.env, { serverSelectionTimeoutMS: 5_000 });
    try {
      const read = (name: string) => options.env[name];
      where = `into ${source.db}.${source.coll} (${client.description})`;
      report = await checkCanary(worldFrom(client.dataSource, read, source, streamFromEnv(options.env)), options);
    } finally {
      await client.close();
    }
  }
  options.print(options.json ? JSON.stringify(report, null, 2) : renderCanary(report, where));
  return report.arrived ? 0 : 1;
}
