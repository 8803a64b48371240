import type { BsonPort } from "../../bson-port";
import type { Clock, CollectionPort, DatabasePort, DataSourcePort, Document, Logger } from "../../ports";
import { captureTriggerName, WHOLE_DATABASE } from "../shaping/capture-list";
import {
  adminApiSteps,
  automateStep,
  enableSteps,
  reconcileSignal,
  reconcileStep,
  resumeSteps,
  stalledStreamSteps,
  type StepContext,
} from "./heal-steps";
import { heartbeatOnStreamId } from "../publish/put-status";
import type { CaptureConfig } from "../config";
import type { CaptureHealthConfig } from "./health-config";
import { AdminApiError, readTriggerState, type TriggerAdminPort, type TriggerState } from "./trigger-admin";
import { describeAdminError, judgeTrigger, readCompletedAt, readFailures } from "./trigger-signals";

/**
 * Notices a stopped capture and heals it, from the heartbeat (emitHeartbeat runs it every minute).
 *
 * 1. **The stream check** needs nothing but the database: the heartbeat document is itself captured,
 *    and the publisher records in the status collection the newest heartbeat it has put
 *    (`<app>:heartbeatOnStream`). A heartbeat written more than CAPTURE_STALL_AFTER_MS ago that the
 *    stream has not received means capture has stalled (a suspended trigger, or Kinesis refusing puts).
 *    With the heartbeat every minute, a stall that begins at time s leaves the heartbeat written next
 *    (by s + 60 s) off the stream, and the heartbeat after that (by s + 120 s) sees it: noticed within
 *    about 2 minutes. A healthy put takes well under a second, and the publisher gives up on a put
 *    (outboxing it) within about 50 s, so a healthy minute never crosses the 45 s default.
 * 2. **With Admin API credentials** it also lists the app's triggers, reads each capture trigger's
 *    latest execution and the app's TRIGGER_FAILURE logs (the documented signals, weighed in
 *    trigger-signals.ts), and reports every capture trigger that is suspended, disabled or missing;
 *    with CAPTURE_AUTO_RESUME it resumes a suspended one: from
 *    its resume token when the oplog still has it, otherwise (the trigger says ChangeStreamHistoryLost,
 *    the resume fails so, or a resume from the token did not hold) without it. Events written while
 *    it was suspended are then never captured, so at the next heartbeat that finds the trigger running
 *    it inserts a reconcile signal for the trigger's collections (re-sends every live document and
 *    removes from the mirror what the source no longer has). Waiting one heartbeat gives the resumed
 *    change stream time to open before the reconcile's reads begin.
 *
 * Every problem is logged as an error with the steps to take (Atlas UI, Admin API calls, the signal to
 * insert, ready to paste) and kept in `<app>:captureHealth`, where `npm run status` reads it.
 */

export interface CaptureHealthDeps {
  readonly config: CaptureConfig;
  readonly health: CaptureHealthConfig;
  readonly status: CollectionPort;
  readonly signals: CollectionPort;
  readonly dataSource: DataSourcePort;
  readonly bson: BsonPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The Admin API; absent without credentials (the stream check still runs). */
  readonly admin?: TriggerAdminPort;
  /** Project and app ids (values, else the running app's own), for the steps a person takes. */
  readonly groupId?: string;
  readonly appId?: string;
  /** Why the Admin API is not used although settings ask for it (say, credentials without ids). */
  readonly adminProblem?: string;
}

export type StreamState = "ok" | "stalled" | "unknown";

export interface StreamVerdict {
  readonly state: StreamState;
  /** The heartbeat the check is about (the newest written before this run). */
  readonly heartbeatWrittenAt: Date | null;
  /** The newest heartbeat the publisher put on the stream (its `at`). */
  readonly heartbeatOnStreamAt: Date | null;
  /** When a heartbeat last reached the stream (or, if none has since the check began, when it began). */
  readonly lastPutAt: Date | null;
  readonly detail: string;
}

export type TriggerHealthState = "running" | "suspended" | "disabled" | "missing";

