/**
 * The part of the App Services Admin API v3 the heartbeat uses, as a port: list the app's triggers,
 * read each one's latest execution (`adminGetLatestEventSubscriptionExecution`) and the app's
 * `TRIGGER_FAILURE` logs (`adminGetLogs`), and resume a suspended trigger with or without its resume
 * token. src/adapters/admin-api speaks it over HTTP; src/local/admin-api-server.ts serves it on
 * loopback. Answers come back as the API's JSON; the read* functions below interpret them.
 */

export interface TriggerAdminPort {
  /** `GET /groups/{groupId}/apps/{appId}/triggers`: the app's triggers as the API lists them. */
  listTriggers(): Promise<unknown[]>;
  /**
   * `PUT /groups/{groupId}/apps/{appId}/triggers/{triggerId}/resume` with `{"disable_token": …}`:
   * from the trigger's resume token, or (disableToken) from now on, skipping what happened meanwhile.
   */
  resumeTrigger(triggerId: string, disableToken: boolean): Promise<void>;
  /**
   * `GET /groups/{groupId}/apps/{appId}/event_subscriptions/{id}/execution`: the latest execution of
   * an event subscription (a trigger's `_id` is its event subscription id), as answered.
   */
  latestExecution(eventSubscriptionId: string): Promise<unknown>;
  /**
   * `GET /groups/{groupId}/apps/{appId}/logs?type=TRIGGER_FAILURE&errors_only=true&start_date=…`:
   * the trigger failures logged after `since`, every page, as answered (entries of `logs`).
   */
  triggerFailureLogs(since: Date): Promise<unknown[]>;
}

export type AdminApiErrorKind =
  /** The key was refused (wrong key, or a role without access to this project). */
  | "unauthorized"
  /** No such app or trigger (wrong project or app id). */
  | "not_found"
  /** The resume failed because the trigger's resume token is no longer in the oplog. */
  | "history_lost"
  /** Any other answer. */
  | "failed"
  /** No answer: network error or timeout. */
  | "unreachable";

