import type { BsonPort } from "../../bson-port";
import { describeError, type Failure, type Result } from "../../errors";
import { compareIds, idBracket } from "../../id-order";
import { matchedCount, type CollectionPort, type Document } from "../../ports";
import { publishPart, type ReadProgress } from "./publish-reads";
import {
  claimSignal,
  finishRun,
  nearDeadline,
  signalCollections,
  snapshotKind,
  splitNamespace,
  SNAPSHOT_LEASE_MS,
  type SnapshotDeps,
  type SnapshotKind,
  type SnapshotRun,
  type Tally,
} from "./snapshot-signal";
import { captureErrors } from "../errors";

/**
 * A backfill split into `_id` ranges that several workers publish at once. The plan (ranges from
 * sampled split points) is written into the signal once; every range is then leased, checkpointed
 * and resumed on its own, so concurrent function runs share the work and a range whose run died is
 * taken over when its lease lapses (the continueSnapshots trigger continues open snapshots every
 * minute). A checkpoint is written only by the range's lease holder, so a run that lost its lease
 * stops instead of publishing the range twice; a document is published once per snapshot, or again
 * only after a run died between its put and its checkpoint (at least once, never lost). Each worker
 * keeps one chunk's put in flight while it reads and encodes the next (publish-reads.ts).
 */

export interface SnapshotRange {
  /** Position of the collection in the signal's "data-collections". */
  readonly position: number;
  readonly namespace: string;
  /** Lowest _id of the range (inclusive); absent for the first range. */
  readonly lo?: unknown;
  /** First _id after the range (exclusive); absent for the last range. */
  readonly hi?: unknown;
  lastId?: unknown;
  /** Set when the read stands at the start of a type group (see read-order.ts). */
  next?: number | null;
  count: number;
  done: boolean;
  leaseUntil: Date | null;
  owner: string | null;
  /** A reconcile's sequence numbers (see reconcile.ts). */
  seqs?: [number, number][];
  reserved?: number;
}

/** How many sampled `_id`s per range the split points are chosen from. */
const SAMPLES_PER_RANGE = 20;

/**
 * Up to `parallelism` ranges covering a collection, split at sampled `_id`s. One range when the
 * collection is small, has no `aggregate` (no `$sample`), or mixes `_id` types (a range bound matches
 * only its own type, so ranges of one type could not cover the others); that one range reads every
 * type group in turn (read-order.ts).
 */
export async function planRanges(
  collection: CollectionPort,
  position: number,
  namespace: string,
  parallelism: number,
  bson: BsonPort,
): Promise<{ ranges: SnapshotRange[]; note?: string }> {
  const whole = (note?: string) => ({ ranges: [range(position, namespace)], note });
  if (parallelism <= 1) return whole();
  const [first] = await collection.find({}).sort({ _id: 1 }).limit(1).toArray();
  const [last] = await collection.find({}).sort({ _id: -1 }).limit(1).toArray();
  if (!first || !last) return whole();
  const bracket = idBracket(first._id, bson);
  if (bracket === undefined || idBracket(last._id, bson) !== bracket)
    return whole("one range: the collection's _ids are not all of one simple type");
  if (typeof collection.aggregate !== "function")
    return whole("one range: this host's collection has no aggregate ($sample)");
  const sample = await collection
    .aggregate([{ $sample: { size: parallelism * SAMPLES_PER_RANGE } }, { $project: { _id: 1 } }])
    .toArray();
  const ids = sample.map((doc) => doc._id).filter((id) => idBracket(id, bson) === bracket);
  ids.sort((a, b) => compareIds(a, b, bson));
  const splits: unknown[] = [];
  for (let k = 1; k < parallelism; k++) {
    const candidate = ids[Math.floor((k * ids.length) / parallelism)];
    if (candidate === undefined) continue;
    const previous = splits[splits.length - 1];
    // Split points strictly increase and never at the first _id (the first range would be empty).
    if (compareIds(candidate, first._id, bson) <= 0) continue;
    if (previous !== undefined && compareIds(candidate, previous, bson) <= 0) continue;
    splits.push(candidate);
  }
  if (splits.length === 0) return whole();
  const ranges = [range(position, namespace, undefined, splits[0])];
  for (let k = 1; k < splits.length; k++) ranges.push(range(position, namespace, splits[k - 1], splits[k]));
  ranges.push(range(position, namespace, splits[splits.length - 1], undefined));
  return { ranges };
}

function range(position: number, namespace: string, lo?: unknown, hi?: unknown): SnapshotRange {
  const out: SnapshotRange = { position, namespace, count: 0, done: false, leaseUntil: null, owner: null };
  if (lo !== undefined) (out as { lo?: unknown }).lo = lo;
  if (hi !== undefined) (out as { hi?: unknown }).hi = hi;
  return out;
}