export interface TriggerRecord {
  name: string;
  id: string | null;
  state: TriggerHealthState;
  reason: string | null;
  historyLost: boolean;
  /** When this state was first seen (by the heartbeat). */
  since: Date | null;
  /** What a reconcile of this trigger re-reads ("db.coll"); empty for the heartbeat's and runSnapshot's. */
  collections: string[];
  lastResume: { at: Date; withToken: boolean; ok: boolean; error: string | null } | null;
  /** Its latest execution's `completed_at`, as last read. */
  lastExecutionAt: Date | null;
  /** The newest TRIGGER_FAILURE logged for it. */
  failure: { at: Date; error: string; historyLost: boolean } | null;
  /** Which signals said it is suspended (empty when it runs). */
  evidence: string[];
  /** A reconcile the heartbeat owes (insertedAt null) or inserted, after resuming without the token. */
  reconcile: { signalId: unknown; collections: string[]; requestedAt: Date; insertedAt: Date | null } | null;
}

export interface CaptureProblem {
  level: "critical" | "warning";
  what: string;
  detail: string;
  since: Date | null;
  /** What to do, each line ready to follow or paste. */
  steps: string[];
}

/** What the heartbeat found, kept in the status collection as `<app>:captureHealth`. */
export interface CaptureHealthReport {
  _id: string;
  app: string;
  checkedAt: Date;
  stream: StreamVerdict;
  adminApi: "not_configured" | "ok" | "failed";
  adminApiError: string | null;
  autoResume: boolean;
  triggers: TriggerRecord[];
  problems: CaptureProblem[];
}

export { heartbeatOnStreamId };
export const captureHealthId = (app: string) => `${app}:captureHealth`;

const CAPTURE_FUNCTION = "publishChangeToKinesis";
const SNAPSHOT_FUNCTION = "runSnapshot";

/**
 * Whether the newest heartbeat written before now has reached the stream. `onStream` is the
 * publisher's record; `checkSince` (set when the check first ran) stands in for it until the first
 * heartbeat is recorded, so an app upgraded to this version is not taken for stalled.
 */
export function streamVerdict(
  heartbeatWrittenAt: Date | null,
  onStream: Document | null,
  now: number,
  stallAfterMs: number,
): StreamVerdict {
  const date = (value: unknown) => (value instanceof Date ? value : null);
  const onStreamAt = onStream ? date(onStream.heartbeatAt) : null;
  const checkSince = onStream ? date(onStream.checkSince) : null;
  const lastPutAt = (onStream && date(onStream.putAt)) || checkSince;
  const base = { heartbeatWrittenAt, heartbeatOnStreamAt: onStreamAt, lastPutAt };
  if (heartbeatWrittenAt === null) return { ...base, state: "unknown", detail: "no heartbeat written yet" };
  if (onStreamAt === null && checkSince === null)
    return { ...base, state: "unknown", detail: "the stream check starts with this heartbeat" };
  const confirmed = onStreamAt !== null ? onStreamAt.getTime() : (checkSince as Date).getTime() - 1;
  if (heartbeatWrittenAt.getTime() <= confirmed)
    return { ...base, state: "ok", detail: "the last heartbeat is on the stream" };
  const waiting = now - heartbeatWrittenAt.getTime();
  if (waiting <= stallAfterMs)
    return { ...base, state: "ok", detail: `the last heartbeat was written ${seconds(waiting)} ago` };
  return {
    ...base,
    state: "stalled",
    detail:
      `the heartbeat written at ${iso(heartbeatWrittenAt)} has not reached the stream after ${seconds(waiting)}; ` +
      (lastPutAt ? `the last heartbeat reached it at ${iso(lastPutAt)}` : "no heartbeat has reached it yet"),
  };
}

/**
 * The check itself. `heartbeatWrittenAt` is the previous heartbeat's `at` (read before this run
 * writes its own). Never throws for the Admin API: its failures become a problem of their own.
 */
