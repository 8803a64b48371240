import type { BsonPort } from "../bson-port";
import { describeError } from "../errors";
import { compareIds, idBracket } from "../id-order";
import { matchedCount, type CollectionPort, type Document } from "../ports";

/**
 * A backfill split into `_id` ranges that several workers publish at once. The plan (ranges from
 * sampled split points) is written into the signal once; every range is then leased, checkpointed
 * and resumed on its own, so concurrent function runs share the work and a range whose run died is
 * taken over when its lease lapses (the heartbeat continues open snapshots every minute). A checkpoint
 * is written only by the range's lease holder, so a run that lost its lease stops instead of
 * publishing the range twice; a document is published once per snapshot, or again only after a run
 * died between its put and its checkpoint (at least once, never lost).
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
  const result = await signals.updateOne(
    {
      _id: signalId,
      [`${at}.done`]: false,
      $or: [{ [`${at}.leaseUntil`]: null }, { [`${at}.leaseUntil`]: { $lt: new Date(now) } }],
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

export function describePlanError(error: unknown): string {
  return `planning the ranges failed: ${describeError(error)}`;
}