export class AdminApiError extends Error {
  constructor(
    readonly kind: AdminApiErrorKind,
    message: string,
    readonly status?: number,
    /** The answer's `error_code`, when it had one. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

/** What a listed trigger says about itself, read the same whichever field the API uses. */
export interface TriggerState {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  /** The function it runs (`function_name`, or `event_processors.FUNCTION.config.function_name`). */
  readonly functionName?: string;
  readonly database?: string;
  /** Absent on a database-level trigger. */
  readonly collection?: string;
  readonly state: "running" | "suspended" | "disabled";
  /** The error or status text that made it suspended, as listed (trimmed): an undocumented hint. */
  readonly reason?: string;
  /** The reason says the resume token has left the oplog: resuming from it cannot work. */
  readonly historyLost: boolean;
}

/**
 * A listed trigger. The Admin API's reference (the v3 OpenAPI spec, `Trigger` schema) documents
 * `_id`, `name`, `type`, `disabled`, `config`, `function_id`/`function_name` and `event_processors`,
 * and no field for a suspended trigger: the documented signals are its latest execution and the
 * TRIGGER_FAILURE logs (readExecution, readTriggerFailure; capture-health.ts weighs them). Fields the
 * reference does not have are read only as an extra hint, in either reading: a non-empty `error`
 * (string, or object with a message), or a `status`/`state` text meaning suspended or failed.
 * `disabled: true` alone is reported as disabled, never resumed (someone may have disabled it on purpose).
 */
export function readTriggerState(raw: unknown): TriggerState | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const t = raw as Record<string, unknown>;
  if (typeof t._id !== "string" || typeof t.name !== "string") return undefined;
  const config = (t.config && typeof t.config === "object" ? t.config : {}) as Record<string, unknown>;
  const processors = t.event_processors as { FUNCTION?: { config?: { function_name?: unknown } } } | undefined;
  const functionName =
    typeof t.function_name === "string"
      ? t.function_name
      : processors && processors.FUNCTION && processors.FUNCTION.config
        ? stringOrUndefined(processors.FUNCTION.config.function_name)
        : undefined;
  const error = errorText(t.error) || errorText(t.error_message) || errorText(t.last_error);
  const status = stringOrUndefined(t.status) || stringOrUndefined(t.state);
  const statusSuspended = status !== undefined && /suspend|fail|error|stopped|halt/i.test(status);
  const suspended = error !== undefined || statusSuspended;
  const reason = error !== undefined ? error : statusSuspended ? `status ${status}` : undefined;
  const code = stringOrUndefined(t.error_code);
  return {
    id: t._id,
    name: t.name,
    type: typeof t.type === "string" ? t.type : "",
    functionName,
    database: stringOrUndefined(config.database),
    collection: stringOrUndefined(config.collection),
    state: suspended ? "suspended" : t.disabled === true ? "disabled" : "running",
    reason: reason === undefined ? undefined : reason.slice(0, 300),
    historyLost: suspended && (isHistoryLost(reason) || isHistoryLost(code)),
  };
}

/** Whether an error text means the resume token has left the oplog (MongoDB error 286, ChangeStreamHistoryLost). */
export function isHistoryLost(text: string | undefined): boolean {
  return (
    text !== undefined &&
    /ChangeStreamHistoryLost|history (is |was )?lost|no longer (be )?in the oplog|resume point may no longer|\b(code|error)\W{0,3}286\b/i.test(
      text,
    )
  );
}

function errorText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (value && typeof value === "object") {
    const v = value as { message?: unknown; error?: unknown };
    return errorText(v.message) || errorText(v.error);
  }
  return undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What `adminGetLatestEventSubscriptionExecution` says, read. */
export interface ExecutionState {
  /** The last time the trigger processed a batch (its `completed_at`); null when it never has. */
  readonly completedAt: Date | null;
  /** The time of the latest event of that batch (its `cluster_time`). */
  readonly clusterTime: Date | null;
}

/**
 * The reference gives `completed_at` and `cluster_time` as objects without saying more: read as
 * Extended JSON (`{"$date": …}`, `{"$timestamp": {"t", "i"}}`), as an ISO text or epoch number, or as
 * a timestamp `{"T", "I"}`/`{"t", "i"}` (seconds). A `completed_at` that stops moving means the event
 * processor is down or stuck (the reference's own words).
 */
export function readExecution(raw: unknown): ExecutionState {
  const e = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  return { completedAt: apiTime(e.completed_at), clusterTime: apiTime(e.cluster_time) };
}

/** A `TRIGGER_FAILURE` log entry, read: which trigger (event subscription) failed, when, and why. */
export interface TriggerFailure {
  readonly eventSubscriptionId: string;
  readonly name?: string;
  readonly at: Date;
  readonly error: string;
  /** The error says the resume token has left the oplog. */
  readonly historyLost: boolean;
}

/** Reads a log entry of `adminGetLogs` (the reference's `AppLog`, type TRIGGER_FAILURE); undefined for anything else. */
export function readTriggerFailure(raw: unknown): TriggerFailure | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const log = raw as Record<string, unknown>;
  if (log.type !== "TRIGGER_FAILURE" || typeof log.event_subscription_id !== "string") return undefined;
  const at = apiTime(log.completed) || apiTime(log.started);
  if (!at) return undefined;
  const error = (errorText(log.error) || stringOrUndefined(log.error_code) || "trigger failure (no error text)").slice(
    0,
    300,
  );
  return {
    eventSubscriptionId: log.event_subscription_id,
    name: stringOrUndefined(log.event_subscription_name),
    at,
    error,
    historyLost: isHistoryLost(error) || isHistoryLost(stringOrUndefined(log.error_code)),
  };
}

/** A time as the Admin API may write it (see readExecution); null when it is none of those. */
export function apiTime(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return isNaN(value.getTime()) ? null : value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return isNaN(ms) ? null : new Date(ms);
  }
  // Epoch seconds (as the reference's other times are) or milliseconds.
  if (typeof value === "number") return isFinite(value) ? new Date(value < 1e11 ? value * 1000 : value) : null;
  if (typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  if ("$date" in v) {
    const date = v.$date as unknown;
    if (date && typeof date === "object" && typeof (date as { $numberLong?: unknown }).$numberLong === "string")
      return apiTime(Number((date as { $numberLong: string }).$numberLong));
    return typeof date === "number" ? new Date(date) : apiTime(date);
  }
  const stamp = (v.$timestamp && typeof v.$timestamp === "object" ? v.$timestamp : v) as Record<string, unknown>;
  const seconds = typeof stamp.t === "number" ? stamp.t : typeof stamp.T === "number" ? stamp.T : undefined;
  return seconds === undefined ? null : new Date(seconds * 1000);
}
