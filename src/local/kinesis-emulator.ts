import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createKinesisCall } from "../adapters/kinesis/sigv4-client";
import { createNodeTransport } from "../adapters/http/node-transport";

const require = createRequire(import.meta.url);

export interface KinesisEmulator {
  readonly engine: EmulatorEngine;
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Raw JSON 1.1 call, for control-plane operations (CreateStream, GetRecords, ...). */
  call<T = Record<string, unknown>>(operation: string, payload: Record<string, unknown>): Promise<T>;
  createStream(name: string, shards: number): Promise<void>;
  /** Every record in the stream, shard by shard, each shard in sequence order. */
  readAll(stream: string): Promise<{ shardId: string; partitionKey: string; data: Buffer; sequenceNumber: string }[]>;
  stop(): Promise<void>;
}

/** A free loopback port (the OS picks it; the short window before reuse is acceptable for local runs). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type EmulatorEngine = "kinesis-local" | "kinesalite";

/**
 * Starts a Kinesis API emulator on loopback in a child process that exits with its parent, and waits
 * until it answers. kinesis-local (the engine LocalStack uses, maintained) is the default;
 * kinesalite (older, HTTP/1.1 only) is much faster per request, which the benchmarks use.
 */
export async function startKinesisEmulator(
  options: { startTimeoutMs?: number; engine?: EmulatorEngine } = {},
): Promise<KinesisEmulator> {
  const engine = options.engine ?? "kinesis-local";
  const plainPort = await freePort();
  const child = await spawnEngine(engine, plainPort);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${plainPort}`;
  const region = "us-east-1";
  const credentials = { accessKeyId: "local", secretAccessKey: "local-secret" };
  const transport = createNodeTransport(4);

  const call = createKinesisCall({ region, ...credentials, endpoint, timeoutMs: 10_000 }, transport);

  await waitUntilAnswering(
    call,
    { engine, endpoint, child, exited, stderr: () => stderr },
    options.startTimeoutMs ?? 30_000,
  );

  return {
    engine,
    endpoint,
    region,
    credentials,
    call,
    createStream: (name, shards) => createActiveStream(call, name, shards),
    readAll: (stream) => readWholeStream(call, stream),
    stop: () => stopChild(child, exited),
  };
}

type KinesisCall = <T = Record<string, unknown>>(operation: string, payload: Record<string, unknown>) => Promise<T>;

/** Polls ListStreams until the engine answers; fails naming its exit, or kills it past the timeout. */
async function waitUntilAnswering(
  call: KinesisCall,
  started: {
    engine: EmulatorEngine;
    endpoint: string;
    child: ChildProcess;
    exited: Promise<number | null>;
    stderr: () => string;
  },
  startTimeoutMs: number,
): Promise<void> {
  const { engine, endpoint, child, exited, stderr } = started;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    try {
      await call("ListStreams", {});
      return;
    } catch {
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("waiting"), 100))]);
      if (code !== "waiting") throw new Error(`${engine} exited (${String(code)}) while starting: ${stderr()}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${engine} did not answer on ${endpoint} within ${startTimeoutMs} ms: ${stderr()}`);
      }
    }
  }
}

/** The engine's child process, serving plain HTTP on `plainPort` (loopback only). */
async function spawnEngine(engine: EmulatorEngine, plainPort: number): Promise<ChildProcess> {
  if (engine === "kinesalite") {
    return spawn(process.execPath, [join(import.meta.dirname, "kinesalite-child.cjs"), String(plainPort)], {
      stdio: ["pipe", "ignore", "pipe"],
    });
  }
  const mainJs = require.resolve("kinesis-local/main.js");
  const tlsPort = await freePort();
  return spawn(process.execPath, ["-r", join(import.meta.dirname, "loopback-preload.cjs"), mainJs], {
    cwd: dirname(mainJs), // it reads server.json from the working directory
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      CREATE_STREAM_DURATION: "0ms",
      DELETE_STREAM_DURATION: "0ms",
      LOG_LEVEL: "WARN",
      SHOULD_PERSIST_DATA: "false",
    },
    stdio: ["pipe", "ignore", "pipe"],
  });
}

/** Creates a stream and waits until it is ACTIVE. */
async function createActiveStream(call: KinesisCall, name: string, shards: number): Promise<void> {
  await call("CreateStream", { StreamName: name, ShardCount: shards });
  for (let i = 0; i < 100; i++) {
    const described = await call<{ StreamDescription: { StreamStatus: string } }>("DescribeStream", {
      StreamName: name,
    });
    if (described.StreamDescription.StreamStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

async function readWholeStream(
  call: KinesisCall,
  stream: string,
): Promise<{ shardId: string; partitionKey: string; data: Buffer; sequenceNumber: string }[]> {
  const shards = await call<{ Shards: { ShardId: string }[] }>("ListShards", { StreamName: stream });
  const out: { shardId: string; partitionKey: string; data: Buffer; sequenceNumber: string }[] = [];
  for (const { ShardId } of shards.Shards) {
    let { ShardIterator } = await call<{ ShardIterator: string }>("GetShardIterator", {
      StreamName: stream,
      ShardId,
      ShardIteratorType: "TRIM_HORIZON",
    });
    for (;;) {
      const page = await call<{
        Records: { PartitionKey: string; Data: string; SequenceNumber: string }[];
        NextShardIterator?: string;
        MillisBehindLatest?: number;
      }>("GetRecords", { ShardIterator, Limit: 10_000 });
      for (const r of page.Records)
        out.push({
          shardId: ShardId,
          partitionKey: r.PartitionKey,
          data: Buffer.from(r.Data, "base64"),
          sequenceNumber: r.SequenceNumber,
        });
      if (page.Records.length === 0 || !page.NextShardIterator) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Closes the child's stdin (it exits with its parent's pipe); kills it if it has not exited after 3 s. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
