import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN_API_OPERATIONS, matchOperation, type AdminApiOperationId } from "../adapters/admin-api/operations";
import { constantTimeMatch } from "../core/firehose/protocol/access-key";
import { createApp, workingConfig, type StandInApp } from "./admin-api/app-store";
import {
  functionRoutes,
  refuse,
  secretRoutes,
  serviceRoutes,
  triggerRoutes,
  valueRoutes,
  type Answer,
  type ConfigRequest,
} from "./admin-api/config-routes";
import { deployRoutes, type DeployRequest } from "./admin-api/deploy-routes";
import {
  answerLogs,
  RuntimeTriggers,
  type LogEntry,
  type ResumeFromLostHistory,
  type SuspensionField,
} from "./admin-api/runtime-triggers";
import { createSpecValidator } from "./admin-api/spec-validator";
import type { LocalRuntime } from "./runtime";

export type { ResumeFromLostHistory, SuspensionField };

/** An Atlas programmatic API key the stand-in accepts, with its project role. */
export interface StandInKey {
  publicKey: string;
  privateKey: string;
  /** "owner" (Project Owner: reads and writes) or "read" (Project Read Only: a write answers 403). */
  role: "owner" | "read";
}

export interface LocalAdminApiOptions {
  /** The programmatic key the login accepts (Project Owner), and any others. */
  publicKey: string;
  privateKey: string;
  keys?: StandInKey[];
  groupId: string;
  /** The app's ObjectId and name (default: a new id, "atlas-kinesis-bridge"). */
  appId?: string;
  appName?: string;
  /**
   * The local runtime whose DATABASE triggers are the app's (a getter: a restarted runtime is a new
   * object): listing, resuming, executions and TRIGGER_FAILURE logs come from it.
   */
  runtime?: () => LocalRuntime;
  suspensionField?: SuspensionField;
  resumeFromLostHistory?: ResumeFromLostHistory;
  /** How long an access token is valid (the real API: 30 minutes). */
  tokenTtlMs?: number;
  /** Reads of a new deployment that answer `pending` before it finishes (default 1). */
  pendingPolls?: number;
  /** The loopback port (default 0: any free one). */
  port?: number;
  /** Called with every call answered (npm run admin-api-local prints them). */
  onCall?: (call: AdminApiCall) => void;
}

export interface AdminApiCall {
  at: number;
  method: string;
  /** The path below /api/admin/v3.0. */
  path: string;
  /** The spec's operation, when the request was one the stand-in knows. */
  operation?: AdminApiOperationId;
  query: Record<string, string>;
  status: number;
  /** The parsed JSON body (never a login's: it holds the key; a secret's value is replaced by "<secret>"). */
  body?: unknown;
  /** The answer's JSON (never a login's: it holds the tokens). */
  answer?: unknown;
}

export interface LocalAdminApi {
  /** The base URL, as ADMIN_API_URL takes it: http://127.0.0.1:<port>/api/admin/v3.0 */
  readonly url: string;
  /** Every call answered, in order (for demos and tests). */
  readonly calls: AdminApiCall[];
  /** The apps it holds, by name or id (its first app when none is given). */
  app(nameOrId?: string): StandInApp;
  /** Adds an empty app to the project. */
  addApp(name: string): StandInApp;
  /** A draft left by the key's user (a deploy that was interrupted, or another run with the same key). */
  leaveDraft(nameOrId?: string): string;
  stop(): Promise<void>;
}

const PREFIX = "/api/admin/v3.0";
/** App Services accepts requests of up to 18 MB; the function sources are a few hundred KB. */
const MAX_BODY_BYTES = 18 * 1000 * 1000;

interface Session {
  userId: string;
  role: StandInKey["role"];
  until: number;
}

