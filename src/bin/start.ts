/**
 * `npm start`: the whole system on this machine, running the very functions/*.js that get deployed.
 * Sensor readings go into monitors.reports (embedded store, or MONGODB_URI), the change trigger puts
 * them on a Kinesis stream (kinesalite, started here), a Firehose simulator delivers them to the
 * webhook endpoint, and the webhook writes them into monitors.firehose. Options: `npm start -- --help`.
 */
import { join, resolve } from "node:path";
import {
  defineCommand,
  oneOfOption,
  positiveNumber,
  runCommand,
  UsageError,
  type OptionValues,
} from "../cli/command-line";
import { fromSetting, keepStoreOption } from "../cli/environment";
import { kinesisSettings } from "../core/capture/config";
import { openDataFolderToWrite, type DataFolder } from "../embedded/data-folder";
import { LOCAL_SECRETS_FILE, readLocalSecrets } from "../local/app-export";
import { externalKinesisFromEnv, Pipeline, type PipelineCounts } from "../local/pipeline";
import { describeGivingUp, ReasonLog, STALL_AFTER_MS, waitForLandingOrStall } from "../local/stall-watch";
import { DEMO_HEARTBEAT_EVERY_MS, describeHeal, SuspendCaptureDemo } from "../local/suspend-capture";

const startCommand = defineCommand({
  command: "npm start",
  summary:
    "Runs the whole loop on this machine with the built functions/*.js: readings inserted into monitors.reports, " +
    "the capture trigger putting them on a Kinesis stream, a Firehose simulator delivering them to the webhook, " +
    "which writes monitors.firehose. Shows progress until Ctrl-C, then a summary.",
  options: {
    events: {
      type: "string",
      value: "<n>",
      description: "stop after <n> readings, verify every landed document against its source, exit 0 only if exact",
      defaultText: "none: run until Ctrl-C",
    },
    rate: {
      type: "string",
      value: "<readings/s>",
      description: "sensor readings per second",
      defaultText: "20 (250 with --suspend-capture)",
    },
    interval: { type: "string", value: "<ms>", description: "Firehose buffer interval", default: "1000" },
    "no-gzip": { type: "boolean", description: "deliver uncompressed bodies (gzip is the default)" },
    engine: {
      type: "string",
      value: "<name>",
      // kinesalite by default: its PutRecord answers about four times faster here (docs/benchmarks.md#2026-11-29-change-capture-and-backfill).
      description: "Kinesis emulator: kinesalite, or kinesis-local (LocalStack's engine)",
      default: "kinesalite",
    },
    "kinesis-latency-ms": {
      type: "string",
      value: "<ms>",
      description: "add <ms> to every Kinesis call of the functions, as a network would",
      defaultText: "0",
    },
    data: keepStoreOption,
    secrets: {
      type: "string",
      value: "<file>",
      description:
        "the secrets of values/ entries with from_secret, as a JSON object of secret name to value (see local-secrets.example.json)",
      defaultText: "local-secrets.json at the root, when present",
    },
    "suspend-capture": {
      type: "boolean",
      description:
        "with --events: suspend capture as Atlas does when the oplog loses its history, while readings are inserted, " +
        "updated and deleted; the heartbeat notices it through a local Admin API, resumes without the token and reconciles",
    },
  },
  environment: [
    {
      name: "MONGODB_URI",
      description: "use this MongoDB (real change streams) instead of the embedded store",
      default: "none",
    },
    fromSetting(kinesisSettings.region, "with the two credentials below: use an existing stream in real Kinesis"),
    fromSetting(kinesisSettings.accessKeyId, "AWS credentials for that stream"),
    fromSetting(kinesisSettings.secretAccessKey, "AWS credentials for that stream"),
    fromSetting(kinesisSettings.sessionToken, "AWS session token, with temporary credentials"),
    fromSetting(kinesisSettings.streamName, "that existing stream"),
    fromSetting(kinesisSettings.endpoint, "that stream's Kinesis API, instead of AWS (credentials and this suffice)"),
  ],
  notes: [
    `while it runs, it prints each new reason why events wait (the outbox's, a failed function's); with --events it stops with exit 1 when nothing has moved for ${STALL_AFTER_MS / 1000} s`,
    "examples: npm start -- --events 1000",
    "          npm start -- --data .local/store   (then, in another terminal: npm run status -- --data .local/store)",
    "          npm start -- --events 3000 --suspend-capture",
  ],
});