export async function checkCapture(
  deps: CaptureHealthDeps,
  heartbeatWrittenAt: Date | null,
  outboxDepth: number,
): Promise<CaptureHealthReport> {
  const { config, health, logger } = deps;
  const app = config.appName;
  const now = deps.clock.now();
  let onStream = await deps.status.findOne({ _id: heartbeatOnStreamId(app) });
  if (!onStream) {
    await deps.status.updateOne(
      { _id: heartbeatOnStreamId(app) },
      { $setOnInsert: { checkSince: new Date(now) } },
      { upsert: true },
    );
    onStream = null;
  }
  const stream = streamVerdict(heartbeatWrittenAt, onStream, now, health.stallAfterMs);
  const previous = (await deps.status.findOne({ _id: captureHealthId(app) })) as CaptureHealthReport | null;
  const previousRecords = new Map<string, TriggerRecord>();
  if (previous && Array.isArray(previous.triggers)) for (const r of previous.triggers) previousRecords.set(r.name, r);

  const problems: CaptureProblem[] = [];
  let adminApi: CaptureHealthReport["adminApi"] = deps.admin ? "ok" : "not_configured";
  let adminApiError: string | null = null;
  let triggers: TriggerRecord[] = [];
  if (deps.adminProblem || (!deps.admin && health.autoResume))
    problems.push({
      level: "warning",
      what: "Admin API",
      detail:
        deps.adminProblem ||
        "CAPTURE_AUTO_RESUME is true, but without an Admin API key (ADMIN_API_PUBLIC_KEY, ADMIN_API_PRIVATE_KEY) nothing can be resumed",
      since: null,
      steps: [automateStep(stepContext(deps))],
    });
  if (deps.admin) {
    let listed: unknown[] | undefined;
    try {
      listed = await deps.admin.listTriggers();
    } catch (error) {
      adminApi = "failed";
      adminApiError = describeAdminError(error);
      triggers = previous && Array.isArray(previous.triggers) ? previous.triggers : [];
      problems.push({
        level: "warning",
        what: "Admin API",
        detail: `could not list the triggers: ${adminApiError}; the trigger states below are from ${previous ? iso(previous.checkedAt) : "no earlier check"}`,
        since: null,
        steps: adminApiSteps(stepContext(deps), error instanceof AdminApiError ? error.kind : "failed"),
      });
    }
    if (listed)
      triggers = await healTriggers(deps, listed, { previous, previousRecords, heartbeatWrittenAt }, problems, now);
  }

  if (stream.state === "stalled") {
    const suspended = triggers.filter((t) => t.state !== "running").map((t) => t.name);
    problems.unshift({
      level: "critical",
      what: `capture stream ${app}`,
      detail:
        `capture has stalled: ${stream.detail}` +
        (outboxDepth > 0 ? `; the outbox holds ${outboxDepth} entries (Kinesis refusing puts?)` : "") +
        (suspended.length > 0 ? `; not running: ${suspended.join(", ")}` : ""),
      since: stream.lastPutAt,
      steps: stalledStreamSteps(stepContext(deps), outboxDepth),
    });
  }

  const report: CaptureHealthReport = {
    _id: captureHealthId(app),
    app,
    checkedAt: new Date(now),
    stream,
    adminApi,
    adminApiError,
    autoResume: health.autoResume,
    triggers,
    problems,
  };
  const { _id, ...fields } = report;
  await deps.status.updateOne({ _id }, { $set: fields }, { upsert: true });
  for (const { level, ...problem } of problems) {
    const msg =
      problem.what === "Admin API"
        ? "Admin API not usable"
        : level === "critical"
          ? "capture stopped"
          : "capture healing";
    const line = { msg, app, severity: level, ...problem };
    if (level === "critical") logger.error(line);
    else logger.warn(line);
  }
  return report;
}

/** What the previous check knew, for this one. */
interface Earlier {
  readonly previous: CaptureHealthReport | null;
  readonly previousRecords: Map<string, TriggerRecord>;
  /** The heartbeat written before this run: the heartbeat's own capture trigger must have processed it. */
  readonly heartbeatWrittenAt: Date | null;
}