/** Takes range `index` of the signal's plan for `owner` if it is not done and no live lease holds it. */
export async function claimRange(
  signals: CollectionPort,
  signalId: unknown,
  index: number,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<boolean> {
  const at = `plan.${index}`;
  // "No live lease" is asked as "no lease until now or later", not as `leaseUntil: null` or `$lt: now`:
  // MongoDB also walks `plan.<n>.leaseUntil` into every range document looking for a field named
  // "<n>", which none has, and a missing field equals null, so `{"plan.<n>.leaseUntil": null}` would
  // match whatever range <n> holds.
  const result = await signals.updateOne(
    {
      _id: signalId,
      [`${at}.done`]: false,
      [`${at}.leaseUntil`]: { $not: { $gte: new Date(now) } },
    },
    { $set: { [`${at}.leaseUntil`]: new Date(now + leaseMs), [`${at}.owner`]: owner, updatedAt: new Date(now) } },
  );
  return matchedCount(result) === 1;
}

/**
 * Records a range's progress, only while `owner` still holds it (a fencing check): false means the
 * lease was lost to another run, which then owns the range from its last checkpoint.
 */
export async function checkpointRange(
  signals: CollectionPort,
  signalId: unknown,
  index: number,
  owner: string,
  state: {
    lastId?: unknown;
    next?: number | null;
    count: number;
    done: boolean;
    seqs?: [number, number][];
    reserved?: number;
  },
  now: number,
  leaseMs: number,
): Promise<boolean> {
  const at = `plan.${index}`;
  const set: Document = {
    [`${at}.count`]: state.count,
    [`${at}.done`]: state.done,
    [`${at}.leaseUntil`]: state.done ? null : new Date(now + leaseMs),
    updatedAt: new Date(now),
  };
  if (state.lastId !== undefined) set[`${at}.lastId`] = state.lastId;
  if (state.next !== undefined) set[`${at}.next`] = state.next;
  if (state.seqs !== undefined) set[`${at}.seqs`] = state.seqs;
  if (state.reserved !== undefined) set[`${at}.reserved`] = state.reserved;
  const result = await signals.updateOne({ _id: signalId, [`${at}.owner`]: owner }, { $set: set });
  return matchedCount(result) === 1;
}

/** Lets a range go without finishing it (a run stopping at its deadline): the next run claims it at once. */
export async function releaseRange(
  signals: CollectionPort,
  signalId: unknown,
  index: number,
  owner: string,
): Promise<void> {
  await signals
    .updateOne({ _id: signalId, [`plan.${index}.owner`]: owner }, { $set: { [`plan.${index}.leaseUntil`]: null } })
    .catch(() => undefined);
}

export function describePlanError(error: unknown): Failure {
  return captureErrors.failure("snapshot_plan_failed", `planning the ranges failed: ${describeError(error)}`, error);
}

/**
 * The backfill with several workers: plan the ranges once (planSnapshot), then work ranges until
 * none is left to claim or the deadline is near (workRange); the last run to finish a range marks
 * the snapshot done (finishParallelSnapshot). In a reconcile each range is a part of its
 * collection, with its own closing.
 */
export async function runParallelSnapshot(
  signalId: unknown,
  signal: Document,
  parallelism: number,
  deps: SnapshotDeps,
  deadlineMs: number,
  startedBy: unknown,
): Promise<SnapshotRun> {
  const run: SnapshotRun = { status: "paused", published: 0, outboxed: 0 };
  const listed = signalCollections(signal);
  if (!listed.ok) return finishRun(deps, signalId, { ...run, status: "failed", error: listed.error.message });
  const collections = listed.value;
  const planned = await planSnapshot(signalId, signal, collections, parallelism, deps, startedBy);
  if (planned === "busy") return { status: "busy", published: 0, outboxed: 0 };
  if (!planned.kind.ok)
    return finishRun(deps, signalId, { ...run, status: "failed", error: planned.kind.error.message });
  const kind = planned.kind.value;
  if (planned.error !== undefined)
    return finishRun(deps, signalId, { ...run, status: "failed", error: planned.error.message }, kind);
  const work: RangeWork = {
    signalId,
    kind,
    owner: `${deps.clock.now().toString(36)}-${Math.floor((deps.random || Math.random)() * 1e9).toString(36)}`,
    deadlineMs,
    run,
    closings: { published: 0, outboxed: 0 },
  };
  const total = planned.ranges.length;
  const worker = async (): Promise<void> => {
    for (let index = 0; index < total && !nearDeadline(deps, deadlineMs); index++) {
      if (await claimRange(deps.signals, signalId, index, work.owner, deps.clock.now(), SNAPSHOT_LEASE_MS))
        await workRange(index, work, deps);
    }
  };
  try {
    const workers: Promise<void>[] = [];
    for (let k = 0; k < Math.min(parallelism, total); k++) workers.push(worker()); // no Array.from in App Services
    await Promise.all(workers);
  } catch (error) {
    return finishRun(deps, signalId, { ...run, status: "failed", error: describeError(error) }, kind, work.closings);
  }
  return finishParallelSnapshot(collections, work, deps);
}

/**
 * The signal's plan, made by this run under the signal's lease when there is none yet (others find
 * it written or come back later: "busy"), and the snapshot's kind (its read position is taken before
 * any read). `kind` is a reason when the signal cannot run; `error` when planning failed.
 */
async function planSnapshot(
  signalId: unknown,
  signal: Document,
  collections: string[],
  parallelism: number,
  deps: SnapshotDeps,
  startedBy: unknown,
): Promise<"busy" | { kind: Result<SnapshotKind>; ranges: SnapshotRange[]; error?: Failure }> {
  const kept = signal.plan as SnapshotRange[] | undefined;
  if (kept) return { kind: await snapshotKind(signal, deps, startedBy), ranges: kept };
  if (!(await claimSignal(deps, signalId, { plan: { $exists: false } }))) return "busy";
  const kind = await snapshotKind(signal, deps, startedBy);
  if (!kind.ok) return { kind, ranges: [] };
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
    return { kind, ranges: [], error: describePlanError(error) };
  }
  await deps.signals.updateOne(
    { _id: signalId },
    { $set: { plan: ranges, planNotes: notes, leaseUntil: null, updatedAt: new Date(deps.clock.now()) } },
  );
  return { kind, ranges };
}

