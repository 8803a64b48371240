import { Cron } from "croner";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { MongoClient } from "mongodb";
import type { DataSourcePort, Document } from "../core/ports";
import { ensureMirrorTtlIndexes } from "../adapters/mongodb/mirror-indexes";
import { localAtlasService } from "./atlas-service";
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

/** A DATABASE trigger's state as the local runtime keeps it (and its Admin API lists it). */
export interface DatabaseTriggerState {
  /** A stable id (24 hex digits, like App Services' ObjectIds), derived from the name. */
  readonly id: string;
  readonly name: string;
  readonly functionName: string;
  readonly config: DatabaseTriggerConfig;
  readonly disabled: boolean;
  state: "running" | "suspended";
  /** The error a suspended trigger shows, as App Services logs it. */
  error?: string;
  errorCode?: string;
  suspendedAt?: Date;
  /** Whether the events of the suspension are gone (resuming from the token then fails again). */
  historyLost: boolean;
  /** Change events that arrived while suspended and were never delivered, by operation type. */
  readonly dropped: Record<string, number>;
  /** Events delivered to the trigger whose function has not finished yet (its backlog). */
  pending: number;
  /** When its function last finished an event, and that event's cluster time (what the Admin API's latest execution reports). */
  lastCompletedAt?: Date;
  lastClusterTime?: unknown;
}

/** The error App Services shows for a trigger whose resume token has left the oplog. */
export const HISTORY_LOST_ERROR =
  "(ChangeStreamHistoryLost) Resume of change stream was not possible, as the resume point may no longer be in the oplog.";

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
  private readonly databaseTriggers = new Map<
    string,
    { state: DatabaseTriggerState; rewatch(fromToken: boolean): void }
  >();
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

  /** `mongodb-atlas` as functions see it: the watched collections read with their exact types. */
  private get atlasService(): DataSourcePort {
    this.atlas ??= localAtlasService(this.options.dataSource as unknown as DataSourcePort, (namespace) =>
      [...this.databaseTriggers.values()].some(({ state: { config } }) =>
        config.collection
          ? `${config.database}.${config.collection}` === namespace
          : namespace.startsWith(`${config.database}.`),
      ),
    );
    return this.atlas;
  }
  private atlas: DataSourcePort | undefined;

  /** The `context` global functions see. */
  readonly context = {
    app: { name: "", id: "local" },
    environment: { tag: "", values: {} },
    values: { get: (name: string) => this.values.get(name) },
    services: {
      get: (name: string) => (name === "mongodb-atlas" ? this.atlasService : undefined),
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

  /** Every DATABASE trigger's state (what the local Admin API lists). */
  listDatabaseTriggers(): DatabaseTriggerState[] {
    return [...this.databaseTriggers.values()].map((t) => t.state);
  }

  /**
   * Suspends a DATABASE trigger as Atlas does: its change stream stops, and the events written while
   * it is suspended are not delivered. With `historyLost` (the default), its resume token has left
   * the oplog: a resume from the token fails again, and those events are never delivered.
   */
  suspendTrigger(name: string, options: { historyLost?: boolean; error?: string } = {}): DatabaseTriggerState {
    const trigger = this.databaseTriggers.get(name);
    if (!trigger) throw new Error(`no DATABASE trigger "${name}"`);
    const historyLost = options.historyLost ?? true;
    Object.assign(trigger.state, {
      state: "suspended",
      suspendedAt: new Date(),
      historyLost,
      error:
        options.error ?? (historyLost ? HISTORY_LOST_ERROR : "(ChangeStreamInvalidated) change stream invalidated"),
      errorCode: historyLost ? "ChangeStreamHistoryLost" : "ChangeStreamInvalidated",
    });
    return trigger.state;
  }

  /**
   * Resumes a suspended trigger (by id or name), as the Admin API's resume does: from its resume
   * token (the events of the suspension are delivered, unless the history is lost: then it is
   * suspended again at once, as a change stream that cannot resume fails), or, with `disableToken`,
   * from now on. Undefined for an unknown trigger.
   */
  resumeTrigger(idOrName: string, options: { disableToken: boolean }): DatabaseTriggerState | undefined {
    const trigger = [...this.databaseTriggers.values()].find(
      (t) => t.state.id === idOrName || t.state.name === idOrName,
    );
    if (!trigger) return undefined;
    const state = trigger.state;
    if (state.state !== "suspended") return state;
    if (!options.disableToken && state.historyLost) {
      state.suspendedAt = new Date();
      return state;
    }
    Object.assign(state, { state: "running", error: undefined, errorCode: undefined, suspendedAt: undefined });
    state.historyLost = false;
    // From the token, the events of the suspension are replayed from the change log; without it a
    // new change stream starts from now.
    trigger.rewatch(!options.disableToken);
    return state;
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
    // Checked when the export was read (readAppExport); exports name a trigger's file after it.
    const prepare = triggerEventFilter(config, `triggers/${trigger.name}.json`);
    const tokens = this.options.resumeTokens;
    let lastToken: { _data: string } | undefined = tokens && (tokens[trigger.name] as { _data: string } | undefined);
    let queue: Promise<unknown> = Promise.resolve();
    const state: DatabaseTriggerState = {
      id: createHash("sha256").update(trigger.name).digest("hex").slice(0, 24),
      name: trigger.name,
      functionName,
      config,
      disabled: trigger.disabled === true,
      state: "running",
      historyLost: false,
      dropped: {},
      pending: 0,
    };
    const dispatch = (raw: Document) => {
      if (this.stopped) return;
      const delivered = prepare(raw);
      if (delivered === undefined) return;
      if (state.state === "suspended") {
        // A suspended trigger's change stream is closed: the event is not delivered (and, with the
        // history lost, never will be).
        const type = String(raw.operationType);
        state.dropped[type] = (state.dropped[type] || 0) + 1;
        return;
      }
      state.pending++;
      const remember = () => {
        state.pending--;
        // A suspended trigger's processor is down: work that finishes after it does not count as a batch processed.
        if (state.state === "running") {
          state.lastCompletedAt = new Date();
          state.lastClusterTime = raw.clusterTime;
        }
        lastToken = raw._id as { _data: string };
        if (tokens) tokens[trigger.name] = raw._id;
      };
      if (config.unordered) {
        void this.track(this.run(functionName, [delivered], { trigger: trigger.name }).then(remember));
      } else {
        queue = queue.then(async () => {
          if (this.stopped) {
            state.pending--; // not remembered: a restarted runtime replays it
            return;
          }
          await this.run(functionName, [delivered], { trigger: trigger.name });
          remember();
        });
        void this.track(queue);
      }
    };
    const onError = (error: unknown) => {
      state.state = "suspended";
      state.suspendedAt = new Date();
      state.error = String(error);
      this.options.functionConsole?.error(
        JSON.stringify({
          level: "error",
          msg: "change stream failed; trigger suspended",
          trigger: trigger.name,
          error: String(error),
        }),
      );
    };
    let stopWatch = watchChanges(this.options.dataSource, config, lastToken, dispatch, onError);
    this.stops.push(() => stopWatch());
    this.databaseTriggers.set(trigger.name, {
      state,
      rewatch: (fromToken) => {
        void stopWatch();
        try {
          stopWatch = watchChanges(
            this.options.dataSource,
            config,
            fromToken ? lastToken : undefined,
            dispatch,
            onError,
          );
        } catch (error) {
          // The embedded store refuses a token older than its change log, as MongoDB does.
          stopWatch = () => undefined;
          onError(error);
          state.historyLost = true;
          state.errorCode = "ChangeStreamHistoryLost";
        }
      },
    });
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