/** Reads the listed triggers and their signals, resumes suspended ones when allowed, and inserts owed reconcile signals. */
async function healTriggers(
  deps: CaptureHealthDeps,
  listed: unknown[],
  earlier: Earlier,
  problems: CaptureProblem[],
  now: number,
): Promise<TriggerRecord[]> {
  const states: TriggerState[] = [];
  for (const raw of listed) {
    const state = readTriggerState(raw);
    if (state && isWatched(state)) states.push(state);
  }
  const records = await readTriggerRecords(deps, states, earlier, problems, now);
  for (const record of records) {
    const prev = earlier.previousRecords.get(record.name);
    if (record.state === "suspended") await suspended(deps, record, prev, problems, now);
    else if (record.state === "disabled")
      problems.push({
        level: "critical",
        what: `capture trigger ${record.name}`,
        detail: `disabled (listed with disabled: true) since ${iso(record.since)}: its changes are not captured`,
        since: record.since,
        steps: enableSteps(stepContext(deps), record),
      });
    else {
      if (prev && prev.state !== "running")
        deps.logger.info({ msg: "capture trigger running again", trigger: record.name, wasSince: prev.since });
      await insertOwedReconcile(deps, record, now);
    }
  }
  // A captured namespace whose trigger is not deployed at all captures nothing.
  const listedNames = new Set(states.map((s) => s.name));
  deps.health.captured.forEach((namespace) => {
    const dot = namespace.indexOf(".");
    if (dot <= 0) return;
    const name = captureTriggerName(namespace.slice(0, dot), namespace.slice(dot + 1));
    if (listedNames.has(name)) return;
    const prev = earlier.previousRecords.get(name);
    const record: TriggerRecord = {
      name,
      id: null,
      state: "missing",
      reason: null,
      historyLost: false,
      since: prev && prev.state === "missing" && prev.since ? prev.since : new Date(now),
      collections: [namespace],
      lastResume: null,
      reconcile: null,
      lastExecutionAt: null,
      failure: null,
      evidence: [],
    };
    records.push(record);
    problems.push({
      level: "critical",
      what: `capture trigger ${name}`,
      detail: `not deployed (the app lists no trigger of that name), so ${namespace} is not captured`,
      since: record.since,
      steps: [
        "Deploy the app again (npm run deploy), which creates the capture triggers from config/captured-collections.csv",
        reconcileStep(stepContext(deps), [namespace], "Then"),
      ],
    });
  });
  return records;
}

/**
 * Each watched trigger's record: its listing, latest execution and newest TRIGGER_FAILURE, judged
 * (trigger-signals.ts). Signals that could not be read are named in one warning; the check goes on
 * with what it has.
 */
async function readTriggerRecords(
  deps: CaptureHealthDeps,
  states: TriggerState[],
  earlier: Earlier,
  problems: CaptureProblem[],
  now: number,
): Promise<TriggerRecord[]> {
  const admin = deps.admin as TriggerAdminPort;
  // From a little before the previous check (logs may land late), at most a day back.
  const lastCheck =
    earlier.previous && earlier.previous.checkedAt instanceof Date ? earlier.previous.checkedAt.getTime() : 0;
  const since = new Date(Math.max(now - 24 * 3_600_000, lastCheck ? lastCheck - 10 * 60_000 : now - 3_600_000));
  const failures = await readFailures(admin, since);
  const unread: string[] = failures.error ? [failures.error] : [];
  const heartbeatTrigger = captureTriggerName(deps.config.heartbeatDatabase, deps.config.heartbeatCollection);
  const records: TriggerRecord[] = [];
  for (const state of states) {
    const prev = earlier.previousRecords.get(state.name);
    const execution = await readCompletedAt(admin, state);
    if (execution.error) unread.push(execution.error);
    const logged = failures.byId.get(state.id) || null;
    const carried = prev && prev.id === state.id && prev.failure ? prev.failure : null;
    const failure = logged && (!carried || logged.at.getTime() >= carried.at.getTime()) ? logged : carried;
    // An execution that could not be read is not one that stopped: the last one read stands in.
    const completedAt = execution.error ? (prev && prev.lastExecutionAt) || null : execution.completedAt;
    const judged = judgeTrigger({
      listed: state,
      completedAt,
      failure: failure && { eventSubscriptionId: state.id, ...failure },
      resumedAt: prev && prev.lastResume && prev.lastResume.ok ? prev.lastResume.at : null,
      heartbeat:
        state.name === heartbeatTrigger && !execution.error
          ? { writtenAt: earlier.heartbeatWrittenAt, now, stallAfterMs: deps.health.stallAfterMs }
          : undefined,
    });
    const stateNow = judged.suspended ? "suspended" : state.state === "disabled" ? "disabled" : "running";
    records.push({
      name: state.name,
      id: state.id,
      state: stateNow,
      reason: judged.reason === undefined ? null : judged.reason,
      historyLost: judged.historyLost,
      since: prev && prev.state === stateNow && prev.since ? prev.since : new Date(now),
      collections: await reconcileCollections(deps, state),
      lastResume: prev ? prev.lastResume : null,
      reconcile: prev ? prev.reconcile : null,
      lastExecutionAt: completedAt,
      failure: failure && { at: failure.at, error: failure.error, historyLost: failure.historyLost },
      evidence: judged.evidence,
    });
  }
  if (unread.length > 0)
    problems.push({
      level: "warning",
      what: "Admin API",
      detail: `could not read ${unread.join("; ")}; judged from the other signals`,
      since: null,
      steps: adminApiSteps(stepContext(deps), "failed"),
    });
  return records;
}