/**
 * A local stand-in of the App Services Admin API v3: every operation this project calls (see
 * src/adapters/admin-api/operations.ts), served on 127.0.0.1 as the published spec describes it.
 * Requests are checked against the schemas written from the spec (a mismatch answers 400 naming the
 * field), errors come as the spec's `{error, error_code}`: 401 for no, a wrong or an expired token,
 * 403 for a write with a read-only key, 404 for another project, app or resource, 409 for a draft
 * that exists or a name that is taken, and 501 for an operation the project does not use (named).
 * `npm run admin-api-local` starts one for `npm run deploy`; `npm start -- --suspend-capture` backs
 * its app's triggers with the local runtime.
 */
export async function startLocalAdminApi(options: LocalAdminApiOptions): Promise<LocalAdminApi> {
  const standIn = new StandIn(options);
  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        const answer = standIn.handle(req, text);
        send(res, answer.status, answer.body);
      },
      (error: unknown) =>
        send(res, 400, { error: `could not read the request: ${String(error)}`, error_code: "BadRequest" }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    calls: standIn.calls,
    app: (nameOrId) => standIn.findApp(nameOrId),
    addApp: (name) => standIn.addApp(name),
    leaveDraft: (nameOrId) => standIn.leaveDraft(nameOrId),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The stand-in's state and its answer to each request. */
class StandIn {
  readonly calls: AdminApiCall[] = [];
  private readonly keys: StandInKey[];
  private readonly apps: StandInApp[];
  private readonly logs = new Map<StandInApp, LogEntry[]>();
  private readonly runtimeTriggers?: RuntimeTriggers;
  private readonly sessions = new Map<string, Session>();
  private readonly validator = createSpecValidator();

  constructor(private readonly options: LocalAdminApiOptions) {
    this.keys = [
      { publicKey: options.publicKey, privateKey: options.privateKey, role: "owner" },
      ...(options.keys ?? []),
    ];
    this.apps = [];
    const first = this.addApp(options.appName ?? "atlas-kinesis-bridge", options.appId);
    if (options.runtime)
      this.runtimeTriggers = new RuntimeTriggers(options.runtime, first, this.logs.get(first) as LogEntry[], {
        suspensionField: options.suspensionField ?? "none",
        resumeFromLostHistory: options.resumeFromLostHistory ?? "error",
      });
  }

  addApp(name: string, appId?: string): StandInApp {
    const app = createApp(this.options.groupId, name, { appId });
    this.apps.push(app);
    this.logs.set(app, []);
    return app;
  }

  findApp(nameOrId?: string): StandInApp {
    const app =
      nameOrId === undefined
        ? this.apps[0]
        : this.apps.find((a) => a.instance._id === nameOrId || a.instance.name === nameOrId);
    if (!app) throw new Error(`the stand-in has no app ${String(nameOrId)}`);
    return app;
  }

  leaveDraft(nameOrId?: string): string {
    const app = this.findApp(nameOrId);
    const answer = deployRoutes.createDraft({
      app,
      userId: userIdOf(this.options.publicKey),
      params: {},
      body: {},
      pendingPolls: 0,
    });
    return (answer.body as { _id: string })._id;
  }

  /** Answers a request and records the call. */
  handle(req: IncomingMessage, text: string): Answer {
    const url = new URL(req.url || "/", "http://stand-in");
    const path = url.pathname.indexOf(PREFIX) === 0 ? url.pathname.slice(PREFIX.length) : url.pathname;
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => (query[key] = value));
    const method = req.method || "";
    const matched = matchOperation(method, path);
    const hasBody = text.trim() !== "";
    const body = hasBody ? parse(text) : undefined;
    const answer = matched
      ? this.answer(matched.operation, matched.params, query, hasBody, body, req.headers.authorization)
      : refuse(
          501,
          `the local Admin API does not serve ${method} ${path}: it stands in for the operations this project calls (${Object.keys(ADMIN_API_OPERATIONS).join(", ")})`,
        );
    const isLogin = matched?.operation === "adminLogin";
    const call: AdminApiCall = {
      at: Date.now(),
      method,
      path,
      ...(matched ? { operation: matched.operation } : {}),
      query,
      status: answer.status,
      ...(isLogin || !hasBody ? {} : { body: redactSecret(matched?.operation, body) }),
      ...(isLogin || answer.body === undefined ? {} : { answer: answer.body }),
    };
    this.calls.push(call);
    this.options.onCall?.(call);
    return answer;
  }

  private answer(
    operation: AdminApiOperationId,
    params: Record<string, string>,
    query: Record<string, string>,
    hasBody: boolean,
    body: unknown,
    authorization: string | undefined,
  ): Answer {
    if (hasBody && body === undefined) return refuse(400, "the body is not JSON", "BadRequest");
    if (operation === "adminLogin") return this.login(body);
    const session = this.authorize(authorization);
    if (!session) return refuse(401, "invalid session: access token expired", "InvalidSession");
    const problems = this.validator.request(operation, query, body, hasBody);
    if (problems.length > 0)
      return refuse(400, `the request does not match the spec: ${problems.join("; ")}`, "BadRequest");
    if (ADMIN_API_OPERATIONS[operation].method !== "GET" && session.role !== "owner")
      return refuse(403, `forbidden: this key's project role may not ${operation}`);
    return this.dispatch(operation, params, query, body, session);
  }

  private login(body: unknown): Answer {
    const problems = this.validator.request("adminLogin", {}, body, body !== undefined);
    if (problems.length > 0)
      return refuse(400, `the request does not match the spec: ${problems.join("; ")}`, "BadRequest");
    const { username, apiKey } = body as { username: string; apiKey: string };
    const key = this.keys.find(
      (k) => constantTimeMatch(username, [k.publicKey]) && constantTimeMatch(apiKey, [k.privateKey]),
    );
    if (!key) return refuse(401, "invalid username/password", "InvalidPassword");
    const token = randomBytes(24).toString("hex");
    const userId = userIdOf(key.publicKey);
    this.sessions.set(token, { userId, role: key.role, until: Date.now() + (this.options.tokenTtlMs ?? 30 * 60_000) });
    const device_id = "000000000000000000000000";
    return {
      status: 200,
      body: { access_token: token, refresh_token: randomBytes(24).toString("hex"), user_id: userId, device_id },
    };
  }

  private authorize(header: string | undefined): Session | undefined {
    const bearer = /^Bearer (.+)$/.exec(header || "");
    const session = bearer ? this.sessions.get(bearer[1]) : undefined;
    return session && session.until >= Date.now() ? session : undefined;
  }

  private dispatch(
    operation: AdminApiOperationId,
    params: Record<string, string>,
    query: Record<string, string>,
    body: unknown,
    session: Session,
  ): Answer {
    if (params.groupId !== this.options.groupId) return refuse(404, `project ${params.groupId} not found`);
    if (operation === "adminListApplications") return listApps(this.apps, query);
    const app = this.apps.find((a) => a.instance._id === params.appId);
    if (!app) return refuse(404, "app not found", "AppNotFound");
    const runtime = app === this.apps[0] ? this.runtimeTriggers : undefined;
    const triggerAnswer = runtime ? runtimeTriggerRoute(runtime, operation, params, body) : undefined;
    if (triggerAnswer) return triggerAnswer;
    if (operation === "adminGetLogs") return answerLogs(this.logs.get(app) ?? [], query);
    const fields = (body ?? {}) as Record<string, unknown>;
    return routeTo(
      operation,
      { config: workingConfig(app, session.userId), params, body: fields },
      { app, userId: session.userId, params, body: fields, pendingPolls: this.options.pendingPolls ?? 1 },
    );
  }
}

