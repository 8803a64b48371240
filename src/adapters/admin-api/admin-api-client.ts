import { AdminApiError, type TriggerAdminPort } from "../../core/capture/health/trigger-admin";
import type { HttpRequester } from "../http/node-transport";
import { answerError, createAdminApiSession, parseJson, type AdminApiSession } from "./admin-api-session";

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

/** `adminGetLogs` answers at most 100 entries a page; more pages than this in one minute are not read. */
const MAX_LOG_PAGES = 5;

/**
 * The heartbeat's Admin API, over HTTP as the reference documents it (admin-api-session.ts logs in):
 * `adminListTriggers`, `adminResumeTrigger` (`{"disable_token": …}` → 204),
 * `adminGetLatestEventSubscriptionExecution` and `adminGetLogs` with `type=TRIGGER_FAILURE`. Errors
 * come as `{error, error_code}` and become AdminApiErrors; neither the key nor a token is ever in one.
 */
export function createAdminApiClient(
  settings: AdminApiSettings,
  http: HttpRequester,
  now: () => number = Date.now,
): TriggerAdminPort {
  const session = createAdminApiSession(settings, http, now);
  const app = { groupId: settings.groupId, appId: settings.appId };
  return {
    async listTriggers() {
      const answer = await session.call("adminListTriggers", { params: app });
      return jsonArray(session, answer, "adminListTriggers", app);
    },
    async resumeTrigger(triggerId, disableToken) {
      const params = { ...app, triggerId };
      const answer = await session.call("adminResumeTrigger", { params, body: { disable_token: disableToken } });
      if (answer.status < 200 || answer.status > 299)
        throw answerError(session.describe("adminResumeTrigger", params), answer);
    },
    async latestExecution(eventSubscriptionId) {
      const params = { ...app, eventSubscriptionId };
      const answer = await session.call("adminGetLatestEventSubscriptionExecution", { params });
      if (answer.status !== 200)
        throw answerError(session.describe("adminGetLatestEventSubscriptionExecution", params), answer);
      return parseJson(answer.body);
    },
    async triggerFailureLogs(since) {
      return readLogPages(session, app, since);
    },
  };
}

/**
 * Every TRIGGER_FAILURE entry after `since`, following `nextEndDate`/`nextSkip` while a page comes
 * back full. `errors_only` is sent because without it the API answers non-error logs only.
 */
async function readLogPages(
  session: AdminApiSession,
  app: { groupId: string; appId: string },
  since: Date,
): Promise<unknown[]> {
  const entries: unknown[] = [];
  let page: { end_date?: string; skip?: string } = {};
  for (let n = 0; n < MAX_LOG_PAGES; n++) {
    const answer = await session.call("adminGetLogs", {
      params: app,
      query: {
        type: "TRIGGER_FAILURE",
        errors_only: "true",
        start_date: since.toISOString(),
        ...page,
        limit: "100",
      },
    });
    if (answer.status !== 200) throw answerError(session.describe("adminGetLogs", app), answer);
    const body = parseJson(answer.body) as { logs?: unknown; nextEndDate?: unknown; nextSkip?: unknown } | undefined;
    const logs = body && Array.isArray(body.logs) ? body.logs : undefined;
    if (!body || !logs)
      throw new AdminApiError("failed", `${session.describe("adminGetLogs", app)} did not answer {logs: […]}`, 200);
    entries.push(...logs);
    if (logs.length < 100 || typeof body.nextEndDate !== "string") break;
    page = {
      end_date: body.nextEndDate,
      ...(typeof body.nextSkip === "number" && body.nextSkip > 0 ? { skip: String(body.nextSkip) } : {}),
    };
  }
  return entries;
}

function jsonArray(
  session: AdminApiSession,
  answer: { status: number; body: string },
  operation: "adminListTriggers",
  params: Record<string, string>,
): unknown[] {
  const what = session.describe(operation, params);
  if (answer.status !== 200) throw answerError(what, answer);
  const list = parseJson(answer.body);
  if (!Array.isArray(list)) throw new AdminApiError("failed", `${what} did not answer a JSON array`, answer.status);
  return list;
}
