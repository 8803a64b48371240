import { BSON, EJSON, Binary } from "bson";
import { Cron } from "croner";
import { createHash, createHmac } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { Aggregator, Query } from "mingo";
import type { MongoClient } from "mongodb";
import type { DataSourcePort, Document } from "../core/ports";
import { ensureDeletePositionsIndex } from "../adapters/mongodb/mirror-indexes";
import { EmbeddedStore, type ChangeEvent } from "../embedded/store";
import {
  readAppExport,
  readLocalSecrets,
  resolveValues,
  type AppExport,
  type DatabaseTriggerConfig,
  type TriggerConfig,
} from "./app-export";
import { loadAppServicesFunction, type AppServicesFunction } from "./load-function";

export interface RuntimeOptions {
  /** The export's root folder (the repository root). */
  root: string;
  /** The embedded store, or a connected MongoClient (real change streams). */
  dataSource: EmbeddedStore | MongoClient;
  /** Values that win over values/ and secrets (e.g. the local emulator's endpoint). */
  valueOverrides?: Record<string, unknown>;
  /** Secrets by name; default: local-secrets.json in the root. */
  secrets?: Record<string, string>;
  /** Serve http_endpoints/ on this loopback port (0 picks one); omit to serve none. */
  httpPort?: number;
  /** Run SCHEDULED triggers every this many ms instead of on their cron schedule (demos, tests). */
  scheduleEveryMs?: number;
  /** Where functions' console output goes (default: this process's console). */
  functionConsole?: Pick<Console, "log" | "warn" | "error" | "info">;
  /** Called after every trigger or endpoint execution. */
  onExecution?: (execution: Execution) => void;
  /**
   * Each DATABASE trigger's resume token (the last event it finished), kept up to date by the runtime.
   * Pass the same object to a new runtime to resume where the old one stopped, as App Services does.
   */
  resumeTokens?: Record<string, unknown>;
}

export interface Execution {
  trigger?: string;
  route?: string;
  functionName: string;
  durationMs: number;
  result?: unknown;
  error?: string;
}

/** 18 MB: App Services' limit on an incoming request. */
const MAX_REQUEST_BYTES = 18 * 1000 * 1000;

/**
 * A local App Services: reads the export, runs the built functions in App Services' shape (see
 * load-function.ts), fires DATABASE triggers from the data source's change feed (honouring
 * operation types, full document, match and project; ordered triggers one event at a time), runs
 * SCHEDULED triggers on their cron schedule, and serves the HTTP endpoint routes.
 */
