import type { BsonPort } from "../bson-port";
import { describeError, failed, failure, ok, type Result } from "../errors";
import { idKey } from "../id-key";
import { chunksOf } from "../chunk";
import {
  checkpointRange,
  claimRange,
  describePlanError,
  planRanges,
  rangeFilter,
  releaseRange,
  type SnapshotRange,
} from "./parallel-snapshot";
import { KinesisError, kinesisEntry, type KinesisPort, type KinesisRecordEntry } from "../kinesis/port";
import {
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_ENTRIES,
  putAllRecords,
  putRecordsEntryBytes,
  RetryExhaustedError,
} from "../kinesis/put-records";
import {
  matchedCount,
  type Clock,
  type CollectionPort,
  type DataSourcePort,
  type Document,
  type Logger,
} from "../ports";
import type { Sleep } from "../retry";
import { MAX_SNAPSHOT_PARALLELISM, type CaptureConfig } from "./config";
import { buildKinesisRecord, RecordTooLargeError, type KinesisRecord } from "./envelope";
import { enqueue } from "./outbox";
import { shapeSnapshotRead } from "./shape-event";

export const SNAPSHOT_SIGNAL_TYPE = "execute-snapshot";
/** How long a run owns a signal; a run that dies leaves it to the next heartbeat after this. */
export const SNAPSHOT_LEASE_MS = 300_000;

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

interface Progress {
  namespace: string;
  lastId?: unknown;
  count: number;
  done: boolean;
}

export interface SnapshotRun {
  status: "done" | "paused" | "failed" | "busy";
  published: number;
  outboxed: number;
  error?: string;
}

/**
 * Backfills the collections a signal names ({type: "execute-snapshot", data: {"data-collections":
 * ["db.coll", …]}}): reads each in _id order in chunks, publishes `read` envelopes with PutRecords
 * (failed entries retried, then outboxed), and checkpoints its position in the signal document after
 * every chunk. Near the deadline it stops; the heartbeat continues it. Running it again writes the
 * same records, which the webhook applies idempotently by key.
 */
export async function runSnapshot(signalId: unknown, deps: SnapshotDeps, deadlineMs: number): Promise<SnapshotRun> {
  const existing = await deps.signals.findOne({ _id: signalId });
  if (existing && existing.status !== "done" && existing.status !== "failed") {
    const parallelism = signalParallelism(existing, deps.config.snapshotParallelism);
    // A snapshot once planned in ranges stays so, whatever the setting says now.
    if (parallelism.ok && (parallelism.value > 1 || Array.isArray(existing.plan)))
      return runParallelSnapshot(signalId, existing, parallelism.value, deps, deadlineMs);
  }
  if (!(await claimSignal(deps, signalId, {}))) return { status: "busy", published: 0, outboxed: 0 };
  const signal = (await deps.signals.findOne({ _id: signalId })) as Document;
  const run: SnapshotRun = { status: "paused", published: 0, outboxed: 0 };
  const listed = signalCollections(signal);
  if (!listed.ok) return finish(deps, signalId, { ...run, status: "failed", error: listed.error.message });
  const collections = listed.value;
  const parallelism = signalParallelism(signal, deps.config.snapshotParallelism);
  if (!parallelism.ok) return finish(deps, signalId, { ...run, status: "failed", error: parallelism.error.message });
  // Progress is kept per position in "data-collections" (field names cannot hold the namespace's dot).
  const progress = (signal.progress as Record<string, Progress> | undefined) || {};
  try {
    for (let position = 0; position < collections.length; position++) {
      const namespace = collections[position];
      const state: Progress = progress[position] || { namespace, count: 0, done: false };
      if (state.done) continue;
      // One chunk is put while the next is read and encoded (the stream is another process, so
      // the two overlap); the checkpoint moves only once a chunk's put has finished.
      let inFlight: { put: Promise<void>; lastId: unknown; count: number } | undefined;
      const settle = async () => {
        if (!inFlight) return;
        const chunk = inFlight;
        inFlight = undefined;
        await chunk.put;
        state.lastId = chunk.lastId;
        state.count += chunk.count;
        await deps.signals.updateOne(
          { _id: signalId },
          { $set: { [`progress.${position}`]: state, updatedAt: new Date(deps.clock.now()) } },
        );
      };
      const [db, coll] = splitNamespace(namespace);
      while (!state.done) {
        if (deps.clock.now() >= deadlineMs - 15_000) {
          await settle();
          return finish(deps, signalId, run);
        }
        const after = inFlight ? inFlight.lastId : state.lastId;
        const documents = await deps.dataSource
          .db(db)
          .collection(coll)
          .find(after === undefined ? {} : { _id: { $gt: after } })
          .sort({ _id: 1 })
          .limit(deps.config.snapshotChunkSize)
          .toArray();
        if (documents.length === 0) {
          await settle();
          state.done = true;
          await deps.signals.updateOne(
            { _id: signalId },
            { $set: { [`progress.${position}`]: state, updatedAt: new Date(deps.clock.now()) } },
          );
          break;
        }
        const records = await encodeChunk(documents, db, coll, String(signalId), deps, run);
        await settle();
        const put = putChunk(records, db, coll, deps, run);
        put.catch(() => undefined); // awaited by settle(); this only keeps it from counting as unhandled meanwhile
        inFlight = { put, lastId: documents[documents.length - 1]._id, count: documents.length };
      }
    }
  } catch (error) {
    return finish(deps, signalId, { ...run, status: "failed", error: describeError(error) });
  }
  return finish(deps, signalId, { ...run, status: "done" });
}