/** `landedBefore`: documents the data folder already held, so `upserted` counts this run's. */
function progress(c: PipelineCounts, landedBefore: number): string {
  const lag = c.lastLagMs === undefined ? "-" : `${(c.lastLagMs / 1000).toFixed(1)} s`;
  return (
    `readings: inserted ${c.inserted} | put ${c.put} | outboxed ${c.outboxed} | delivered ${c.delivered} | upserted ${c.upserted - landedBefore} | ` +
    `dead-lettered ${c.deadLettered} | retried ${c.retried} | outbox ${c.outboxDepth} | lag ${lag}` +
    ` || heartbeats: put ${c.heartbeatsPut}, delivered ${c.heartbeatsDelivered}`
  );
}

runCommand(startCommand, async ({ values }) => {
  const options = readOptions(values);
  const { folder, demo, pipeline } = await startRun(options);
  const landedBefore = (await pipeline.snapshotCounts()).upserted;
  console.log(
    `Webhook endpoint ${pipeline.runtime.endpointUrl}/firehose; sensor at ${options.rate} readings/s into monitors.reports${options.events ? ` (${options.events} readings)` : ""}`,
  );
  demo?.attach(pipeline);
  const startedAt = Date.now();
  const sensor = pipeline.startSensor(options.rate, options.events);
  const stopTicker = startTicker(pipeline, landedBefore, process.stdout.isTTY === true);
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopTicker();
    await pipeline.stop();
    await folder?.close();
    await demo?.stop();
    process.exit(code);
  };
  // Ctrl-C: what was done so far, checked against the sources; readings still on their way are named, not failed.
  const interrupted = async (signal: string, code: number) => {
    if (stopping) return;
    stopTicker();
    const savedIn = folder ? options.data : undefined;
    console.log(
      await describeInterruption(pipeline, new Set(sensor.insertedAt.keys()), {
        signal,
        startedAt,
        landedBefore,
        savedIn,
      }),
    );
    await shutdown(code);
  };
  process.on("SIGINT", () => void interrupted("Ctrl-C (SIGINT)", 130));
  process.on("SIGTERM", () => void interrupted("SIGTERM", 143));

  const { events } = options;
  if (events === undefined) return; // run until Ctrl-C
  if (demo) {
    await shutdown((await runSuspendDemo(demo, pipeline, events, stopTicker)) ? 0 : 1);
    return;
  }
  await sensor.finished;
  const exact = await checkRun(pipeline, new Set(sensor.insertedAt.keys()), {
    events,
    landedBefore,
    timeoutMs: 120_000 + (events / options.rate) * 2000,
    stopTicker,
    savedIn: folder ? options.data : undefined,
  });
  await shutdown(exact ? 0 : 1);
});

/** The command line's values, checked and with their defaults: every UsageError comes from here, before anything starts. */
interface StartOptions {
  readonly events: number | undefined;
  readonly suspendCapture: boolean;
  readonly rate: number;
  readonly interval: number;
  readonly engine: "kinesalite" | "kinesis-local";
  readonly kinesisLatencyMs: number | undefined;
  readonly gzip: boolean;
  readonly mongodbUri: string | undefined;
  /** --data: the data folder to keep the store in. */
  readonly data: string | undefined;
  /** --secrets, when given (then the file must exist). */
  readonly secrets: string | undefined;
}