export class LocalRuntime {
  readonly app: AppExport;
  readonly values: Map<string, unknown>;
  readonly missingSecrets: string[];
  endpointUrl?: string;
  private readonly loaded = new Map<string, AppServicesFunction>();
  private readonly stops: (() => Promise<void> | void)[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private server?: Server;
  private stopped = false;

  private constructor(private readonly options: RuntimeOptions) {
    this.app = readAppExport(options.root);
    const resolved = resolveValues(this.app, options.secrets ?? readLocalSecrets(options.root), options.valueOverrides);
    this.values = resolved.values;
    this.missingSecrets = resolved.missingSecrets;
  }

  static async start(options: RuntimeOptions): Promise<LocalRuntime> {
    const runtime = new LocalRuntime(options);
    await runtime.begin();
    return runtime;
  }

  /** The `context` global functions see. */
  readonly context = {
    app: { name: "", id: "local" },
    environment: { tag: "", values: {} },
    values: { get: (name: string) => this.values.get(name) },
    services: {
      get: (name: string) =>
        name === "mongodb-atlas" ? (this.options.dataSource as unknown as DataSourcePort) : undefined,
    },
    functions: { execute: (name: string, ...args: unknown[]) => this.execute(name, ...args) },
    http: {
      get: (request: HttpCall) => localHttp("GET", request),
      post: (request: HttpCall) => localHttp("POST", request),
      put: (request: HttpCall) => localHttp("PUT", request),
      delete: (request: HttpCall) => localHttp("DELETE", request),
    },
  };

  /** `context.functions.execute`: runs a function by name, as App Services does (system user). */
  async execute(name: string, ...args: unknown[]): Promise<unknown> {
    if (!this.app.functions.some((f) => f.name === name))
      throw new Error(`function "${name}" is not in functions/config.json`);
    let fn = this.loaded.get(name);
    if (!fn) {
      fn = loadAppServicesFunction(this.options.root, name, this.context, utilsGlobal, this.options.functionConsole);
      this.loaded.set(name, fn);
    }
    return fn(...args);
  }

  private async begin(): Promise<void> {
    this.context.app.name = this.app.name;
    const source = this.options.dataSource;
    if (source instanceof EmbeddedStore) {
      // What the mongosh set-up script does on Atlas: the delete positions expire, and a TTL monitor runs.
      await ensureDeletePositionsIndex(source, {
        database: this.values.get("FIREHOSE_DATABASE"),
        deletesCollection: this.values.get("FIREHOSE_DELETES_COLLECTION"),
      });
      this.stops.push(source.startTtlMonitor());
    }
    for (const trigger of this.app.triggers) {
      if (trigger.disabled) continue;
      if (trigger.type === "DATABASE") this.watch(trigger);
      else if (trigger.type === "SCHEDULED") this.schedule(trigger);
    }
    if (this.options.httpPort !== undefined) await this.serve(this.options.httpPort);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private async run(
    functionName: string,
    args: unknown[],
    label: { trigger?: string; route?: string },
  ): Promise<unknown> {
    const started = Date.now();
    try {
      const result = await this.execute(functionName, ...args);
      this.options.onExecution?.({ ...label, functionName, durationMs: Date.now() - started, result });
      return result;
    } catch (error) {
      // App Services never retries a failed function; it logs the error. So does this runtime.
      const message = error instanceof Error ? error.message : String(error);
      this.options.onExecution?.({ ...label, functionName, durationMs: Date.now() - started, error: message });
      this.options.functionConsole?.error(
        JSON.stringify({ level: "error", msg: "function failed", functionName, ...label, error: message }),
      );
      return undefined;
    }
  }

  private watch(trigger: TriggerConfig): void {
    const config = trigger.config as DatabaseTriggerConfig;
    const functionName = trigger.event_processors.FUNCTION?.config.function_name as string;
    const operations = new Set(config.operation_types.map((t) => t.toLowerCase()));
    // Exports write numbers in match/project as Extended JSON; revive them before use.
    const match =
      config.match && Object.keys(config.match).length > 0
        ? new Query(EJSON.parse(JSON.stringify(config.match)) as Document)
        : undefined;
    const project =
      config.project && Object.keys(config.project).length > 0
        ? (EJSON.parse(JSON.stringify(config.project)) as Document)
        : undefined;
    let queue: Promise<unknown> = Promise.resolve();
    const dispatch = (raw: ChangeEvent | Document) => {
      if (this.stopped) return;
      const event = { ...(raw as Document) } as Document;
      const ns = event.ns as { db: string; coll: string } | undefined;
      if (!ns || ns.db !== config.database || ns.coll !== config.collection) return;
      if (!operations.has(String(event.operationType))) return;
      if (event.operationType === "update" && !config.full_document) delete event.fullDocument;
      if (!config.full_document_before_change) delete event.fullDocumentBeforeChange;
      // Events carry exact BSON wrappers (Int32, Double); the match sees promoted values, as the
      // server's $match compares numbers by value.
      if (match && !match.test(BSON.deserialize(BSON.serialize(event)))) return;
      const delivered = project ? (new Aggregator([{ $project: project }]).run([event])[0] as Document) : event;
      const remember = () => {
        if (tokens) tokens[trigger.name] = raw._id;
      };
      if (config.unordered) {
        void this.track(this.run(functionName, [delivered], { trigger: trigger.name }).then(remember));
      } else {
        queue = queue.then(async () => {
          if (this.stopped) return; // not remembered: a restarted runtime replays it
          await this.run(functionName, [delivered], { trigger: trigger.name });
          remember();
        });
        void this.track(queue);
      }
    };
    const tokens = this.options.resumeTokens;
    const resumeAfter = tokens && tokens[trigger.name] ? (tokens[trigger.name] as { _data: string }) : undefined;
    const source = this.options.dataSource;
    if (source instanceof EmbeddedStore) {
      const unsubscribe = source.watch((event) => dispatch(event), { resumeAfter });
      this.stops.push(unsubscribe);
    } else {
      const stream = source
        .db(config.database)
        .collection(config.collection)
        .watch([], {
          ...(resumeAfter ? { resumeAfter } : {}),
          promoteValues: false, // keep Int32/Double/Long types, as the trigger must publish them
          fullDocument: config.full_document ? "updateLookup" : "default",
          fullDocumentBeforeChange: config.full_document_before_change ? "whenAvailable" : "off",
        });
      stream.on("change", (event) => dispatch(event as unknown as Document));
      stream.on("error", (error) =>
        this.options.functionConsole?.error(
          JSON.stringify({
            level: "error",
            msg: "change stream failed; trigger suspended",
            trigger: trigger.name,
            error: String(error),
          }),
        ),
      );
      this.stops.push(() => stream.close());
    }
  }

  private schedule(trigger: TriggerConfig): void {
    const functionName = trigger.event_processors.FUNCTION?.config.function_name as string;
    const fire = () => this.track(this.run(functionName, [], { trigger: trigger.name }));
    if (this.options.scheduleEveryMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running || this.stopped) return; // like App Services, no overlapping runs of one trigger
        running = true;
        void fire().finally(() => (running = false));
      }, this.options.scheduleEveryMs);
      this.stops.push(() => clearInterval(timer));
    } else {
      const job = new Cron(
        (trigger.config as { schedule: string }).schedule,
        { timezone: "UTC", protect: true },
        async () => {
          await fire();
        },
      );
      this.stops.push(() => job.stop());
    }
  }

  private async serve(port: number): Promise<void> {
    const routes = new Map(
      this.app.endpoints.filter((e) => !e.disabled).map((e) => [`${e.http_method.toUpperCase()} ${e.route}`, e]),
    );
    this.server = createServer((req, res) => {
      const path = (req.url || "/").split("?")[0];
      const endpoint = routes.get(`${req.method} ${path}`) || routes.get(`* ${path}`);
      if (!endpoint) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: `no endpoint for ${req.method} ${path}` }));
        return;
      }
      void this.track(
        this.handleEndpoint(endpoint.function_name, endpoint.route, req).then(
          ({ status, headers, body }) => {
            res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
            res.end(body);
          },
          (error) => {
            res.writeHead(500, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ error: String(error) }));
          },
        ),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    this.endpointUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handleEndpoint(
    functionName: string,
    route: string,
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        return {
          status: 400,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ error: "request exceeds App Services' 18 MB limit" }),
        };
      }
      chunks.push(chunk as Buffer);
    }
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]] ||= []).push(req.rawHeaders[i + 1]);
    const bodyBytes = Buffer.concat(chunks);
    const body =
      bodyBytes.length > 0
        ? Object.assign(new Binary(bodyBytes), { text: () => bodyBytes.toString("utf8") })
        : undefined;
    const response = { status: 200, headers: {} as Record<string, string>, body: "" };
    const responseObject = {
      setStatusCode: (status: number) => void (response.status = status),
      setHeader: (name: string, value: string) => void (response.headers[name] = value),
      addHeader: (name: string, value: string) => void (response.headers[name] = value),
      setBody: (value: string | Binary) =>
        void (response.body = typeof value === "string" ? value : Buffer.from(value.buffer).toString("utf8")),
    };
    const query = Object.fromEntries(new URL(req.url || "/", "http://local").searchParams);
    await this.run(functionName, [{ headers, body, query, httpMethod: req.method }, responseObject], { route });
    return response;
  }

  /** Closes the endpoint server (connections refused) while triggers keep running; for failure tests. */
  async closeEndpoints(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  /** Serves the endpoints again, on the port they had. */
  async openEndpoints(): Promise<void> {
    if (this.server || !this.endpointUrl) return;
    await this.serve(Number(new URL(this.endpointUrl).port));
  }

  /** Stops triggers and the endpoint server and waits for running executions to finish. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const stop of this.stops) await stop();
    if (this.server) {
      const server = this.server;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves once no trigger or endpoint execution is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

interface HttpCall {
  url: string;
  headers?: Record<string, string[]>;
  body?: string;
  encodeBodyAsJSON?: boolean;
}

/** `context.http`: plain Node requests; the response body is a Binary with text(), as in App Services. */
function localHttp(
  method: string,
  call: HttpCall,
): Promise<{
  status: string;
  statusCode: number;
  headers: Record<string, string[]>;
  body: Binary & { text(): string };
}> {
  return new Promise((resolve, reject) => {
    const url = new URL(call.url);
    const headers = Object.fromEntries(Object.entries(call.headers || {}).map(([k, v]) => [k, v[0]]));
    const body = call.encodeBodyAsJSON ? JSON.stringify(call.body) : call.body;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: `${res.statusCode} ${res.statusMessage}`,
          statusCode: res.statusCode || 0,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v : [String(v)]]),
          ),
          body: Object.assign(new Binary(bytes), { text: () => bytes.toString("utf8") }),
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `utils` global: the crypto helpers functions may use. */
const utilsGlobal = {
  crypto: {
    hash: (algorithm: string, input: string) => new Binary(createHash(algorithm).update(input).digest()),
    hmac: (input: string, secret: string, algorithm: string, encoding: "hex" | "base64") =>
      createHmac(algorithm, secret).update(input).digest(encoding),
  },
};
