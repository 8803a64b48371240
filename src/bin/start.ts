/**
 * `npm start`: the whole system on this machine, running the very functions/*.js that get deployed.
 * Sensor readings go into monitors.reports (embedded store, or MONGODB_URI), the change trigger puts
 * them on a Kinesis stream (kinesalite, started here), a Firehose simulator delivers them to the
 * webhook endpoint, and the webhook writes them into monitors.firehose.
 *
 *   npm start                        run until Ctrl-C, with live progress
 *   npm start -- --events 1000       stop after 1000 readings, verify the end state, exit 0 only if exact
 *   options: --rate <readings/s> (20)  --interval <Firehose buffer interval, ms> (1000)  --no-gzip
 *            --kinesis-latency-ms <ms>  (adds that much to every Kinesis call, as a real network would)
 *            --engine kinesalite|kinesis-local (default kinesalite: it sustains about four times the
 *            events per second here; kinesis-local is LocalStack's engine, for parity with it)
 *            --suspend-capture (with --events: capture is suspended as Atlas does when the oplog loses
 *            its history, while readings are inserted, updated and deleted; the heartbeat notices it
 *            through a local Admin API, resumes without the token and reconciles; rate 250/s by default)
 */
import { join, resolve } from "node:path";
import { externalKinesisFromEnv, Pipeline, type PipelineCounts } from "../local/pipeline";
import { DEMO_HEARTBEAT_EVERY_MS, describeHeal, SuspendCaptureDemo } from "../local/suspend-capture";

interface Args {
  events?: number;
  rate: number;
  interval: number;
  gzip: boolean;
  engine: "kinesis-local" | "kinesalite";
  kinesisLatencyMs?: number;
  suspendCapture: boolean;
  rateGiven: boolean;
}

function parseArgs(argv: string[]): Args {
  // kinesalite by default: its PutRecord answers about four times faster here (README, Benchmarks).
  const args: Args = {
    rate: 20,
    interval: 1000,
    gzip: true,
    engine: "kinesalite",
    suspendCapture: false,
    rateGiven: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a positive number, got "${v}"`);
      return n;
    };
    if (name === "--events") args.events = Math.floor(positive(value()));
    else if (name === "--rate") {
      args.rate = positive(value());
      args.rateGiven = true;
    } else if (name === "--suspend-capture") args.suspendCapture = true;
    else if (name === "--interval") args.interval = positive(value());
    else if (name === "--no-gzip") args.gzip = false;
    else if (name === "--kinesis-latency-ms") args.kinesisLatencyMs = positive(value());
    else if (name === "--engine") {
      const engine = value();
      if (engine !== "kinesis-local" && engine !== "kinesalite")
        throw new Error(`--engine must be kinesis-local or kinesalite, got "${engine}"`);
      args.engine = engine;
    } else throw new Error(`unknown option "${name}" (see src/bin/start.ts)`);
  }
  if (args.suspendCapture && args.events === undefined)
    throw new Error("--suspend-capture needs --events <n> (the run ends with the exact check)");
  // The demo should take seconds: its heartbeat runs every second, the readings come faster.
  if (args.suspendCapture && !args.rateGiven) args.rate = 250;
  return args;
}

function progress(c: PipelineCounts): string {
  const lag = c.lastLagMs === undefined ? "-" : `${(c.lastLagMs / 1000).toFixed(1)} s`;
  return `inserted ${c.inserted} | put ${c.put} | outboxed ${c.outboxed} | delivered ${c.delivered} | upserted ${c.upserted} | dead-lettered ${c.deadLettered} | retried ${c.retried} | outbox ${c.outboxDepth} | lag ${lag}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = resolve(import.meta.dirname, "..", "..");
  const stateDir = join(root, ".local");
  const mongodbUri = process.env.MONGODB_URI;
  // With AWS credentials (and a region or endpoint) in the environment, an existing stream is used.
  const externalKinesis = externalKinesisFromEnv(process.env);
  console.log(
    `Starting: ${mongodbUri ? "MongoDB from MONGODB_URI" : "embedded store"}, ` +
      `${externalKinesis ? `stream ${externalKinesis.streamName} ${externalKinesis.endpoint ? `at ${externalKinesis.endpoint}` : `in ${externalKinesis.region} (AWS)`}` : `${args.engine} on loopback`}, ` +
      `functions from functions/, Firehose buffer ${args.interval} ms${args.gzip ? ", gzip" : ""}; logs in .local/`,
  );
  const demo = args.suspendCapture ? await SuspendCaptureDemo.start() : undefined;
  const pipeline = await Pipeline.start({
    root,
    stateDir,
    ...(demo ? { values: demo.values, scheduleEveryMs: DEMO_HEARTBEAT_EVERY_MS } : {}),
    bufferIntervalMs: args.interval,
    gzip: args.gzip,
    engine: args.engine,
    kinesisLatencyMs: args.kinesisLatencyMs,
    mongodbUri,
    externalKinesis,
  }).catch(async (error: unknown) => {
    await demo?.stop();
    throw error;
  });
  console.log(
    `Webhook endpoint ${pipeline.runtime.endpointUrl}/firehose; sensor at ${args.rate} readings/s into monitors.reports${args.events ? ` (${args.events} readings)` : ""}`,
  );
  demo?.attach(pipeline);
  const sensor = pipeline.startSensor(args.rate, args.events);
  const tty = process.stdout.isTTY;
  let stopping = false;
  const ticker = setInterval(
    async () => {
      const line = progress(await pipeline.snapshotCounts());
      if (tty) process.stdout.write(`\r${line}\u001b[K`);
      else console.log(line);
    },
    tty ? 500 : 2000,
  );

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    if (tty) process.stdout.write("\n");
    await pipeline.stop();
    await demo?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));

  if (args.events === undefined) return; // run until Ctrl-C
  if (demo) {
    const healed = await demo.run(args.events);
    clearInterval(ticker);
    if (tty) process.stdout.write("\n");
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
    await shutdown(healed.exact ? 0 : 1);
    return;
  }
  await sensor.finished;
  const timeoutMs = 120_000 + (args.events / args.rate) * 2000;
  const landed = await pipeline.waitForLanding(args.events, timeoutMs);
  const result = await pipeline.verify();
  const counts = await pipeline.snapshotCounts();
  clearInterval(ticker);
  if (tty) process.stdout.write("\n");
  const exact = landed && result.exact && result.sources === args.events;
  console.log(
    `${exact ? "OK" : "FAILED"}: ${result.sources} inserted, ${result.landed} landed, ${result.missing.length} missing, ${result.different.length} different, ` +
      `${result.extra.length} extra, ${counts.deadLettered} dead-lettered, ${counts.backedUp} backed up, ${counts.retried} Firehose retries, outbox ${counts.outboxDepth}`,
  );
  if (!exact) {
    for (const id of result.missing.slice(0, 5)) console.log(`  missing ${id}`);
    for (const id of result.different.slice(0, 5)) console.log(`  different ${id}`);
  }
  await shutdown(exact ? 0 : 1);
}

main().catch((error) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