/** What every range a run works shares: the signal, the run's owner name, its deadline and tallies. */
interface RangeWork {
  readonly signalId: unknown;
  readonly kind: SnapshotKind;
  readonly owner: string;
  readonly deadlineMs: number;
  readonly run: SnapshotRun;
  readonly closings: Tally;
}

/**
 * Publishes a claimed range from its checkpoint on, checkpointing it (while this run still holds it)
 * after every chunk; at the deadline it lets the range go for the next run. A reconcile numbers the
 * range's reads as one part of its collection and ends the part with its closing.
 */
async function workRange(index: number, work: RangeWork, deps: SnapshotDeps): Promise<void> {
  const { signalId, owner, kind } = work;
  const fresh = (await deps.signals.findOne({ _id: signalId })) as Document;
  const ranges = fresh.plan as SnapshotRange[];
  const range = ranges[index];
  const state: ReadProgress = { lastId: range.lastId, next: range.next, count: range.count, done: false };
  const checkpoint = async (): Promise<boolean> => {
    const owned = await checkpointRange(
      deps.signals,
      signalId,
      index,
      owner,
      state,
      deps.clock.now(),
      SNAPSHOT_LEASE_MS,
    );
    if (!owned)
      deps.logger.warn({ msg: "snapshot range lost to another run", signalId: String(signalId), range: index });
    return owned;
  };
  const { part, parts } = partOf(ranges, index);
  const outcome = await publishPart(
    {
      signalId,
      namespace: range.namespace,
      bounds: { lo: range.lo, hi: range.hi },
      progress: state,
      position: kind.position,
      reconcile: kind.reconcile ? { id: String(signalId), part, parts } : undefined,
      taken: range,
      putsInFlight: PUTS_PER_RANGE,
      stop: () => nearDeadline(deps, work.deadlineMs),
      save: checkpoint,
    },
    deps,
    work.run,
    work.closings,
  );
  if (outcome === "stopped") await releaseRange(deps.signals, signalId, index, owner);
}

/**
 * One chunk's put in flight per range: a run that finds its lease lost at a checkpoint has then put
 * nothing past it, so another run's range is published twice only after a run died (see the top).
 */
const PUTS_PER_RANGE = 1;

/** Which part of its collection a range is (ranges of one collection, in plan order), and how many parts it has. */
function partOf(ranges: SnapshotRange[], index: number): { part: number; parts: number } {
  let part = 0;
  let parts = 0;
  ranges.forEach((other, k) => {
    if (other.position !== ranges[index].position) return;
    if (k < index) part++;
    parts++;
  });
  return { part, parts };
}

/** Marks the snapshot done when every range is (whichever run finishes last), with each collection's count. */
async function finishParallelSnapshot(
  collections: string[],
  work: RangeWork,
  deps: SnapshotDeps,
): Promise<SnapshotRun> {
  const { signalId, kind, closings } = work;
  const run = work.run;
  const latest = (await deps.signals.findOne({ _id: signalId })) as Document;
  const ranges = (latest.plan as SnapshotRange[]) || [];
  if (ranges.length > 0 && ranges.every((r) => r.done)) {
    // What the sequential backfill records per collection, summed over its ranges.
    const progress: Record<string, ReadProgress & { namespace: string }> = {};
    collections.forEach((namespace, position) => {
      const own = ranges.filter((r) => r.position === position);
      progress[position] = { namespace, count: own.reduce((sum, r) => sum + r.count, 0), done: true };
    });
    await deps.signals.updateOne({ _id: signalId }, { $set: { progress } });
    return finishRun(deps, signalId, { ...run, status: "done" }, kind, closings);
  }
  return finishRun(deps, signalId, run, kind, closings);
}
