import type { DatabaseTriggerState, LocalRuntime } from "../runtime";
import { HISTORY_LOST_ERROR } from "../runtime";
import { newId, type StandInApp } from "./app-store";
import { refuse, type Answer } from "./config-routes";

/**
 * The triggers of an app backed by the local runtime (`npm start -- --suspend-capture`): listed,
 * resumed, their latest executions and their TRIGGER_FAILURE logs come from the runtime's DATABASE
 * triggers, as Atlas reports its own:
 * - a listed trigger has the reference's `Trigger` fields only, unless `suspensionField` adds one of
 *   the undocumented readings (`error`, or `status: "SUSPENDED"`) that earlier versions relied on;
 * - the latest execution's `completed_at` is when the trigger's function last finished an event and
 *   `cluster_time` that event's; both stop moving while it is suspended. (Atlas also moves it on
 *   idle "heartbeats", the UI's Latest Heartbeat, at an undocumented pace: not done here);
 * - each suspension is logged as a TRIGGER_FAILURE entry naming the trigger and its error;
 * - a resume from the token of a trigger whose history is lost fails. What Atlas answers then is not
 *   documented (the spec lists 204 and 404 only; the docs say the trigger "must be started without a
 *   resume token"). `resumeFromLostHistory: "error"` (the default) answers 400 with the spec's Error
 *   shape and the error text App Services logs for it; `"accepted"` answers 204 and the trigger is
 *   suspended again at once, with a new TRIGGER_FAILURE log: the two plausible readings.
 */
export type SuspensionField = "none" | "error" | "status";

/** In the "accepted" reading, how long after the 204 the restarted trigger fails. */
const RESTART_FAILS_AFTER_MS = 50;
export type ResumeFromLostHistory = "error" | "accepted";

export interface LogEntry {
  _id: string;
  co_id: string;
  type: "TRIGGER_FAILURE";
  app_id: string;
  group_id: string;
  domain_id: string;
  event_subscription_id: string;
  event_subscription_name: string;
  error: string;
  started: string;
  completed: string;
}

export class RuntimeTriggers {
  private readonly logged = new Set<string>();

  constructor(
    private readonly runtime: () => LocalRuntime,
    private readonly app: StandInApp,
    private readonly logs: LogEntry[],
    private readonly options: { suspensionField: SuspensionField; resumeFromLostHistory: ResumeFromLostHistory },
  ) {}

  private states(): DatabaseTriggerState[] {
    return this.runtime().listDatabaseTriggers();
  }

  list(): Answer {
    this.syncLogs();
    return { status: 200, body: this.states().map((t) => this.listed(t)) };
  }

  resume(triggerId: string, disableToken: boolean): Answer {
    const state = this.states().find((t) => t.id === triggerId);
    if (!state) return refuse(404, "trigger not found", "TriggerNotFound");
    this.syncLogs();
    if (state.state === "suspended" && state.historyLost && !disableToken) {
      if (this.options.resumeFromLostHistory === "error") {
        this.log(state, HISTORY_LOST_ERROR, new Date());
        return refuse(400, HISTORY_LOST_ERROR);
      }
      // Accepted; the restart fails a moment later, after this answer, as a change stream that cannot resume does.
      const restart = setTimeout(() => {
        if (state.state === "suspended") this.runtime().suspendTrigger(state.name, { historyLost: true });
      }, RESTART_FAILS_AFTER_MS);
      restart.unref();
      return { status: 204 };
    }
    this.runtime().resumeTrigger(triggerId, { disableToken });
    return { status: 204 };
  }

  execution(eventSubscriptionId: string): Answer {
    const state = this.states().find((t) => t.id === eventSubscriptionId);
    if (!state) return refuse(404, "event subscription not found");
    const body: Record<string, unknown> = {};
    if (state.lastCompletedAt) body.completed_at = { $date: state.lastCompletedAt.toISOString() };
    // A BSON Timestamp (of whichever bson copy wrote it: the embedded store's or the driver's).
    const clusterTime = state.lastClusterTime as {
      getHighBitsUnsigned?: () => number;
      getLowBitsUnsigned?: () => number;
    };
    if (clusterTime && typeof clusterTime.getHighBitsUnsigned === "function" && clusterTime.getLowBitsUnsigned)
      body.cluster_time = {
        $timestamp: { t: clusterTime.getHighBitsUnsigned(), i: clusterTime.getLowBitsUnsigned() },
      };
    return { status: 200, body };
  }

  /** Adds a TRIGGER_FAILURE entry for every suspension not logged yet. */
  syncLogs(): void {
    for (const state of this.states())
      if (state.state === "suspended" && state.suspendedAt)
        this.log(state, state.error || "trigger suspended", state.suspendedAt);
  }

  private log(state: DatabaseTriggerState, error: string, at: Date): void {
    const key = `${state.id}@${at.getTime()}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.logs.push({
      _id: newId(),
      co_id: newId(),
      type: "TRIGGER_FAILURE",
      app_id: this.app.instance._id,
      group_id: this.app.instance.group_id,
      domain_id: this.app.instance.domain_id,
      event_subscription_id: state.id,
      event_subscription_name: state.name,
      error,
      started: at.toISOString(),
      completed: at.toISOString(),
    });
  }

  /** A runtime trigger as the reference's `Trigger`, plus the chosen undocumented reading of a suspension. */
  private listed(trigger: DatabaseTriggerState): Record<string, unknown> {
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
    if (trigger.state === "suspended" && this.options.suspensionField === "error") {
      out.error = trigger.error;
      if (trigger.errorCode) out.error_code = trigger.errorCode;
    } else if (trigger.state === "suspended" && this.options.suspensionField === "status") out.status = "SUSPENDED";
    return out;
  }
}

/**
 * `adminGetLogs` over a list of entries: `type`, `errors_only` (present: error entries only; absent:
 * the others, as the reference says), `start_date` (exclusive), `end_date` (inclusive), `skip` and
 * `limit` (at most 100). SPEC GAP: the reference says a full page holds the earliest entries in
 * ascending order, and also that the next page is read by passing `nextEndDate` as `end_date`, which
 * only works walking back in time; the stand-in walks back (newest first), so `end_date` paging works.
 * `nextEndDate`/`nextSkip` (required by the schema) are the oldest entry returned and how many
 * entries at that time were returned.
 */
export function answerLogs(entries: readonly LogEntry[], query: Readonly<Record<string, string>>): Answer {
  const start = query.start_date === undefined ? -Infinity : Date.parse(query.start_date);
  const end = query.end_date === undefined ? Infinity : Date.parse(query.end_date);
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  const skip = query.skip === undefined ? 0 : Number(query.skip);
  const errorsOnly = query.errors_only !== undefined;
  const matching = entries
    .filter((e) => (query.type === undefined || e.type === query.type) && (e.error !== "") === errorsOnly)
    .filter((e) => {
      const at = Date.parse(e.completed);
      return at > start && at <= end;
    })
    .sort((a, b) => Date.parse(b.completed) - Date.parse(a.completed));
  const page = matching.slice(skip, skip + limit);
  const oldest = page.length > 0 ? page[page.length - 1].completed : query.end_date || new Date().toISOString();
  const atOldest = page.filter((e) => e.completed === oldest).length;
  const sameEnd = query.end_date !== undefined && Date.parse(query.end_date) === Date.parse(oldest);
  return {
    status: 200,
    body: { logs: page, nextEndDate: oldest, nextSkip: atOldest + (sameEnd ? skip : 0) },
  };
}
