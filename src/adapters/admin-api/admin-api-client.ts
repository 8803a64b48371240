import { AdminApiError, isHistoryLost, type TriggerAdminPort } from "../../core/capture/trigger-admin";
import type { HttpRequester } from "../http/node-transport";

export interface AdminApiSettings {
  /** e.g. https://services.cloud.mongodb.com/api/admin/v3.0 */
  readonly baseUrl: string;
  /** An Atlas programmatic API key: public part (the login's `username`) and private part (`apiKey`). */
  readonly publicKey: string;
  readonly privateKey: string;
  /** The Atlas project (group) id and the App's ObjectId. */
  readonly groupId: string;
  readonly appId: string;
  readonly timeoutMs: number;
}

/**
 * Access tokens last 30 minutes (Admin API reference, "Refresh an Admin API Session Access Token");
 * a new login a little before that keeps a token from expiring between two calls.
 */
const TOKEN_REUSE_MS = 25 * 60_000;

/**
 * The App Services Admin API v3 over HTTP, as documented: `POST /auth/providers/mongodb-cloud/login`
 * with the programmatic key gives an `access_token` (sent as a Bearer token, reused until it nears
 * its 30 minutes; a 401 logs in again once), `GET /groups/{groupId}/apps/{appId}/triggers` lists,
 * `PUT …/triggers/{triggerId}/resume` with `{"disable_token": …}` resumes (204). Errors come as
 * `{error, error_code}`. Neither the key nor a token ever goes into an error message.
 */
export function createAdminApiClient(
  settings: AdminApiSettings,
  http: HttpRequester,
  now: () => number = Date.now,
): TriggerAdminPort {
  const base = settings.baseUrl.replace(/\/+$/, "");
  const app = `${base}/groups/${encodeURIComponent(settings.groupId)}/apps/${encodeURIComponent(settings.appId)}`;
  let session: { token: string; until: number } | undefined;

  const send = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    try {
      return await http.request(method, url, headers, body, settings.timeoutMs);
    } catch (error) {
      throw new AdminApiError(
        "unreachable",
        `${method} ${pathOf(url, base)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  const login = async (): Promise<string> => {
    const answer = await send(
      "POST",
      `${base}/auth/providers/mongodb-cloud/login`,
      { "Content-Type": "application/json", Accept: "application/json" },
      JSON.stringify({ username: settings.publicKey, apiKey: settings.privateKey }),
    );
    if (answer.status !== 200) throw failure("POST /auth/providers/mongodb-cloud/login", answer, true);
    const token = parseJson(answer.body) as { access_token?: unknown } | undefined;
    if (!token || typeof token.access_token !== "string" || token.access_token === "")
      throw new AdminApiError("failed", "the login answered without an access_token", answer.status);
    session = { token: token.access_token, until: now() + TOKEN_REUSE_MS };
    return session.token;
  };

  const call = async (method: string, url: string, body?: string) => {
    const token = session && session.until > now() ? session.token : await login();
    const headers = (bearer: string): Record<string, string> => ({
      Authorization: `Bearer ${bearer}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    });
    let answer = await send(method, url, headers(token), body);
    if (answer.status === 401) {
      // The session may have ended early (revoked, or the API's clock); one new login, then give up.
      session = undefined;
      answer = await send(method, url, headers(await login()), body);
    }
    return answer;
  };

  return {
    async listTriggers() {
      const url = `${app}/triggers`;
      const answer = await call("GET", url);
      if (answer.status !== 200) throw failure(`GET ${pathOf(url, base)}`, answer, false);
      const list = parseJson(answer.body);
      if (!Array.isArray(list))
        throw new AdminApiError("failed", `GET ${pathOf(url, base)} did not answer a JSON array`, answer.status);
      return list;
    },
    async resumeTrigger(triggerId, disableToken) {
      const url = `${app}/triggers/${encodeURIComponent(triggerId)}/resume`;
      const answer = await call("PUT", url, JSON.stringify({ disable_token: disableToken }));
      if (answer.status < 200 || answer.status > 299) throw failure(`PUT ${pathOf(url, base)}`, answer, false);
    },
  };
}

/** An error answer as an AdminApiError: its kind from the status and the API's `{error, error_code}`. */
function failure(what: string, answer: { status: number; body: string }, isLogin: boolean): AdminApiError {
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
  return new AdminApiError(kind, `${what} answered ${answer.status}${text ? `: ${text}` : ""}`, answer.status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pathOf(url: string, base: string): string {
  return url.indexOf(base) === 0 ? url.slice(base.length) : url;
}
