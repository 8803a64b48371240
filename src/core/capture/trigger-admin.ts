/**
 * The part of the App Services Admin API the heartbeat uses (v3: log in with an Atlas programmatic
 * API key, list the app's triggers, resume a suspended one with or without its resume token), as a
 * port; src/adapters/admin-api speaks it over HTTP, the local runtime serves it on loopback.
 */

export interface TriggerAdminPort {
  /** `GET /groups/{groupId}/apps/{appId}/triggers`: the app's triggers as the API lists them. */
  listTriggers(): Promise<unknown[]>;
  /**
   * `PUT /groups/{groupId}/apps/{appId}/triggers/{triggerId}/resume` with `{"disable_token": …}`:
   * from the trigger's resume token, or (disableToken) from now on, skipping what happened meanwhile.
   */
  resumeTrigger(triggerId: string, disableToken: boolean): Promise<void>;
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
  /** The error or status text that made it suspended, as listed (trimmed). */
  readonly reason?: string;
  /** The reason says the resume token has left the oplog: resuming from it cannot work. */
  readonly historyLost: boolean;
}

/**
 * The Admin API's reference (the v3 OpenAPI spec, `Trigger` schema) documents `_id`, `name`, `type`,
 * `disabled`, `config`, `function_id`/`function_name` and `event_processors`, and no field for a
 * suspended trigger; the UI shows a "Status" of "Suspended" and the logs name `ChangeStreamHistoryLost`.
 * So both readings are accepted: a non-empty `error` (string, or object with a message), or a
 * `status`/`state` text meaning suspended or failed. `disabled: true` alone is reported as disabled,
 * never resumed (someone may have disabled it on purpose).
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