function readOptions(values: OptionValues<typeof startCommand.options>): StartOptions {
  const events = values.events === undefined ? undefined : Math.floor(positiveNumber("events", values.events));
  const suspendCapture = values["suspend-capture"] === true;
  if (suspendCapture && events === undefined)
    throw new UsageError("--suspend-capture needs --events <n> (the run ends with the exact check)");
  if (suspendCapture && values.data) throw new UsageError("--suspend-capture runs on a fresh store: leave out --data");
  // The demo should take seconds: its heartbeat runs every second, the readings come faster.
  const rate = positiveNumber("rate", values.rate ?? (suspendCapture ? "250" : "20"));
  const interval = positiveNumber("interval", values.interval);
  const engine = oneOfOption("engine", values.engine, ["kinesalite", "kinesis-local"] as const);
  const kinesisLatencyMs =
    values["kinesis-latency-ms"] === undefined
      ? undefined
      : positiveNumber("kinesis-latency-ms", values["kinesis-latency-ms"]);
  const gzip = !values["no-gzip"];
  const mongodbUri = process.env.MONGODB_URI;
  if (mongodbUri && values.data) throw new UsageError("MONGODB_URI is set and --data is given: use one");
  return {
    events,
    suspendCapture,
    rate,
    interval,
    engine,
    kinesisLatencyMs,
    gzip,
    mongodbUri,
    data: values.data,
    secrets: values.secrets,
  };
}

/**
 * Reads the secrets, opens the data folder, says what runs, and starts the demo's Admin API (with
 * --suspend-capture) and the pipeline; if the pipeline does not start, closes what was opened.
 */
async function startRun(
  options: StartOptions,
): Promise<{ folder: DataFolder | undefined; demo: SuspendCaptureDemo | undefined; pipeline: Pipeline }> {
  const root = resolve(import.meta.dirname, "..", "..");
  const stateDir = join(root, ".local");
  // Read before anything starts: a file that cannot be read stops the run, naming it.
  const secretsFile = options.secrets ?? LOCAL_SECRETS_FILE;
  const secrets = readLocalSecrets(root, secretsFile, { required: options.secrets !== undefined });
  // With AWS credentials (and a region or endpoint) in the environment, an existing stream is used.
  const externalKinesis = externalKinesisFromEnv(process.env);
  const folder: DataFolder | undefined = options.data
    ? openDataFolderToWrite(options.data, { command: "npm start" })
    : undefined;
  const { mongodbUri, engine, interval, gzip } = options;
  console.log(
    `Starting: ${mongodbUri ? "MongoDB from MONGODB_URI" : (folder?.store.description ?? "embedded store (in memory)")}, ` +
      `${externalKinesis ? `stream ${externalKinesis.streamName} ${externalKinesis.endpoint ? `at ${externalKinesis.endpoint}` : `in ${externalKinesis.region} (AWS)`}` : `${engine} on loopback`}, ` +
      `functions from functions/, ${Object.keys(secrets).length > 0 ? `secrets from ${secretsFile}` : "no secrets"}, ` +
      `Firehose buffer ${interval} ms${gzip ? ", gzip" : ""}; logs in .local/`,
  );
  const demo = options.suspendCapture ? await SuspendCaptureDemo.start() : undefined;
  try {
    const pipeline = await Pipeline.start({
      root,
      stateDir,
      ...(demo ? { values: demo.values, scheduleEveryMs: DEMO_HEARTBEAT_EVERY_MS } : {}),
      bufferIntervalMs: interval,
      gzip,
      engine,
      kinesisLatencyMs: options.kinesisLatencyMs,
      mongodbUri,
      store: folder?.store,
      externalKinesis,
      secrets,
    });
    return { folder, demo, pipeline };
  } catch (error) {
    await folder?.close();
    await demo?.stop();
    throw error;
  }
}

/** The summary of a run stopped by a signal: this run's readings checked against their sources. */
async function describeInterruption(
  pipeline: Pipeline,
  ids: ReadonlySet<string>,
  run: { signal: string; startedAt: number; landedBefore: number; savedIn: string | undefined },
): Promise<string> {
  const counts = await pipeline.snapshotCounts();
  const result = await pipeline.verify(ids);
  const seconds = ((Date.now() - run.startedAt) / 1000).toFixed(0);
  return (
    `Stopped by ${run.signal} after ${seconds} s: ${counts.inserted} readings inserted, ${counts.put} put, ${counts.outboxed} outboxed, ` +
    `${counts.delivered} delivered, ${result.landed - run.landedBefore} landed (${result.expected - result.missing.length} of this run's, ` +
    `${result.different.length} different, ${result.extra.length} extra), ${result.missing.length} still on their way; ` +
    `${counts.deadLettered} dead-lettered, ${counts.backedUp} backed up, ${counts.retried} Firehose retries, outbox ${counts.outboxDepth}; ` +
    `heartbeats ${counts.heartbeatsPut} put, ${counts.heartbeatsDelivered} delivered${run.savedIn ? `; store saved in ${run.savedIn}` : ""}`
  );
}

