import { countMatching, type CollectionPort, type DataSourcePort, type Logger } from "../../ports";
import { reconcileFloorId } from "../apply/apply-changes";
import { POSITION_FIELD } from "../apply/position-field";
import { markId, rowBase, type ReconcileBatch } from "./reconcile-batch";
import { bulkWriteKeepingRefusals } from "../apply/bulk-write-refusals";
import { firehoseErrors } from "../errors";

/*
 * The webhook's side of a reconcile (the records: stream-format/reconcile-records.ts; the producer:
 * capture/snapshot/reconcile.ts). A reconcile re-reads every live document of a collection at read position
 * R (its reads carry R as clusterTime), and once every one of those reads has been applied, removes
 * the target's documents of that collection that are older than R: the source no longer has them.
 *
 * Per delivery, after its writes:
 *   a. every read carrying `_akb.reconcile` is marked, whatever became of it (applied, stale,
 *      superseded in the batch, dead-lettered): an idempotent upsert of the row
 *      m|<id>|<ns>|<part>|<seq> in the reconcile collection (FIREHOSE_RECONCILE_COLLECTION);
 *   b. a closing record upserts its part's row p|<id>|<ns>|<part> with parts, sent, ranges, R;
 *   c. for every (id, ns) the delivery touched: when all `parts` part rows are there and each part's
 *      ranges hold as many marks as numbers (counted over `_id` ranges, which the `_id` index
 *      answers), sweep: raise the source's reconcile floor in the delete positions D to R (see
 *      apply-changes.ts), delete the target's documents of that source whose `_akb.pos` is below R,
 *      record the sweep (s|<id>|<ns>) and delete the marks.
 *
 * Why the mirror then equals the source (for any order, repetition and overlap of deliveries, with
 * any change events before the reconcile lost, and every change after R delivered):
 *   - a document the source held at R and never changed after R was read at R; its read was applied
 *     before the sweep (the sweep waits for every read's mark, and a mark is written only after its
 *     delivery's writes), so the target holds it at position >= R and the sweep (< R) keeps it;
 *   - a document changed after R ends at its newest change, which is delivered and ranks above R:
 *     neither the sweep nor the floor touches it, and the exact-mirror protocol does the rest;
 *   - a swept document had no read at R applied and no change after R: the source did not hold it
 *     at R and never got it back; a change older than R that arrives later (an old insert of a
 *     document deleted while events were lost) re-inserts it, and the floor makes it remove itself
 *     (the sweep writes the floor before deleting, an upsert writes the target before reading the
 *     floor, so of the two at least one sees the other);
 *   - a sweep that ran too early (only possible if marks lied) could remove a live document only
 *     until its read arrives: the read ranks at R exactly, which the floor (R) does not remove.
 * Only documents written from change events carry `_akb.pos` and `_akb.ns`; plain documents, and
 * documents another source wrote into a shared target, are never swept.
 */

export interface ReconcileDeps {
  readonly reconciles: CollectionPort;
  readonly deletes: CollectionPort;
  readonly dataSource: DataSourcePort;
  readonly now: number;
  readonly logger?: Logger;
}

/** One sweep done: a reconcile's collection brought to its source. */
export interface Sweep {
  readonly reconcile: string;
  readonly ns: string;
  readonly target: string;
  readonly readPosition: string;
  readonly removed: number;
}

