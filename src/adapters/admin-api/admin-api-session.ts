import { AdminApiError, isHistoryLost } from "../../core/capture/health/trigger-admin";
import type { HttpRequester } from "../http/node-transport";
import {
  ADMIN_API_OPERATIONS,
  operationPath,
  queryString,
  type AdminApiOperationId,
  type PathParams,
} from "./operations";

export interface AdminApiSessionSettings {
  /** e.g. https://services.cloud.mongodb.com/api/admin/v3.0 */
  readonly baseUrl: string;
  /** An Atlas programmatic API key: public part (the login's `username`) and private part (`apiKey`). */
  readonly publicKey: string;
  readonly privateKey: string;
  readonly timeoutMs: number;
}

export interface AdminApiAnswer {
  readonly status: number;
  readonly body: string;
}

export interface AdminApiRequest {
  readonly params?: PathParams;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** Logged in calls to the Admin API: each answer as it came (any status), or an AdminApiError when none came. */
export interface AdminApiSession {
  call(operation: AdminApiOperationId, request?: AdminApiRequest): Promise<AdminApiAnswer>;
  /** `METHOD /path` of a call, for messages (no query: it may hold dates only, but stays short). */
  describe(operation: AdminApiOperationId, params?: PathParams): string;
}

/**
 * Access tokens last 30 minutes (Admin API reference, "Refresh an Admin API Session Access Token");
 * a new login a little before that keeps a token from expiring between two calls.
 */
const TOKEN_REUSE_MS = 25 * 60_000;

/**
 * A session as the reference describes it: `POST /auth/providers/mongodb-cloud/login` with the
 * programmatic key (`{username, apiKey}`) gives an `access_token`, sent as a Bearer token and reused
 * until it nears its 30 minutes; a 401 logs in again once. Neither the key nor a token ever goes
 * into an error message. Runs in App Services (the heartbeat) and in Node (npm run deploy).
 */
export function createAdminApiSession(
  settings: AdminApiSessionSettings,
  http: HttpRequester,
  now: () => number = Date.now,
): AdminApiSession {
  const base = settings.baseUrl.replace(/\/+$/, "");
  let session: { token: string; until: number } | undefined;

  const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    try {
      return await http.request(method, base + path, headers, body, settings.timeoutMs);
    } catch (error) {
      throw new AdminApiError(
        "unreachable",
        `${method} ${path.split("?")[0]}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  const login = async (): Promise<string> => {
    const path = operationPath("adminLogin", {});
    const answer = await send(
      "POST",
      path,
      { "Content-Type": "application/json", Accept: "application/json" },
      JSON.stringify({ username: settings.publicKey, apiKey: settings.privateKey }),
    );
    if (answer.status !== 200) throw answerError(`POST ${path}`, answer, true);
    const token = parseJson(answer.body) as { access_token?: unknown } | undefined;
    if (!token || typeof token.access_token !== "string" || token.access_token === "")
      throw new AdminApiError("failed", "the login answered without an access_token", answer.status);
    session = { token: token.access_token, until: now() + TOKEN_REUSE_MS };
    return session.token;
  };

  const describe = (operation: AdminApiOperationId, params: PathParams = {}) =>
    `${methodOf(operation)} ${operationPath(operation, params)}`;

  return {
    describe,
    async call(operation, request = {}) {
      const path = operationPath(operation, request.params || {}) + queryString(request.query);
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      const headers = (bearer: string): Record<string, string> => {
        const out: Record<string, string> = { Authorization: `Bearer ${bearer}`, Accept: "application/json" };
        if (body !== undefined) out["Content-Type"] = "application/json";
        return out;
      };
      const token = session && session.until > now() ? session.token : await login();
      let answer = await send(methodOf(operation), path, headers(token), body);
      if (answer.status === 401) {
        // The session may have ended early (revoked, or the API's clock); one new login, then give up.
        session = undefined;
        answer = await send(methodOf(operation), path, headers(await login()), body);
      }
      return answer;
    },
  };
}

function methodOf(operation: AdminApiOperationId): string {
  return ADMIN_API_OPERATIONS[operation].method;
}

/**
 * An error answer as an AdminApiError: its kind from the status and the API's `{error, error_code}`
 * (the reference's `Error` schema); the status and error_code are kept for callers that tell 401 from
 * 403 or look for a 409.
 */
export function answerError(what: string, answer: AdminApiAnswer, isLogin = false): AdminApiError {
  const parsed = parseJson(answer.body) as { error?: unknown; error_code?: unknown } | undefined;
  const error = parsed && typeof parsed.error === "string" ? parsed.error : "";
  const code = parsed && typeof parsed.error_code === "string" ? parsed.error_code : "";
  const text = (code && error ? `${code}: ${error}` : error || code || answer.body).slice(0, 300);
  const kind =
    answer.status === 401 || answer.status === 403
      ? "unauthorized"
      : answer.status === 404 && !isLogin
        ? "not_found"
        : isHistoryLost(text)
          ? "history_lost"
          : "failed";
  return new AdminApiError(kind, `${what} answered ${answer.status}${text ? `: ${text}` : ""}`, answer.status, code);
}

/** An answer's JSON body (undefined when it is not JSON). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
