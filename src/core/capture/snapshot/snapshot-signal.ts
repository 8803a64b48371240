import type { BsonPort } from "../../bson-port";
import { failed, ok, type Result } from "../../errors";
import {
  matchedCount,
  type Clock,
  type CollectionPort,
  type DataSourcePort,
  type Document,
  type Logger,
} from "../../ports";
import type { KinesisPort } from "../../kinesis/port";
import type { Sleep } from "../../retry";
import { MAX_SNAPSHOT_PARALLELISM, type CaptureConfig } from "../config";
import { READ_POSITION_FIELD, takeReadPosition } from "./reconcile";
import { captureErrors } from "../errors";

/*
 * What every snapshot run does with its signal document: reads what the signal asks (collections,
 * workers, plain or reconcile), takes and gives back the signal's lease, and writes how the run ended.
 */

export const SNAPSHOT_SIGNAL_TYPE = "execute-snapshot";
/** How long a run owns a signal; a run that dies leaves it to the next continueSnapshots run after this. */
export const SNAPSHOT_LEASE_MS = 300_000;
/** A run stops this long before its deadline, leaving the rest to the next run. */
const DEADLINE_MARGIN_MS = 15_000;

export interface SnapshotDeps {
  readonly config: CaptureConfig;
  readonly kinesis: KinesisPort;
  readonly outbox: CollectionPort;
  readonly signals: CollectionPort;
  readonly dataSource: DataSourcePort;
  readonly bson: BsonPort;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  readonly random?: () => number;
}

export interface SnapshotRun {
  status: "done" | "paused" | "failed" | "busy";
  published: number;
  outboxed: number;
  error?: string;
}

/** How a signal's snapshot runs: a plain one, or a reconcile (the webhook then also removes what is gone). */
export interface SnapshotKind {
  readonly reconcile: boolean;
  /** The read position every read carries; undefined for records that carry none (document format). */
  readonly position?: unknown;
}

/** Records and their outcome: the reads of a run, or a reconcile's closings. */
export interface Tally {
  published: number;
  outboxed: number;
}

export function nearDeadline(deps: SnapshotDeps, deadlineMs: number): boolean {
  return deps.clock.now() >= deadlineMs - DEADLINE_MARGIN_MS;
}

export function signalCollections(signal: Document | null): Result<string[]> {
  const invalid = (message: string) => failed(captureErrors.failure("snapshot_signal_invalid", message));
  if (!signal) return invalid("signal document not found");
  if (signal.type !== SNAPSHOT_SIGNAL_TYPE) return invalid(`signal type must be "${SNAPSHOT_SIGNAL_TYPE}"`);
  const data = signal.data as Document | undefined;
  const list = data && data["data-collections"];
  if (!Array.isArray(list) || list.length === 0)
    return invalid('signal data must have a non-empty "data-collections" array');
  for (const entry of list) {
    if (typeof entry !== "string" || !/^[^.$\0\s]+\.[^$\0]+$/.test(entry))
      return invalid(`"${String(entry).slice(0, 80)}" is not a "database.collection" name`);
  }
  return ok(list as string[]);
}

/** The signal's `data.parallelism`, else the configured default; a failure when the signal's is invalid. */
export function signalParallelism(signal: Document | null, fallback: number): Result<number> {
  const data = signal && (signal.data as Document | undefined);
  const asked = data ? data.parallelism : undefined;
  if (asked === undefined || asked === null) return ok(fallback);
  const value = typeof asked === "number" ? asked : Number(asked);
  if (!(value >= 1 && value <= MAX_SNAPSHOT_PARALLELISM) || Math.floor(value) !== value) {
    const message = `signal data.parallelism must be a whole number from 1 to ${MAX_SNAPSHOT_PARALLELISM}`;
    return failed(captureErrors.failure("snapshot_signal_invalid", message));
  }
  return ok(value);
}

/**
 * Whether the signal asks for a reconcile, and the read position its reads carry (taken at the
 * first claim, kept in the signal); a reason when the signal cannot run so.
 */
export async function snapshotKind(
  signal: Document,
  deps: SnapshotDeps,
  startedBy: unknown,
): Promise<Result<SnapshotKind>> {
  const invalid = (message: string) => failed(captureErrors.failure("snapshot_signal_invalid", message));
  const data = signal.data as Document | undefined;
  const asked = data ? data.reconcile : undefined;
  if (asked !== undefined && asked !== null && typeof asked !== "boolean")
    return invalid("signal data.reconcile must be true or false");
  const reconcile = asked === true;
  if (deps.config.recordFormat !== "envelope") {
    if (reconcile)
      return invalid(
        "a reconcile needs KINESIS_RECORD_FORMAT=envelope: records in the document format carry no positions, so the webhook could not tell what is gone",
      );
    return ok({ reconcile });
  }
  const kept = signal[READ_POSITION_FIELD];
  if (reconcile && deps.bson.bsonType(kept) !== "Timestamp" && (signal.progress || signal.plan))
    return invalid(
      "this reconcile was begun by an earlier version without a read position; insert a new reconcile signal",
    );
  const position = await takeReadPosition(deps.signals, signal, startedBy, deps.bson);
  if (!position.ok) return position;
  return ok({ reconcile, position: position.value });
}

/**
 * Takes the signal's lease (a run that dies leaves it to the next run after SNAPSHOT_LEASE_MS), and
 * records when the snapshot began (first claim only), for its rate and time left in `npm run status`.
 */
export async function claimSignal(deps: SnapshotDeps, signalId: unknown, also: Document): Promise<boolean> {
  const now = deps.clock.now();
  const claimed = await deps.signals.updateOne(
    {
      _id: signalId,
      ...also,
      status: { $nin: ["done", "failed"] },
      $or: [{ leaseUntil: { $exists: false } }, { leaseUntil: null }, { leaseUntil: { $lt: new Date(now) } }],
    },
    { $set: { status: "running", leaseUntil: new Date(now + SNAPSHOT_LEASE_MS), updatedAt: new Date(now) } },
  );
  if (matchedCount(claimed) === 0) return false;
  await deps.signals.updateOne(
    { _id: signalId, startedAt: { $exists: false } },
    { $set: { startedAt: new Date(now) } },
  );
  return true;
}

/** Writes how the run ended into the signal (giving its lease back) and logs it. */
export async function finishRun(
  deps: SnapshotDeps,
  signalId: unknown,
  run: SnapshotRun,
  kind?: SnapshotKind,
  closings?: Tally,
): Promise<SnapshotRun> {
  const now = new Date(deps.clock.now());
  const status = run.status === "paused" ? "running" : run.status;
  await deps.signals.updateOne(
    { _id: signalId },
    {
      $set: {
        status,
        leaseUntil: null,
        updatedAt: now,
        ...(run.error ? { error: run.error } : {}),
        ...(status === "done" ? { finishedAt: now } : {}),
      },
    },
  );
  deps.logger.info({
    msg: "snapshot",
    kind: kind && kind.reconcile ? "reconcile" : "snapshot",
    signalId: String(signalId),
    status: run.status,
    published: run.published,
    outboxed: run.outboxed,
    ...(closings && kind && kind.reconcile
      ? { closingsPut: closings.published, closingsOutboxed: closings.outboxed }
      : {}),
    error: run.error,
  });
  return run;
}

export function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf(".");
  return [namespace.slice(0, dot), namespace.slice(dot + 1)];
}