/** A key's user id: stable per public key, shaped like App Services' ObjectIds. */
function userIdOf(publicKey: string): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 24);
}

/** The runtime-backed app's trigger operations; undefined for the others (served from its configuration). */
function runtimeTriggerRoute(
  runtime: RuntimeTriggers,
  operation: AdminApiOperationId,
  params: Record<string, string>,
  body: unknown,
): Answer | undefined {
  switch (operation) {
    case "adminListTriggers":
      return runtime.list();
    case "adminResumeTrigger":
      return runtime.resume(
        params.triggerId,
        (body as { disable_token?: unknown } | undefined)?.disable_token === true,
      );
    case "adminGetLatestEventSubscriptionExecution":
      return runtime.execution(params.eventSubscriptionId);
    case "adminGetLogs":
      runtime.syncLogs();
      return undefined;
    case "adminCreateTrigger":
    case "adminUpdateTrigger":
    case "adminDeleteTrigger":
      return refuse(
        501,
        "this app's triggers are the local runtime's (read from the export): deploy into an app the stand-in holds without a runtime",
      );
    default:
      return undefined;
  }
}

function routeTo(operation: AdminApiOperationId, config: ConfigRequest, deploy: DeployRequest): Answer {
  const routes: Partial<Record<AdminApiOperationId, () => Answer>> = {
    adminListFunctions: () => functionRoutes.list(config),
    adminGetFunction: () => functionRoutes.get(config),
    adminCreateFunction: () => functionRoutes.create(config),
    adminUpdateFunction: () => functionRoutes.update(config),
    adminDeleteFunction: () => functionRoutes.remove(config),
    adminListTriggers: () => triggerRoutes.list(config),
    adminCreateTrigger: () => triggerRoutes.create(config),
    adminUpdateTrigger: () => triggerRoutes.update(config),
    adminDeleteTrigger: () => triggerRoutes.remove(config),
    adminListValues: () => valueRoutes.list(config),
    adminGetValue: () => valueRoutes.get(config),
    adminCreateValue: () => valueRoutes.create(config),
    adminUpdateValue: () => valueRoutes.update(config),
    adminDeleteValue: () => valueRoutes.remove(config),
    adminGetAllSecrets: () => secretRoutes.list(config),
    adminCreateASecret: () => secretRoutes.create(config),
    adminModifyASecret: () => secretRoutes.modify(config),
    adminListServices: () => serviceRoutes.list(config),
    adminGetServiceConfig: () => serviceRoutes.getConfig(config),
    adminCreateService: () => serviceRoutes.create(config),
    adminUpdateServiceConfig: () => serviceRoutes.updateConfig(config),
    adminListDeploymentDrafts: () => deployRoutes.listDrafts(deploy),
    adminCreateDeploymentDraft: () => deployRoutes.createDraft(deploy),
    adminDiscardDraft: () => deployRoutes.discardDraft(deploy),
    adminDeployDraft: () => deployRoutes.deployDraft(deploy),
    adminListDeployments: () => deployRoutes.listDeployments(deploy),
    adminGetDeployment: () => deployRoutes.getDeployment(deploy),
    adminGetLatestEventSubscriptionExecution: () => {
      // Its triggers run nowhere: the latest execution exists for a trigger, and has none.
      const known = config.config.triggers.some((t) => t._id === config.params.eventSubscriptionId);
      return known ? { status: 200, body: {} } : refuse(404, "event subscription not found");
    },
    adminResumeTrigger: () =>
      refuse(
        501,
        "this app's triggers run nowhere, so none is suspended: the stand-in resumes the local runtime's triggers only (npm start -- --suspend-capture)",
      ),
  };
  const route = routes[operation];
  return route ? route() : refuse(501, `the local Admin API does not serve ${operation}`);
}

/** `adminListApplications`: the project's apps of the requested products (default: standard). */
function listApps(apps: StandInApp[], query: Record<string, string>): Answer {
  const products = (query.product || "standard").split(",");
  return { status: 200, body: apps.filter((a) => products.includes(a.instance.product)).map((a) => a.instance) };
}

function redactSecret(operation: AdminApiOperationId | undefined, body: unknown): unknown {
  if ((operation === "adminCreateASecret" || operation === "adminModifyASecret") && body && typeof body === "object")
    return { ...(body as Record<string, unknown>), value: "<secret>" };
  return body;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
