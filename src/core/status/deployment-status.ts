import {
  captureHealthId,
  heartbeatOnStreamId,
  streamVerdict,
  type CaptureHealthReport,
  type CaptureProblem,
  type StreamVerdict,
  type TriggerRecord,
} from "../capture/health/capture-health";
import { captureSettings, type CaptureConfig } from "../capture/config";
import { stalledStreamSteps } from "../capture/health/heal-steps";
import {
  ADMIN_API_DEFAULT_URL,
  DEFAULT_STALL_AFTER_MS,
  type CaptureHealthConfig,
} from "../capture/health/health-config";
import { SNAPSHOT_SIGNAL_TYPE } from "../capture/snapshot/snapshot";
import type { FirehoseConfig } from "../firehose/config";
import { deadLetterStore, type DeadLetterCounts } from "../firehose/dead-letters/dead-letters";
import { countMatching, type DataSourcePort, type Document } from "../ports";
import { formatDuration } from "./format-duration";

/**
 * A deployment's health as MongoDB records it, for `npm run status`: per app the last heartbeat and
 * the end-to-end lag the webhook saw, the outbox, dead letters of the last 24 hours by reason code,
 * and every snapshot. Each finding has a level; the worst decides the exit code.
 */
export type Level = "ok" | "warning" | "critical";

export interface Finding {
  readonly level: Level;
  readonly what: string;
  readonly detail: string;
  /** What to do, a line each (capture problems: Atlas UI, Admin API calls, the signal to insert). */
  readonly steps?: readonly string[];
}

/** When a finding is a warning or critical (docs/operating.md#thresholds). */
export const THRESHOLDS = {
  heartbeatAgeWarnMs: 3 * 60_000,
  heartbeatAgeCriticalMs: 10 * 60_000,
  lagWarnMs: 5 * 60_000,
  lagCriticalMs: 30 * 60_000,
  outboxOldestWarnMs: 5 * 60_000,
  outboxOldestCriticalMs: 60 * 60_000,
  snapshotStaleMs: 10 * 60_000,
} as const;

export interface DeploymentStatus {
  readonly checkedAt: Date;
  readonly level: Level;
  readonly apps: {
    app: string;
    lastHeartbeatAt: Date | null;
    heartbeatAgeMs: number | null;
    outboxDepthAtHeartbeat: number | null;
    webhookReceivedAt: Date | null;
    endToEndLagMs: number | null;
  }[];
  readonly outbox: {
    depth: number;
    permanent: number;
    oldestEnqueuedAt: Date | null;
    oldestAgeMs: number | null;
    topReasons: { reason: string; count: number }[];
  };
  /** Per app: is capture alive (the stream check), and the capture triggers as the heartbeat last saw them. */
  readonly capture: {
    app: string;
    stream: StreamVerdict;
    /** When the heartbeat last checked (null: it has not, or runs a version without the check). */
    checkedAt: Date | null;
    adminApi: CaptureHealthReport["adminApi"] | null;
    autoResume: boolean | null;
    triggers: TriggerRecord[];
  }[];
  readonly deadLetters24h: DeadLetterCounts;
  readonly snapshots: {
    id: string;
    /** A reconcile also removes what the source no longer has (docs/design.md#reconcile-removing-what-the-source-lost). */
    kind: "snapshot" | "reconcile";
    status: string;
    collections: string[];
    documentsDone: number;
    documentsTotal: number | null;
    ratePerSecond: number | null;
    etaSeconds: number | null;
    updatedAt: Date | null;
    error: string | null;
  }[];
  /** The webhook's latest reconcile sweeps, newest first. */
  readonly sweeps: {
    reconcile: string;
    ns: string;
    target: string;
    removed: number;
    readPosition: string;
    sweptAt: Date | null;
  }[];
  readonly findings: Finding[];
}

const DAY_MS = 24 * 3600_000;
const SAMPLE = 10_000;

/** The settings the status report reads; what a caller leaves out takes its default. */
export type StatusCaptureConfig = Pick<
  CaptureConfig,
  | "heartbeatDatabase"
  | "heartbeatCollection"
  | "outboxDatabase"
  | "outboxCollection"
  | "signalDatabase"
  | "signalCollection"
> &
  Partial<Pick<CaptureConfig, "statusCollection">>;
export type StatusFirehoseConfig = Pick<
  FirehoseConfig,
  "database" | "deadLetterCollection" | "reconcileCollection" | "routing"