async function suspended(
  deps: CaptureHealthDeps,
  record: TriggerRecord,
  prev: TriggerRecord | undefined,
  problems: CaptureProblem[],
  now: number,
): Promise<void> {
  const { admin, health } = deps;
  const lastResume = prev && prev.state === "suspended" ? prev.lastResume : null;
  const problem: CaptureProblem = {
    level: "critical",
    what: `capture trigger ${record.name}`,
    detail:
      `suspended since ${iso(record.since)}` +
      (record.reason ? ` (${record.reason})` : "") +
      `: changes of ${record.collections.join(", ") || "its collection"} are not captured` +
      (record.evidence.length > 0 ? ` [seen by: ${record.evidence.join("; ")}]` : ""),
    since: record.since,
    steps: resumeSteps(stepContext(deps), record),
  };
  problems.push(problem);
  if (!admin || !health.autoResume) return;
  if (lastResume && lastResume.ok && now - lastResume.at.getTime() < health.stallAfterMs) {
    // Resumed moments ago: give the platform time to restart the change stream before trying again.
    problem.level = "warning";
    problem.detail += `; resumed ${lastResume.withToken ? "from its resume token" : "without its resume token"} at ${iso(lastResume.at)}, waiting for it to run`;
    problem.steps = [];
    return;
  }
  // A resume from the token that did not hold (suspended again since) will not hold the next time either.
  let withToken = !record.historyLost && !(lastResume && lastResume.withToken && lastResume.ok);
  try {
    try {
      await admin.resumeTrigger(record.id as string, !withToken);
    } catch (error) {
      if (!(withToken && error instanceof AdminApiError && error.kind === "history_lost")) throw error;
      withToken = false;
      await admin.resumeTrigger(record.id as string, true);
    }
  } catch (error) {
    record.lastResume = { at: new Date(deps.clock.now()), withToken, ok: false, error: describeAdminError(error) };
    problem.detail += `; resuming it failed: ${record.lastResume.error}`;
    return;
  }
  // When the resume was answered: a failure logged after it is a new one (logged before, it is what was healed).
  record.lastResume = { at: new Date(deps.clock.now()), withToken, ok: true, error: null };
  if (!withToken && record.collections.length > 0) {
    // One reconcile covers every gap not yet reconciled; its id is fixed now, so inserting it is idempotent.
    const owed = record.reconcile && record.reconcile.insertedAt === null ? record.reconcile : null;
    record.reconcile = {
      signalId: owed ? owed.signalId : new deps.bson.lib.ObjectId(),
      collections: owed ? union(owed.collections, record.collections) : record.collections,
      requestedAt: owed ? owed.requestedAt : new Date(now),
      insertedAt: null,
    };
  }
  problem.level = "warning";
  problem.detail += withToken
    ? "; resumed from its resume token (no change event is skipped)"
    : `; resumed without its resume token: events of the gap were skipped${record.reconcile && record.reconcile.insertedAt === null ? ", a reconcile follows at the next heartbeat" : ""}`;
  problem.steps = [];
  deps.logger.warn({
    msg: "capture trigger resumed",
    trigger: record.name,
    withToken,
    suspendedSince: record.since,
    reason: record.reason,
    reconcile: record.reconcile && record.reconcile.insertedAt === null ? record.reconcile.collections : [],
  });
}

