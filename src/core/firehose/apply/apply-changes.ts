import type { BsonPort } from "../../bson-port";

import { idKey } from "../../id-key";
import type { CollectionPort, WriteOperation } from "../../ports";
import { legacyIdKey } from "./legacy-id-key";
import { POSITION_FIELD } from "./position-field";
import { refusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import type { PlannedWrite, TargetWrites } from "./plan-writes";
import { bulkWriteKeepingRefusals, isDuplicateIdError } from "./bulk-write-refusals";
import { firehoseErrors } from "../errors";

/*
 * How change events become an exact mirror, with no tombstone in the target.
 *
 * Every document the webhook writes from a change carries its change's position (`_akb.pos`, which
 * sorts like the changes of that document). Deletes remove the document and leave their position
 * in a side collection D (`firehose_deletes`, one row per target and _id, `pos` only ever raised with
 * $max, expired by a TTL index on `deletedAt`). The writes, per target and chunk of records:
 *
 *   1. delete at p:  D.pos := max(D.pos, p)                         (before touching the target)
 *   2. all at once:  upsert at p: replace where _id and pos < p, upsert   (duplicate _id = stale)
 *                    delta at p:  update where _id and pos < p, no upsert
 *                    delete at p: delete where _id and pos < p
 *   3. upsert at p:  read D; if D.pos > p, delete where _id and pos = p    (after writing the target)
 *      delta at p:   if the target holds no such document, read D: stale if D.pos > p, else dead letter
 *      (D.pos here is the newer of the document's own row and its source's reconcile floor, below)
 *
 * Why it converges, whatever the order, repeats and overlap of deliveries: the guard in step 2
 * means a target document only moves to newer positions, so among changes that find the document
 * the newest wins. What a guard cannot see is a document that is gone: an older upsert arriving after
 * a delete finds nothing and inserts. Step 3 removes it, and only it (pos = p), when D holds a newer
 * delete. Deletes write D before the target and upserts write the target before reading D, so of an
 * overlapping delete and upsert at least one sees the other's write (each single-document write is
 * atomic and the primary orders them): either the upsert reads the delete's D row and removes
 * itself, or the delete runs after the upsert's insert and removes it with its guard. A newer write
 * is never undone: step 3 removes only the position it wrote, and only for a newer delete; a newer
 * upsert overwrites or re-inserts the document with its own position, which no older delete matches.
 *
 * Reconcile floors. A reconcile's sweep (firehose/reconcile/sweep.ts) removes every document of a source
 * that is older than the reconcile's read position R, at once, without a D row per document. It
 * first raises a floor for that source in that target, a D row that no document key can produce
 * (reconcileFloorId), to R. Step 3 reads the floor with the document's own row, so a change older
 * than R that arrives after the sweep (an old insert of a document deleted while change events were
 * lost) removes itself, as behind a delete. The same argument holds: the sweep writes the floor
 * before it deletes, an upsert writes the target before it reads the floor.
 *
 * Limits (docs/design.md#limits-of-the-mirror): a delete position lives for DELETE_POSITION_RETENTION_S; a change
 * older than its document's delete that arrives later than that can bring the document back. Deltas
 * (updates without a full document) are exact only when that document's changes arrive in order.
 */

export interface ApplyOutcome {
  readonly stored: number;
  /** Guarded writes skipped (or undone) because the target or D already held something newer. */
  readonly stale: number;
  readonly refused: { index: number; refusal: Refusal }[];
}

export interface DeletePositions {
  readonly collection: CollectionPort;
  readonly now: number;
  readonly bson: BsonPort;
}

/** The D row of a document: one per target namespace and _id key. */
export function deletePositionId(target: { db: string; coll: string }, key: string): string {
  return `${target.db}.${target.coll}|${key}`;
}

/**
 * The D row of a source's reconcile floor in a target: every document of that source older than its
 * `pos` is gone. No document's row has this id (_id keys start with "s:", "n:", "o:" or "k:"; the
 * keys of older versions, legacy-id-key.ts, with "n:" or "j:").
 */
export function reconcileFloorId(target: { db: string; coll: string }, source: string): string {
  return `${target.db}.${target.coll}|reconcile:${source}`;
}

/** One target's planned writes, in the three steps above; step 2's failures are stale or refused, never thrown. */
export async function applyTargetWrites(
  collection: CollectionPort,
  group: TargetWrites,
  deletes: DeletePositions,
): Promise<ApplyOutcome> {
  const { writes } = group;
  if (writes.length === 0) return { stored: 0, stale: 0, refused: [] };
  await rememberDeletes(group, deletes);
  const written = await writeTargets(collection, writes);
  const { failed, refused } = written;
  const upserts = writes.filter((write, i) => write.kind === "upsert" && !failed.has(i));
  const deltas = writes.filter((write, i) => write.kind === "delta" && !failed.has(i));
  if (upserts.length === 0 && deltas.length === 0)
    return { stored: writes.length - failed.size, stale: written.stale, refused };
  const missingDeltas = await deltasWithoutDocument(collection, deltas, deletes.bson);
  const late = await undoDeletedAgain(collection, group, deletes, upserts, missingDeltas);
  return {
    stored: writes.length - failed.size - late.undone - missingDeltas.length,
    stale: written.stale + late.stale + late.undone,
    refused: refused.concat(late.refused),
  };
}

/** 1. Every delete's position, remembered before the delete touches the target. */
async function rememberDeletes({ writes, target }: TargetWrites, deletes: DeletePositions): Promise<void> {
  const deleteRows: WriteOperation[] = [];
  for (const write of writes) {
    if (write.kind !== "delete") continue;
    deleteRows.push({
      updateOne: {
        filter: { _id: deletePositionId(target, write.key) },
        update: {
          $max: { pos: write.position },
          $set: { ns: `${target.db}.${target.coll}`, id: write.id, deletedAt: new Date(deletes.now) },
        },
        upsert: true,
      },
    });
  }
  const deleteRefusals = await bulkWriteKeepingRefusals(deletes.collection, deleteRows, "writing delete positions");
  if (deleteRefusals.length > 0) {
    // A delete-position row is ours and small: no permanent reason to refuse it, so retry the batch.
    throw firehoseErrors.error("store_failed", "writing delete positions failed; retry the batch", {
      cause: new Error(deleteRefusals[0].message.slice(0, 200)),
    });
  }
}

/** 2. The target writes, all at once: which failed, how many because the target held newer, the rest refused. */
async function writeTargets(
  collection: CollectionPort,
  writes: readonly PlannedWrite[],
): Promise<{ failed: Set<number>; stale: number; refused: ApplyOutcome["refused"] }> {
  const failures = await bulkWriteKeepingRefusals(
    collection,
    writes.map((write) => write.operation),
    "database write",
  );
  const failed = new Set<number>();
  let stale = 0;
  const refused: ApplyOutcome["refused"] = [];
  for (const failure of failures) {
    failed.add(failure.opIndex);
    const write = writes[failure.opIndex];
    // A guarded upsert whose guard fails on an existing _id is refused by the _id index: the target
    // already holds a newer version, which is the point of the guard.
    if (failure.by === "encoder") {
      const reason = `the BSON encoder refused the ${write.kind === "delta" ? "update" : "document"} (${failure.message})`;
      refused.push({ index: write.index, refusal: refusal("not_encodable", reason) });
    } else if (write.kind !== "plain" && isDuplicateIdError(failure)) stale++;
    else {
      const reason = `database refused the document (code ${failure.code}): ${failure.message.slice(0, 300)}`;
      refused.push({ index: write.index, refusal: refusal("database_refused", reason) });
    }
  }
  return { failed, stale, refused };
}

/**
 * 3. Upserts that re-inserted a document deleted (or reconciled away) after their change are undone;
 * deltas that found nothing are stale when so deleted, refused otherwise.
 */
async function undoDeletedAgain(
  collection: CollectionPort,
  { target }: TargetWrites,
  deletes: DeletePositions,
  upserts: readonly PlannedWrite[],
  missingDeltas: readonly PlannedWrite[],
): Promise<{ undone: number; stale: number; refused: ApplyOutcome["refused"] }> {
  const rowId = (write: PlannedWrite) => deletePositionId(target, write.key);
  const checked = upserts.concat(missingDeltas);
  // Each write's rows besides its own, found once: its source's reconcile floor, and a row written
  // under the key an older version gave this _id (legacy-id-key.ts).
  const otherRowIds = new Map<PlannedWrite, string[]>();
  const others = new Set<string>();
  for (const write of checked) {
    const ids: string[] = [];
    if (write.source !== undefined) ids.push(reconcileFloorId(target, write.source));
    const legacy = legacyIdKey(write.id, deletes.bson);
    if (legacy !== undefined && legacy !== write.key) ids.push(deletePositionId(target, legacy));
    otherRowIds.set(write, ids);
    ids.forEach((id) => others.add(id));
  }
  const rowIds = checked.map(rowId);
  others.forEach((id) => rowIds.push(id));
  const rows = await deletes.collection.find({ _id: { $in: rowIds } }).toArray();
  const deletedAt = new Map<unknown, string>();
  for (const row of rows) if (typeof row.pos === "string") deletedAt.set(row._id, row.pos);
  // The newest of a document's own delete positions and its source's reconcile floor.
  const goneAfter = (write: PlannedWrite): string | undefined => {
    let newest = deletedAt.get(rowId(write));
    for (const id of otherRowIds.get(write) as string[]) {
      const position = deletedAt.get(id);
      if (position !== undefined && (newest === undefined || position > newest)) newest = position;
    }
    return newest;
  };
  const undo: WriteOperation[] = [];
  for (const write of upserts) {
    const position = goneAfter(write);
    if (position !== undefined && position > (write.position as string))
      undo.push({ deleteOne: { filter: { _id: write.id, [`${POSITION_FIELD}.pos`]: write.position } } });
  }
  let stale = 0;
  const refused: ApplyOutcome["refused"] = [];
  for (const write of missingDeltas) {
    const position = goneAfter(write);
    if (position !== undefined && position > (write.position as string)) stale++;
    else
      refused.push({
        index: write.index,
        refusal: refusal(
          "change_update_target_missing",
          "update without fullDocument for a document the target does not hold; publish full documents (fullDocument: updateLookup) or re-read it with a snapshot",
        ),
      });
  }
  const undoRefusals = await bulkWriteKeepingRefusals(collection, undo, "removing a change older than its delete");
  if (undoRefusals.length > 0) {
    throw firehoseErrors.error("store_failed", "removing a change older than its delete failed; retry the batch", {
      cause: new Error(undoRefusals[0].message.slice(0, 200)),
    });
  }
  return { undone: undo.length, stale, refused };
}

/** The deltas whose document the target does not hold (so the guarded update matched nothing). */
async function deltasWithoutDocument(
  collection: CollectionPort,
  deltas: PlannedWrite[],
  bson: BsonPort,
): Promise<PlannedWrite[]> {
  if (deltas.length === 0) return [];
  const held = await collection.find({ _id: { $in: deltas.map((write) => write.id) } }).toArray();
  const present = new Set<string>();
  for (const document of held) present.add(idKey(document._id, bson));
  return deltas.filter((write) => !present.has(write.key));
}