/** Writes the marks and closings (after the delivery's writes), then sweeps what is complete. */
export async function settleReconciles(batch: ReconcileBatch, deps: ReconcileDeps): Promise<Sweep[]> {
  if (batch.touched.size === 0) return [];
  const at = new Date(deps.now);
  const rows: Parameters<CollectionPort["bulkWrite"]>[0] = [];
  // A mark is its _id (and a date for the TTL): writing it again changes nothing that matters.
  batch.marks.forEach((_id) => rows.push({ replaceOne: { filter: { _id }, replacement: { _id, at }, upsert: true } }));
  batch.closings.forEach((row, _id) => {
    const { _id: _ignored, ...fields } = row;
    rows.push({ updateOne: { filter: { _id }, update: { $set: { ...fields, at } }, upsert: true } });
  });
  const refused = await bulkWriteKeepingRefusals(deps.reconciles, rows, "writing reconcile marks");
  if (refused.length > 0) {
    // These rows are ours and small: no permanent reason to refuse them, so retry the batch.
    throw firehoseErrors.error("store_failed", "writing reconcile marks failed; retry the batch", {
      cause: new Error(refused[0].message.slice(0, 200)),
    });
  }
  const sweeps: Sweep[] = [];
  const pending: { reconcile: string; ns: string }[] = [];
  batch.touched.forEach((pair) => pending.push(pair));
  for (const pair of pending) {
    const sweep = await sweepIfComplete(pair.reconcile, pair.ns, deps);
    if (sweep) sweeps.push(sweep);
  }
  return sweeps;
}

/** The sweep of one reconcile's collection, once every read of every part has been applied. */
async function sweepIfComplete(reconcile: string, ns: string, deps: ReconcileDeps): Promise<Sweep | undefined> {
  const base = rowBase(reconcile, ns);
  const summary = await deps.reconciles.findOne({ _id: `s|${base}` });
  if (summary && summary.status === "swept") return undefined;
  const parts = await deps.reconciles.find({ _id: { $gte: `p|${base}|`, $lt: `p|${base}}` } }).toArray();
  if (parts.length === 0) return undefined;
  const first = parts[0];
  for (const part of parts) {
    if (part.parts !== first.parts || part.readPosition !== first.readPosition || part.target !== first.target) {
      if (deps.logger)
        deps.logger.warn({ msg: "reconcile closings disagree; not sweeping", reconcile, ns, parts: parts.length });
      return undefined;
    }
  }
  if (parts.length < (first.parts as number)) return undefined;
  for (const part of parts) {
    for (const [from, to] of part.ranges as [number, number][]) {
      if (to <= from) continue;
      const filter = {
        _id: { $gte: markId(base, part.part as number, from), $lt: markId(base, part.part as number, to) },
      };
      if ((await countMatching(deps.reconciles, filter)) < to - from) return undefined;
    }
  }
  const readPosition = first.readPosition as string;
  const targetName = first.target as string;
  const dot = targetName.indexOf(".");
  const target = { db: targetName.slice(0, dot), coll: targetName.slice(dot + 1) };
  // The floor first: a stale change that re-inserts a swept document after this sees it (apply-changes.ts).
  await deps.deletes.updateOne(
    { _id: reconcileFloorId(target, ns) },
    {
      $max: { pos: readPosition },
      $set: { ns: targetName, source: ns, reconcile, deletedAt: new Date(deps.now) },
    },
    { upsert: true },
  );
  const result = await deps.dataSource
    .db(target.db)
    .collection(target.coll)
    .deleteMany({ [`${POSITION_FIELD}.ns`]: ns, [`${POSITION_FIELD}.pos`]: { $lt: readPosition } });
  const removed = deletedCount(result);
  const now = new Date(deps.now);
  await deps.reconciles.updateOne(
    { _id: `s|${base}` },
    {
      $set: { kind: "sweep", status: "swept", reconcile, ns, target: targetName, readPosition, sweptAt: now, at: now },
      $inc: { removed },
    },
    { upsert: true },
  );
  await deps.reconciles.deleteMany({ _id: { $gte: `m|${base}|`, $lt: `m|${base}}` } });
  const sweep: Sweep = { reconcile, ns, target: targetName, readPosition, removed };
  if (deps.logger) deps.logger.info({ msg: "reconcile sweep", ...sweep });
  return sweep;
}

function deletedCount(result: unknown): number {
  const count = result && (result as { deletedCount?: unknown }).deletedCount;
  return typeof count === "number" ? count : 0;
}