async function insertOwedReconcile(deps: CaptureHealthDeps, record: TriggerRecord, now: number): Promise<void> {
  const owed = record.reconcile;
  if (!owed || owed.insertedAt !== null) return;
  const resumedAt = record.lastResume ? iso(record.lastResume.at) : "?";
  // An upsert that inserts is an insert event: the runSnapshot trigger starts it (else continueSnapshots does).
  await deps.signals.updateOne(
    { _id: owed.signalId },
    {
      $setOnInsert: {
        ...reconcileSignal(owed.collections),
        requestedBy: "emitHeartbeat",
        reason: `${record.name} was resumed without its resume token at ${resumedAt}: change events written while it was suspended were skipped`,
        createdAt: new Date(now),
      },
    },
    { upsert: true },
  );
  owed.insertedAt = new Date(now);
  deps.logger.warn({
    msg: "reconcile signal inserted",
    trigger: record.name,
    signalId: String(owed.signalId),
    collections: owed.collections,
  });
}

function isWatched(state: TriggerState): boolean {
  if (state.type !== "" && state.type !== "DATABASE") return false;
  if (state.functionName !== undefined)
    return state.functionName === CAPTURE_FUNCTION || state.functionName === SNAPSHOT_FUNCTION;
  return state.name.indexOf("capture_") === 0 || state.name === SNAPSHOT_FUNCTION;
}

/**
 * What a reconcile after this trigger's gap re-reads: its collection, or for a database-level trigger
 * the captured collections of that database (listed from the database when the capture list names
 * the whole database). The bridge's own collections (heartbeat, signals, outbox, status) are never
 * reconciled: they are not mirrored.
 */
async function reconcileCollections(deps: CaptureHealthDeps, state: TriggerState): Promise<string[]> {
  if (state.functionName === SNAPSHOT_FUNCTION || state.name === SNAPSHOT_FUNCTION || !state.database) return [];
  const db = state.database;
  const own = new Set([
    `${deps.config.heartbeatDatabase}.${deps.config.heartbeatCollection}`,
    `${deps.config.signalDatabase}.${deps.config.signalCollection}`,
    `${deps.config.outboxDatabase}.${deps.config.outboxCollection}`,
    `${deps.config.outboxDatabase}.${deps.config.statusCollection}`,
  ]);
  let names: string[];
  if (state.collection) names = [state.collection];
  else {
    names = [];
    let whole = false;
    deps.health.captured.forEach((namespace) => {
      if (namespace === `${db}.${WHOLE_DATABASE}`) whole = true;
      else if (namespace.indexOf(`${db}.`) === 0) names.push(namespace.slice(db.length + 1));
    });
    if (whole || names.length === 0) names = union(names, await listCollectionNames(deps.dataSource.db(db)));
  }
  return names
    .filter((coll) => coll.indexOf("system.") !== 0)
    .map((coll) => `${db}.${coll}`)
    .filter((namespace) => !own.has(namespace))
    .sort();
}

/** A database's collection names, whichever listing the host's database object has. */
async function listCollectionNames(database: DatabasePort): Promise<string[]> {
  const db = database as unknown as {
    getCollectionNames?: () => Promise<string[]>;
    listCollections?: (filter: Document, options: Document) => { toArray(): Promise<{ name: string }[]> };
    collectionNames?: () => string[];
  };
  if (typeof db.getCollectionNames === "function") return db.getCollectionNames(); // App Services
  if (typeof db.listCollections === "function")
    return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name); // the driver
  if (typeof db.collectionNames === "function") return db.collectionNames(); // the embedded store
  return [];
}

/** What the steps a person takes need to know, from the heartbeat's settings. */
export function stepContext(deps: CaptureHealthDeps): StepContext {
  return {
    adminApiUrl: deps.health.adminApiUrl,
    groupId: deps.groupId,
    appId: deps.appId,
    signalDatabase: deps.config.signalDatabase,
    signalCollection: deps.config.signalCollection,
    heartbeatDatabase: deps.config.heartbeatDatabase,
    heartbeatCollection: deps.config.heartbeatCollection,
    captured: deps.health.captured,
    adminConfigured: deps.admin !== undefined,
    autoResume: deps.health.autoResume,
  };
}

function union(a: string[], b: string[]): string[] {
  const out = a.slice();
  for (const x of b) if (out.indexOf(x) === -1) out.push(x);
  return out;
}

function iso(date: Date | null): string {
  return date instanceof Date ? date.toISOString() : "an unknown time";
}

function seconds(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