>;
export type StatusHealthConfig = Partial<Pick<CaptureHealthConfig, "stallAfterMs" | "adminApiUrl" | "captured">>;

/** One app's capture health as read, with the heartbeat's own report kept for the findings. */
interface CaptureRead {
  readonly status: DeploymentStatus["capture"][number];
  readonly report: CaptureHealthReport | null;
}

/**
 * Reads each part in turn (apps and heartbeats, capture health, outbox, dead letters, snapshots,
 * sweeps), then judges each part against `THRESHOLDS`; the findings keep that order.
 */
export async function readDeploymentStatus(
  dataSource: DataSourcePort,
  capture: StatusCaptureConfig,
  firehose: StatusFirehoseConfig,
  now: number,
  health: StatusHealthConfig = {},
): Promise<DeploymentStatus> {
  const heartbeats = await dataSource
    .db(capture.heartbeatDatabase)
    .collection(capture.heartbeatCollection)
    .find({})
    .toArray();
  const apps = await readApps(dataSource, heartbeats, firehose, now);
  const captureReads = await readCaptureHealth(dataSource, heartbeats, capture, now, health);
  const outbox = await readOutbox(dataSource, capture, now);
  const deadLetters24h = await readDeadLetters(dataSource, firehose, now);
  const snapshots = await readSnapshots(dataSource, capture, now);
  const sweeps = await readSweeps(dataSource, firehose);
  const findings = [
    ...appFindings(apps, capture, now),
    ...captureReads.flatMap((read) => captureFindings(read, capture, now, health)),
    ...outboxFindings(outbox),
    ...deadLetterFindings(deadLetters24h),
    ...snapshots.flatMap((snapshot) => snapshotFindings(snapshot, now)),
  ];
  return {
    checkedAt: new Date(now),
    level: worstLevel(findings),
    apps,
    capture: captureReads.map((read) => read.status),
    outbox,
    deadLetters24h,
    snapshots,
    sweeps,
    findings,
  };
}

/** Per app: its last heartbeat, and the same heartbeat as the webhook received it (the end-to-end lag). */
async function readApps(
  dataSource: DataSourcePort,
  heartbeats: Document[],
  firehose: StatusFirehoseConfig,
  now: number,
): Promise<DeploymentStatus["apps"]> {
  const { db, coll } = firehose.routing.heartbeatTarget;
  const received = await dataSource.db(db).collection(coll).find({}).toArray();
  const receivedById = new Map(received.map((doc) => [String(doc._id), doc]));
  return heartbeats.map((doc) => {
    const seen = receivedById.get(String(doc._id));
    return {
      app: String(doc.app ?? doc._id),
      lastHeartbeatAt: doc.at instanceof Date ? doc.at : null,
      heartbeatAgeMs: ageMs(doc.at, now),
      outboxDepthAtHeartbeat: typeof doc.outboxDepth === "number" ? doc.outboxDepth : null,
      webhookReceivedAt: seen && seen.receivedAt instanceof Date ? seen.receivedAt : null,
      endToEndLagMs: seen && typeof seen.lagMs === "number" ? seen.lagMs : null,
    };
  });
}

function appFindings(apps: DeploymentStatus["apps"], capture: StatusCaptureConfig, now: number): Finding[] {
  if (apps.length === 0)
    return [
      {
        level: "critical",
        what: "heartbeat",
        detail: `no heartbeat document in ${capture.heartbeatDatabase}.${capture.heartbeatCollection}: is the emitHeartbeat trigger enabled?`,
      },
    ];
  return apps.flatMap((app) => [...heartbeatAgeFindings(app), ...endToEndFindings(app, now)]);
}

function heartbeatAgeFindings(app: DeploymentStatus["apps"][number]): Finding[] {
  const a = app.heartbeatAgeMs;
  if (a === null || a > THRESHOLDS.heartbeatAgeCriticalMs)
    return [
      {
        level: "critical",
        what: `heartbeat ${app.app}`,
        detail: a === null ? "never written" : `last written ${formatDuration(a)} ago`,
      },
    ];
  if (a > THRESHOLDS.heartbeatAgeWarnMs)
    return [{ level: "warning", what: `heartbeat ${app.app}`, detail: `last written ${formatDuration(a)} ago` }];
  return [];
}

