import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { constantTimeMatch } from "../core/firehose/access-key";
import type { DatabaseTriggerState, LocalRuntime } from "./runtime";

/**
 * Which field a listed suspended trigger carries. The Admin API's reference documents none (see
 * src/core/capture/trigger-admin.ts), so the local API can show either reading: `error` (the
 * trigger's error text, as the App logs show it) or `status` ("SUSPENDED", no reason given).
 */
export type SuspensionField = "error" | "status";

export interface LocalAdminApiOptions {
  /** The runtime whose DATABASE triggers are listed and resumed (a getter: a restarted runtime is a new object). */
  runtime: () => LocalRuntime;
  /** The programmatic key the login accepts. */
  publicKey: string;
  privateKey: string;
  groupId: string;
  appId: string;
  suspensionField?: SuspensionField;
  /** How long an access token is valid (the real API: 30 minutes). */
  tokenTtlMs?: number;
}

export interface AdminApiCall {
  at: number;
  method: string;
  /** The path below /api/admin/v3.0. */
  path: string;
  status: number;
  /** The parsed JSON body of a PUT (never a login's: it holds the key). */
  body?: unknown;
}

export interface LocalAdminApi {
  /** The base URL, as ADMIN_API_URL takes it: http://127.0.0.1:<port>/api/admin/v3.0 */
  readonly url: string;
  /** Every call answered, in order (for demos and tests). */
  readonly calls: AdminApiCall[];
  stop(): Promise<void>;
}

const PREFIX = "/api/admin/v3.0";

/**
 * The few App Services Admin API calls the heartbeat uses, served on 127.0.0.1 over the local
 * runtime's triggers, in the documented shapes: `POST /auth/providers/mongodb-cloud/login`
 * ({username, apiKey} → {access_token, refresh_token, user_id, device_id}), `GET
 * /groups/{groupId}/apps/{appId}/triggers` (the triggers as `Trigger` objects), `PUT
 * …/triggers/{triggerId}/resume` ({"disable_token": bool} → 204). Errors are `{error, error_code}`
 * with 401 (no or expired token, wrong key) or 404 (another project, app or trigger).
 */
export async function startLocalAdminApi(options: LocalAdminApiOptions): Promise<LocalAdminApi> {
  const tokens = new Map<string, number>();
  const calls: AdminApiCall[] = [];
  const ttl = options.tokenTtlMs ?? 30 * 60_000;
  const appPath = `/groups/${options.groupId}/apps/${options.appId}`;

  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        const path = (req.url || "/").split("?")[0];
        const sub = path.indexOf(PREFIX) === 0 ? path.slice(PREFIX.length) : "";
        const answer = (status: number, body?: unknown) => {
          calls.push({
            at: Date.now(),
            method: req.method || "",
            path: sub || path,
            status,
            ...(req.method === "PUT" ? { body: parse(text) } : {}),
          });
          send(res, status, body);
        };
        if (req.method === "POST" && sub === "/auth/providers/mongodb-cloud/login") {
          const login = parse(text) as { username?: unknown; apiKey?: unknown } | undefined;
          const ok =
            login !== undefined &&
            typeof login.username === "string" &&
            typeof login.apiKey === "string" &&
            constantTimeMatch(login.username, [options.publicKey]) &&
            constantTimeMatch(login.apiKey, [options.privateKey]);
          if (!ok) return answer(401, { error: "invalid username/password", error_code: "InvalidPassword" });
          const token = randomBytes(24).toString("hex");
          tokens.set(token, Date.now() + ttl);
          return answer(200, {
            access_token: token,
            refresh_token: randomBytes(24).toString("hex"),
            user_id: "000000000000000000000001",
            device_id: "000000000000000000000000",
          });
        }
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || "");
        const until = bearer ? tokens.get(bearer[1]) : undefined;
        if (until === undefined || until < Date.now())
          return answer(401, { error: "invalid session: access token expired", error_code: "InvalidSession" });
        if (sub.indexOf(`${appPath}/`) !== 0 && sub !== appPath)
          return answer(404, { error: "app not found", error_code: "AppNotFound" });
        const rest = sub.slice(appPath.length);
        if (req.method === "GET" && rest === "/triggers") {
          const suspension = options.suspensionField ?? "error";
          return answer(
            200,
            options
              .runtime()
              .listDatabaseTriggers()
              .map((t) => listed(t, suspension)),
          );
        }
        const resume = /^\/triggers\/([^/]+)\/resume$/.exec(rest);
        if (req.method === "PUT" && resume) {
          const body = text === "" ? {} : (parse(text) as { disable_token?: unknown } | undefined);
          if (body === undefined || typeof body !== "object")
            return answer(400, { error: "invalid request body", error_code: "BadRequest" });
          const state = options.runtime().resumeTrigger(decodeURIComponent(resume[1]), {
            disableToken: body.disable_token === true,
          });
          if (!state) return answer(404, { error: "trigger not found", error_code: "TriggerNotFound" });
          return answer(204);
        }
        return answer(404, { error: `no route for ${req.method} ${sub}`, error_code: "NotFound" });
      },
      () => send(res, 400, { error: "could not read the request", error_code: "BadRequest" }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A trigger as the Admin API's `Trigger` schema has it, plus the chosen reading of a suspension. */
function listed(trigger: DatabaseTriggerState, suspension: SuspensionField): Record<string, unknown> {
  const functionId = `${trigger.id.slice(0, 20)}f00d`;
  const { database, collection, operation_types, full_document, full_document_before_change, match, project } =
    trigger.config;
  const out: Record<string, unknown> = {
    _id: trigger.id,
    name: trigger.name,
    type: "DATABASE",
    disabled: trigger.disabled,
    function_id: functionId,
    function_name: trigger.functionName,
    config: {
      service_id: "000000000000000000000002",
      database,
      ...(collection === undefined ? {} : { collection }),
      operation_types,
      full_document: full_document === true,
      full_document_before_change: full_document_before_change === true,
      match: match || {},
      project: project || {},
      unordered: trigger.config.unordered === true,
      tolerate_resume_errors: false,
    },
    event_processors: { FUNCTION: { config: { function_id: functionId, function_name: trigger.functionName } } },
  };
  if (trigger.state === "suspended") {
    if (suspension === "error") {
      out.error = trigger.error;
      if (trigger.errorCode) out.error_code = trigger.errorCode;
    } else out.status = "SUSPENDED";
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) req.destroy(new Error("body too large"));
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
