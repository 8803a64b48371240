import { Cron } from "croner";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MongoClient } from "mongodb";
import type { DataSourcePort, Document } from "../core/ports";
import { ensureMirrorTtlIndexes } from "../adapters/mongodb/mirror-indexes";
import { EmbeddedStore } from "../embedded/store";
import { localHttp, utilsGlobal, type HttpCall } from "./app-services-globals";
import { endpointCall, type EndpointAnswer } from "./endpoint-call";
import { triggerEventFilter, watchChanges } from "./trigger-events";
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
  /** Overrides the `unordered` setting of every DATABASE trigger that runs publishChangeToKinesis (benchmarks). */
  triggerOrdering?: "ordered" | "unordered";
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
      // What the mongosh set-up script does on Atlas: delete positions and reconcile rows expire, and a TTL monitor runs.
      await ensureMirrorTtlIndexes(source, {
        database: this.values.get("FIREHOSE_DATABASE"),
        deletesCollection: this.values.get("FIREHOSE_DELETES_COLLECTION"),
        reconcileCollection: this.values.get("FIREHOSE_RECONCILE_COLLECTION"),
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
    const functionName = trigger.event_processors.FUNCTION?.config.function_name as string;
    const configured = trigger.config as DatabaseTriggerConfig;
    const ordering = functionName === "publishChangeToKinesis" ? this.options.triggerOrdering : undefined;
    const config = ordering ? { ...configured, unordered: ordering === "unordered" } : configured;
    const prepare = triggerEventFilter(config);
    const tokens = this.options.resumeTokens;
    let queue: Promise<unknown> = Promise.resolve();
    const dispatch = (raw: Document) => {
      if (this.stopped) return;
      const delivered = prepare(raw);
      if (delivered === undefined) return;
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
    const resumeAfter = tokens && tokens[trigger.name] ? (tokens[trigger.name] as { _data: string }) : undefined;
    const onError = (error: unknown) =>
      this.options.functionConsole?.error(
        JSON.stringify({
          level: "error",
          msg: "change stream failed; trigger suspended",
          trigger: trigger.name,
          error: String(error),
        }),
      );
    this.stops.push(watchChanges(this.options.dataSource, config, resumeAfter, dispatch, onError));
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

  private async handleEndpoint(functionName: string, route: string, req: IncomingMessage): Promise<EndpointAnswer> {
    const call = await endpointCall(req, MAX_REQUEST_BYTES);
    if ("refused" in call) return call.refused;
    await this.run(functionName, [call.request, call.response], { route });
    return call.answer;
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