function endToEndFindings(app: DeploymentStatus["apps"][number], now: number): Finding[] {
  const seenAge = ageMs(app.webhookReceivedAt, now);
  if (seenAge === null)
    return [
      {
        level: "warning",
        what: `webhook ${app.app}`,
        detail: "the webhook has recorded no heartbeat of this app: is the stream delivered?",
      },
    ];
  const behind = Math.max(seenAge, app.endToEndLagMs ?? 0);
  const level = levelOver(behind, THRESHOLDS.lagWarnMs, THRESHOLDS.lagCriticalMs);
  if (level === null) return [];
  return [
    {
      level,
      what: `end-to-end ${app.app}`,
      detail: `last heartbeat through the webhook ${formatDuration(seenAge)} ago, lag ${formatDuration(app.endToEndLagMs ?? 0)}`,
    },
  ];
}

/** Per app: is capture alive (the heartbeat's own event on the stream), and the heartbeat's trigger report. */
async function readCaptureHealth(
  dataSource: DataSourcePort,
  heartbeats: Document[],
  capture: StatusCaptureConfig,
  now: number,
  health: StatusHealthConfig,
): Promise<CaptureRead[]> {
  const statusCollection = dataSource
    .db(capture.outboxDatabase)
    .collection(capture.statusCollection || (captureSettings.statusCollection.fallback as string));
  const reads: CaptureRead[] = [];
  for (const doc of heartbeats) {
    const app = String(doc._id);
    const onStream = await statusCollection.findOne({ _id: heartbeatOnStreamId(app) });
    const report = (await statusCollection.findOne({ _id: captureHealthId(app) })) as CaptureHealthReport | null;
    const stream = streamVerdict(
      doc.at instanceof Date ? doc.at : null,
      onStream,
      now,
      health.stallAfterMs ?? DEFAULT_STALL_AFTER_MS,
    );
    reads.push({
      status: {
        app,
        stream,
        checkedAt: report && report.checkedAt instanceof Date ? report.checkedAt : null,
        adminApi: report ? report.adminApi : null,
        autoResume: report ? report.autoResume : null,
        triggers: report && Array.isArray(report.triggers) ? report.triggers : [],
      },
      report,
    });
  }
  return reads;
}

function captureFindings(
  { status, report }: CaptureRead,
  capture: StatusCaptureConfig,
  now: number,
  health: StatusHealthConfig,
): Finding[] {
  const problems: CaptureProblem[] = report && Array.isArray(report.problems) ? report.problems : [];
  const findings: Finding[] = [];
  if (status.stream.state === "stalled") {
    const seen = problems.find((p) => p.what.indexOf("capture stream") === 0);
    findings.push({
      level: "critical",
      what: `capture stream ${status.app}`,
      detail: `capture has stalled: ${status.stream.detail}`,
      steps: seen && seen.steps.length > 0 ? seen.steps : stalledSteps(report, capture, health),
    });
  }
  const stale = report ? now - report.checkedAt.getTime() > THRESHOLDS.heartbeatAgeWarnMs : false;
  const asOf = stale && report ? ` (as the heartbeat saw it at ${report.checkedAt.toISOString()})` : "";
  // The heartbeat's own findings about the triggers and the Admin API (its stream finding is redone above, fresh).
  for (const problem of problems) {
    if (problem.what.indexOf("capture stream") === 0) continue;
    findings.push({
      level: problem.level,
      what: problem.what,
      detail: `${problem.detail}${asOf}`,
      steps: problem.steps,
    });
  }
  return findings;
}

/** What to do about a stalled stream when the heartbeat's report has no steps of its own. */
function stalledSteps(
  report: CaptureHealthReport | null,
  capture: StatusCaptureConfig,
  health: StatusHealthConfig,
): string[] {
  return stalledStreamSteps(
    {
      adminApiUrl: health.adminApiUrl ?? ADMIN_API_DEFAULT_URL,
      signalDatabase: capture.signalDatabase,
      signalCollection: capture.signalCollection,
      heartbeatDatabase: capture.heartbeatDatabase,
      heartbeatCollection: capture.heartbeatCollection,
      captured: health.captured ?? new Set<string>(),
      adminConfigured: report !== null && report.adminApi !== "not_configured",
      autoResume: report !== null && report.autoResume === true,
    },
    0,
  );
}

