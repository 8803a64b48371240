/**
 * `npm run simulate-firehose -- --url <webhook> --stream <kinesis stream>`: the Firehose simulator on
 * its own, to test any webhook host against a real Firehose's behaviour.
 *   --kinesis-endpoint <url>  Kinesis API (default AWS in --region; e.g. a local emulator)
 *   --region <name>           (AWS_REGION or us-east-1); credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *   --interval <ms> (300000)  --size <bytes> (5 MiB)  --retry-seconds <n> (300)  --gzip
 *   --backup-dir <folder> (.local/firehose-backup); the access key comes from FIREHOSE_ACCESS_KEY
 */
import { resolve } from "node:path";
import { createNodeTransport } from "../adapters/http/node-transport";
import { createKinesisCall } from "../adapters/kinesis/sigv4-client";
import { FirehoseSimulator, KinesisStreamReader } from "../local/firehose-simulator";

function main(): void {
  const argv = process.argv.slice(2);
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (!name.startsWith("--")) throw new Error(`unexpected argument "${name}"`);
    if (name === "--gzip") flags.set("gzip", "true");
    else if (argv[i + 1] === undefined) throw new Error(`${name} needs a value`);
    else flags.set(name.slice(2), argv[++i]);
  }
  const url = flags.get("url");
  const stream = flags.get("stream");
  if (!url || !stream) throw new Error("--url and --stream are required");
  const number = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`--${name} must be a number, got "${raw}"`);
    return value;
  };
  const region = flags.get("region") || process.env.AWS_REGION || "us-east-1";
  const call = createKinesisCall(
    {
      region,
      accessKeyId: process.env.AWS_ACCESS_KEY_ID || "local",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "local",
      sessionToken: process.env.AWS_SESSION_TOKEN,
      endpoint: flags.get("kinesis-endpoint"),
      timeoutMs: 30_000,
    },
    createNodeTransport(),
  );
  const simulator = new FirehoseSimulator({
    reader: new KinesisStreamReader(call, stream),
    bufferIntervalMs: number("interval", 300_000),
    bufferSizeBytes: number("size", 5 * 1024 * 1024),
    delivery: {
      url,
      accessKey: process.env.FIREHOSE_ACCESS_KEY,
      gzip: flags.get("gzip") === "true",
      retryDurationMs: number("retry-seconds", 300) * 1000,
      backupDir: resolve(flags.get("backup-dir") || ".local/firehose-backup"),
    },
    onBatch: (result, records) =>
      console.log(
        `${new Date().toISOString()} ${result.requestId} ${records} records -> ${result.outcome} after ${result.attempts} attempt(s)${result.lastError ? `: ${result.lastError}` : ""}`,
      ),
    onError: (error) => console.error(`${new Date().toISOString()} reading ${stream}: ${String(error)}`),
  });
  simulator.start();
  console.log(`Delivering ${stream} to ${url} (Ctrl-C to stop)`);
  const stop = () => void simulator.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

try {
  main();
} catch (error) {
  console.error(`simulate-firehose: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