/** `--suspend-capture`: runs the demo over `events` readings and prints how the capture healed; true when the mirror is exact. */
async function runSuspendDemo(
  demo: SuspendCaptureDemo,
  pipeline: Pipeline,
  events: number,
  stopTicker: () => void,
): Promise<boolean> {
  const healed = await demo.run(events);
  stopTicker();
  for (const line of describeHeal(healed)) console.log(line);
  const counts = await pipeline.snapshotCounts();
  const r = healed.verify;
  console.log(
    `${healed.exact ? "OK" : "FAILED"}: ${counts.inserted} inserted, ${healed.gapDeleted.length} deleted, ${r.sources} in the source, ${r.landed} in the mirror, ` +
      `${r.missing.length} missing, ${r.different.length} different, ${r.extra.length} extra, ${counts.deadLettered} dead-lettered, outbox ${counts.outboxDepth}`,
  );
  if (!healed.exact) {
    for (const id of r.missing.slice(0, 5)) console.log(`  missing ${id}`);
    for (const id of r.different.slice(0, 5)) console.log(`  different ${id}`);
    for (const id of r.extra.slice(0, 5)) console.log(`  extra ${id}`);
  }
  return healed.exact;
}

/**
 * Prints the progress line (in place on a terminal, every 2 s otherwise) and, on a line of its own,
 * each new reason why events wait. Returns the function that stops it (and ends the line).
 */
function startTicker(pipeline: Pipeline, landedBefore: number, tty: boolean): () => void {
  const reasons = new ReasonLog();
  const timer = setInterval(
    async () => {
      const line = progress(await pipeline.snapshotCounts(), landedBefore);
      const fresh = reasons.fresh(await pipeline.waitingReasons());
      if (tty) process.stdout.write(`${fresh.map((reason) => `\r${reason}\u001b[K\n`).join("")}\r${line}\u001b[K`);
      else for (const text of [...fresh, line]) console.log(text);
    },
    tty ? 500 : 2000,
  );
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    if (tty) process.stdout.write("\n");
  };
}

/**
 * `--events`: waits until this run's readings have landed (or nothing has moved for STALL_AFTER_MS),
 * checks every one against its source as the capture options shape it, and prints the result;
 * true when exact.
 */
async function checkRun(
  pipeline: Pipeline,
  ids: ReadonlySet<string>,
  run: { events: number; landedBefore: number; timeoutMs: number; stopTicker: () => void; savedIn?: string },
): Promise<boolean> {
  const expected = await pipeline.expectedLandings(ids);
  const outcome = await waitForLandingOrStall(pipeline, run.landedBefore + expected, { timeoutMs: run.timeoutMs });
  const result = await pipeline.verify(ids);
  const counts = await pipeline.snapshotCounts();
  run.stopTicker();
  const exact = outcome.outcome === "landed" && result.exact && result.sources === run.events;
  const matched = result.expected === result.sources ? "" : `${result.expected} in the capture list's match, `;
  console.log(
    `${exact ? "OK" : "FAILED"}: ${result.sources} inserted, ${matched}${result.landed - run.landedBefore} landed, ${result.missing.length} missing, ${result.different.length} different, ` +
      `${result.extra.length} extra, ${counts.deadLettered} dead-lettered, ${counts.backedUp} backed up, ${counts.retried} Firehose retries, outbox ${counts.outboxDepth}` +
      `; heartbeats ${counts.heartbeatsPut} put, ${counts.heartbeatsDelivered} delivered${run.savedIn ? `; store saved in ${run.savedIn}` : ""}`,
  );
  if (outcome.outcome !== "landed") console.log(`  ${describeGivingUp(outcome)}`);
  if (!exact) {
    for (const id of result.missing.slice(0, 5)) console.log(`  missing ${id}`);
    for (const id of result.different.slice(0, 5)) console.log(`  different ${id}`);
  }
  return exact;
}