async function readOutbox(
  dataSource: DataSourcePort,
  capture: StatusCaptureConfig,
  now: number,
): Promise<DeploymentStatus["outbox"]> {
  const outboxCollection = dataSource.db(capture.outboxDatabase).collection(capture.outboxCollection);
  const depth = await countMatching(outboxCollection, { permanent: { $ne: true } });
  const permanent = await countMatching(outboxCollection, { permanent: true });
  const [oldest] = await outboxCollection.find({}).sort({ enqueuedAt: 1 }).limit(1).toArray();
  const sample = await outboxCollection.find({}).sort({ enqueuedAt: 1 }).limit(SAMPLE).toArray();
  return {
    depth,
    permanent,
    oldestEnqueuedAt: oldest && oldest.enqueuedAt instanceof Date ? oldest.enqueuedAt : null,
    oldestAgeMs: oldest ? ageMs(oldest.enqueuedAt, now) : null,
    topReasons: top(
      sample.map((entry) => shortReason(entry.lastError)),
      "reason",
    ).slice(0, 5) as { reason: string; count: number }[],
  };
}

function outboxFindings(outbox: DeploymentStatus["outbox"]): Finding[] {
  const findings: Finding[] = [];
  const oldest = outbox.oldestAgeMs;
  const level = levelOver(oldest, THRESHOLDS.outboxOldestWarnMs, THRESHOLDS.outboxOldestCriticalMs);
  if (level !== null && oldest !== null)
    findings.push({
      level,
      what: "outbox",
      detail: `${outbox.depth + outbox.permanent} entries, oldest ${formatDuration(oldest)} old`,
    });
  if (outbox.permanent > 0)
    findings.push({
      level: "warning",
      what: "outbox",
      detail: `${outbox.permanent} entries too large to put, kept for you (docs/operating.md#replaying-the-outbox)`,
    });
  return findings;
}

async function readDeadLetters(
  dataSource: DataSourcePort,
  firehose: StatusFirehoseConfig,
  now: number,
): Promise<DeploymentStatus["deadLetters24h"]> {
  return deadLetterStore(dataSource, firehose).countByReason(new Date(now - DAY_MS), SAMPLE);
}

function deadLetterFindings(deadLetters24h: DeploymentStatus["deadLetters24h"]): Finding[] {
  if (deadLetters24h.total === 0) return [];
  return [
    {
      level: "warning",
      what: "dead letters",
      detail: `${deadLetters24h.truncated ? "more than " : ""}${deadLetters24h.total} in the last 24 h (${deadLetters24h.byReasonCode.map((r) => `${r.reasonCode} ${r.count}`).join(", ")})`,
    },
  ];
}

/** The latest 50 snapshot signals, newest first, each with its progress. */
async function readSnapshots(
  dataSource: DataSourcePort,
  capture: StatusCaptureConfig,
  now: number,
): Promise<DeploymentStatus["snapshots"]> {
  const signals = await dataSource
    .db(capture.signalDatabase)
    .collection(capture.signalCollection)
    .find({ type: SNAPSHOT_SIGNAL_TYPE })
    .sort({ _id: -1 })
    .limit(50)
    .toArray();
  const snapshots: DeploymentStatus["snapshots"] = [];
  for (const signal of signals) snapshots.push(await snapshotStatus(dataSource, signal, now));
  return snapshots;
}

function snapshotFindings(snapshot: DeploymentStatus["snapshots"][number], now: number): Finding[] {
  const findings: Finding[] = [];
  if (snapshot.status === "failed")
    findings.push({
      level: "warning",
      what: `snapshot ${snapshot.id}`,
      detail: `failed: ${snapshot.error ?? "no error recorded"}`,
    });
  const since = ageMs(snapshot.updatedAt, now);
  if (snapshot.status === "running" && since !== null && since > THRESHOLDS.snapshotStaleMs)
    findings.push({
      level: "warning",
      what: `snapshot ${snapshot.id}`,
      detail: `running but no progress for ${formatDuration(since)}: is the continueSnapshots trigger running?`,
    });
  return findings;
}