/**
 * Takes the signal's lease (a run that dies leaves it to the next run after SNAPSHOT_LEASE_MS), and
 * records when the snapshot began (first claim only), for its rate and time left in `npm run status`.
 */
async function claimSignal(deps: SnapshotDeps, signalId: unknown, also: Document): Promise<boolean> {
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

/** Runs (from the heartbeat) every snapshot that is not finished and not owned by a live run. */
export async function continueSnapshots(deps: SnapshotDeps, deadlineMs: number): Promise<number> {
  const open = await deps.signals
    .find({ type: SNAPSHOT_SIGNAL_TYPE, status: { $nin: ["done", "failed"] } })
    .sort({ _id: 1 })
    .limit(20)
    .toArray();
  let continued = 0;
  for (const signal of open) {
    if (deps.clock.now() >= deadlineMs - 15_000) break;
    const run = await runSnapshot(signal._id, deps, deadlineMs);
    if (run.status !== "busy") continued++;
  }
  return continued;
}

function signalCollections(signal: Document | null): Result<string[]> {
  const invalid = (message: string) => failed(failure("snapshot_signal_invalid", message));
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
function signalParallelism(signal: Document | null, fallback: number): Result<number> {
  const data = signal && (signal.data as Document | undefined);
  const asked = data ? data.parallelism : undefined;
  if (asked === undefined || asked === null) return ok(fallback);
  const value = typeof asked === "number" ? asked : Number(asked);
  if (!(value >= 1 && value <= MAX_SNAPSHOT_PARALLELISM) || Math.floor(value) !== value) {
    const message = `signal data.parallelism must be a whole number from 1 to ${MAX_SNAPSHOT_PARALLELISM}`;
    return failed(failure("snapshot_signal_invalid", message));
  }
  return ok(value);
}

/**
 * The backfill with several workers (see parallel-snapshot.ts): plan the ranges once, then work
 * ranges until none is left to claim or the deadline is near; the last run to finish a range marks
 * the snapshot done.
 */
async function runParallelSnapshot(
  signalId: unknown,
  signal: Document,
  parallelism: number,
  deps: SnapshotDeps,
  deadlineMs: number,
): Promise<SnapshotRun> {
  const run: SnapshotRun = { status: "paused", published: 0, outboxed: 0 };
  const listed = signalCollections(signal);
  if (!listed.ok) return finish(deps, signalId, { ...run, status: "failed", error: listed.error.message });
  const collections = listed.value;
  let plan = signal.plan as SnapshotRange[] | undefined;
  if (!plan) {
    // One run plans, under the signal's lease; others find the plan written or come back later.
    if (!(await claimSignal(deps, signalId, { plan: { $exists: false } })))
      return { status: "busy", published: 0, outboxed: 0 };
    const ranges: SnapshotRange[] = [];
    const notes: string[] = [];
    try {
      for (let position = 0; position < collections.length; position++) {
        const [db, coll] = splitNamespace(collections[position]);
        const planned = await planRanges(
          deps.dataSource.db(db).collection(coll),
          position,
          collections[position],
          parallelism,
          deps.bson,
        );
        ranges.push(...planned.ranges);
        if (planned.note) notes.push(`${collections[position]}: ${planned.note}`);
      }
    } catch (error) {
      return finish(deps, signalId, { ...run, status: "failed", error: describePlanError(error) });
    }
    await deps.signals.updateOne(
      { _id: signalId },
      { $set: { plan: ranges, planNotes: notes, leaseUntil: null, updatedAt: new Date(deps.clock.now()) } },
    );
    plan = ranges;
  }
  const owner = `${deps.clock.now().toString(36)}-${Math.floor((deps.random || Math.random)() * 1e9).toString(36)}`;
  const total = plan.length;
  const nearDeadline = () => deps.clock.now() >= deadlineMs - 15_000;
  const work = async (index: number): Promise<void> => {
    const fresh = (await deps.signals.findOne({ _id: signalId })) as Document;
    const range = (fresh.plan as SnapshotRange[])[index];
    const [db, coll] = splitNamespace(range.namespace);
    const state = { lastId: range.lastId, count: range.count, done: false };
    for (;;) {
      if (nearDeadline()) return releaseRange(deps.signals, signalId, index, owner);
      const documents = await deps.dataSource
        .db(db)
        .collection(coll)
        .find(rangeFilter({ ...range, lastId: state.lastId }))
        .sort({ _id: 1 })
        .limit(deps.config.snapshotChunkSize)
        .toArray();
      if (documents.length === 0) state.done = true;
      else {
        const records = await encodeChunk(documents, db, coll, String(signalId), deps, run);
        await putChunk(records, db, coll, deps, run);
        state.lastId = documents[documents.length - 1]._id;
        state.count += documents.length;
      }
      const stillOwned = await checkpointRange(
        deps.signals,
        signalId,
        index,
        owner,
        state,
        deps.clock.now(),
        SNAPSHOT_LEASE_MS,
      );
      if (!stillOwned) {
        deps.logger.warn({ msg: "snapshot range lost to another run", signalId: String(signalId), range: index });
        return;
      }
      if (state.done) return;
    }
  };
  const worker = async (): Promise<void> => {
    for (let index = 0; index < total && !nearDeadline(); index++) {
      if (await claimRange(deps.signals, signalId, index, owner, deps.clock.now(), SNAPSHOT_LEASE_MS))
        await work(index);
    }
  };
  try {
    const workers: Promise<void>[] = [];
    for (let k = 0; k < Math.min(parallelism, total); k++) workers.push(worker()); // no Array.from in App Services
    await Promise.all(workers);
  } catch (error) {
    return finish(deps, signalId, { ...run, status: "failed", error: describeError(error) });
  }
  const latest = (await deps.signals.findOne({ _id: signalId })) as Document;
  const ranges = (latest.plan as SnapshotRange[]) || [];
  if (ranges.length > 0 && ranges.every((r) => r.done)) {
    // What the sequential backfill records per collection, summed over its ranges.
    const progress: Record<string, Progress> = {};
    collections.forEach((namespace, position) => {
      const own = ranges.filter((r) => r.position === position);
      progress[position] = { namespace, count: own.reduce((sum, r) => sum + r.count, 0), done: true };
    });
    await deps.signals.updateOne({ _id: signalId }, { $set: { progress } });
    return finish(deps, signalId, { ...run, status: "done" });
  }
  return finish(deps, signalId, run);
}

function splitNamespace(namespace: string): [string, string] {
  const dot = namespace.indexOf(".");
  return [namespace.slice(0, dot), namespace.slice(dot + 1)];
}

/** A chunk's `read` change events as Kinesis records; one too large even alone goes to the outbox (permanent). */
async function encodeChunk(
  documents: Document[],
  db: string,
  coll: string,
  signalId: string,
  deps: SnapshotDeps,
  run: SnapshotRun,
): Promise<{ record: KinesisRecord; id: string }[]> {
  const wallTime = new Date(deps.clock.now());
  const records: { record: KinesisRecord; id: string }[] = [];
  for (const document of documents) {
    const event = shapeSnapshotRead(document, db, coll, wallTime, deps.config, deps.bson);
    if (event === null) continue; // outside the capture list's match
    const id = `snapshot:${signalId}:${db}.${coll}:${idKey(document._id, deps.bson)}`;
    try {
      records.push({ record: buildKinesisRecord(event, deps.config, deps.bson), id });
    } catch (error) {
      if (!(error instanceof RecordTooLargeError)) throw error;
      await enqueue(deps.outbox, {
        _id: id,
        partitionKey: "",
        data: deps.bson.ejson.stringify(event, { relaxed: false }),
        operationType: "read",
        ns: `${db}.${coll}`,
        enqueuedAt: wallTime,
        attempts: 0,
        lastError: error.message,
        permanent: true,
      });
      run.outboxed++;
    }
  }
  return records;
}

/** Puts a chunk's records with PutRecords, split by count and request size. */
async function putChunk(
  records: { record: KinesisRecord; id: string }[],
  db: string,
  coll: string,
  deps: SnapshotDeps,
  run: SnapshotRun,
): Promise<void> {
  // Split by the PutRecords request size too, not only by count.
  const limits = { maxCount: PUT_RECORDS_MAX_ENTRIES, maxBytes: PUT_RECORDS_MAX_BYTES };
  const size = ({ record }: { record: KinesisRecord }) =>
    putRecordsEntryBytes(Buffer.byteLength(record.data, "utf8"), Buffer.byteLength(record.partitionKey, "utf8"));
  for (const batch of chunksOf(records, limits, size)) await putOrOutbox(batch, db, coll, deps, run);
}

/** PutRecords with the shared sender (bounded, jittered retries of what failed); what it could not put goes to the outbox. */
async function putOrOutbox(
  batch: { record: KinesisRecord; id: string }[],
  db: string,
  coll: string,
  deps: SnapshotDeps,
  run: SnapshotRun,
): Promise<void> {
  const entries: KinesisRecordEntry[] = batch.map(({ record }) => kinesisEntry(record));
  try {
    await putAllRecords(entries, {
      kinesis: deps.kinesis,
      policy: deps.config,
      sleep: deps.sleep,
      random: deps.random,
    });
    run.published += batch.length;
    return;
  } catch (error) {
    if (!(error instanceof RetryExhaustedError)) throw error;
    const lastError = error.cause instanceof KinesisError ? error.cause.code : describeError(error.cause);
    const left = batch.filter((_, i) => !error.delivered[i]);
    run.published += batch.length - left.length;
    for (const { record, id } of left) {
      await enqueue(deps.outbox, {
        _id: id,
        partitionKey: record.partitionKey,
        data: record.data,
        operationType: "read",
        ns: `${db}.${coll}`,
        enqueuedAt: new Date(deps.clock.now()),
        attempts: error.attempts,
        lastError,
      });
      run.outboxed++;
    }
    deps.logger.warn({
      msg: "snapshot records sent to the outbox",
      ns: `${db}.${coll}`,
      count: left.length,
      reason: lastError,
    });
  }
}

async function finish(deps: SnapshotDeps, signalId: unknown, run: SnapshotRun): Promise<SnapshotRun> {
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
    signalId: String(signalId),
    status: run.status,
    published: run.published,
    outboxed: run.outboxed,
    error: run.error,
  });
  return run;
}