/** The webhook's latest 10 reconcile sweeps, newest first. */
async function readSweeps(
  dataSource: DataSourcePort,
  firehose: StatusFirehoseConfig,
): Promise<DeploymentStatus["sweeps"]> {
  // Sweep rows are "s|<reconcile>|<ns>" (firehose/reconcile/sweep.ts): an _id range, not a scan of the marks.
  const rows = await dataSource
    .db(firehose.database)
    .collection(firehose.reconcileCollection)
    .find({ _id: { $gte: "s|", $lt: "s}" } })
    .toArray();
  return rows
    .map((row) => ({
      reconcile: String(row.reconcile),
      ns: String(row.ns),
      target: String(row.target),
      removed: typeof row.removed === "number" ? row.removed : 0,
      readPosition: String(row.readPosition),
      sweptAt: row.sweptAt instanceof Date ? row.sweptAt : null,
    }))
    .sort((a, b) => (b.sweptAt ? b.sweptAt.getTime() : 0) - (a.sweptAt ? a.sweptAt.getTime() : 0))
    .slice(0, 10);
}

/** "critical" above `criticalMs`, "warning" above `warnMs`, else no finding. */
function levelOver(ms: number | null, warnMs: number, criticalMs: number): Level | null {
  if (ms === null) return null;
  if (ms > criticalMs) return "critical";
  if (ms > warnMs) return "warning";
  return null;
}

function worstLevel(findings: Finding[]): Level {
  if (findings.some((f) => f.level === "critical")) return "critical";
  if (findings.some((f) => f.level === "warning")) return "warning";
  return "ok";
}

/** How long ago `date` was, or null when it is not a date. */
function ageMs(date: unknown, now: number): number | null {
  return date instanceof Date ? now - date.getTime() : null;
}

async function snapshotStatus(
  dataSource: DataSourcePort,
  signal: Document,
  now: number,
): Promise<DeploymentStatus["snapshots"][number]> {
  const data = signal.data as Document | undefined;
  const collections =
    data && Array.isArray(data["data-collections"])
      ? (data["data-collections"] as unknown[]).filter((c): c is string => typeof c === "string")
      : [];
  const progress = (signal.progress as Record<string, { count?: number; done?: boolean }> | undefined) || {};
  // A parallel backfill keeps its counts per range until it is done (see parallel-snapshot.ts).
  const plan = Array.isArray(signal.plan) ? (signal.plan as { count?: unknown }[]) : undefined;
  const counts =
    plan && signal.status !== "done"
      ? plan.map((r) => r.count)
      : Object.keys(progress).map((key) => progress[key].count);
  const documentsDone = counts.reduce((sum: number, count) => sum + (typeof count === "number" ? count : 0), 0);
  const status = typeof signal.status === "string" ? signal.status : "pending";
  let documentsTotal: number | null = null;
  if (status !== "done" && status !== "failed" && collections.length > 0) {
    documentsTotal = 0;
    for (const namespace of collections) {
      const dot = namespace.indexOf(".");
      documentsTotal += await countMatching(
        dataSource.db(namespace.slice(0, dot)).collection(namespace.slice(dot + 1)),
      );
    }
  }
  const started = signal.startedAt instanceof Date ? signal.startedAt.getTime() : undefined;
  const last = signal.updatedAt instanceof Date ? signal.updatedAt.getTime() : now;
  const seconds = started !== undefined ? Math.max(0.001, (last - started) / 1000) : undefined;
  const ratePerSecond = seconds !== undefined && documentsDone > 0 ? documentsDone / seconds : null;
  const etaSeconds =
    ratePerSecond && documentsTotal !== null ? Math.max(0, documentsTotal - documentsDone) / ratePerSecond : null;
  return {
    id: String(signal._id),
    kind: data && data.reconcile === true ? "reconcile" : "snapshot",
    status,
    collections,
    documentsDone,
    documentsTotal,
    ratePerSecond,
    etaSeconds,
    updatedAt: signal.updatedAt instanceof Date ? signal.updatedAt : null,
    error: typeof signal.error === "string" ? signal.error : null,
  };
}

function top(values: string[], key: string): Record<string, string | number>[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) || 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([value, count]) => ({ [key]: value, count }));
}

/**
 * An error text reduced to its kind, so that like errors group: the error class name in front is
 * dropped ("KinesisError: ThrottlingException: Rate exceeded…" reads "ThrottlingException"), and
 * what follows the first ":" or "(" (ids, numbers, quoted parts) too.
 */
function shortReason(reason: unknown): string {
  if (typeof reason !== "string" || reason === "") return "(none)";
  const text = reason.replace(/^[A-Za-z]*Error: /, "");
  return text.split(/[:(]/)[0].trim().slice(0, 80) || text.slice(0, 80);
}
