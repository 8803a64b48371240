import type { BsonPort } from "../../bson-port";
import { idKey } from "../../id-key";
import type { Document, WriteOperation } from "../../ports";
import { isRefusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import { refusal } from "../dead-letters/dead-letter-reasons";
import { errorName, type DecodedRecord, type DocumentRecord } from "../protocol/decode-record";
import { documentLimitProblem } from "./document-limits";
import { olderThan, POSITION_FIELD, POSITION_PATH } from "./position-field";
import type { ChangeToApply, Recognition } from "../formats/record-format";
import { recogniseRecord } from "../formats/record-formats";
import { noteReadMark, takeClosing, type ReconcileBatch } from "../reconcile/reconcile-batch";
import type { HeartbeatDocument } from "../../stream-format/heartbeat";
import { readMarkOf } from "../../stream-format/reconcile-records";
import { targetFor, targetWithoutNamespace, type Namespace, type Routing, type TargetProblem } from "./routing";

/**
 * What one planned write is, which decides how apply-changes.ts completes it:
 * - plain: a document that is not a change event, replaced by _id (last record wins);
 * - upsert: a change with its full document, a replace guarded by position;
 * - delta: an update without its full document, applied to the held document if it is older;
 * - delete: a change that removes the document, guarded by position and remembered elsewhere;
 * - heartbeat: a heartbeat record, kept as its app's latest heartbeat (never deleted).
 */
export type WriteKind = "plain" | "upsert" | "delta" | "delete" | "heartbeat";

export interface PlannedWrite {
  readonly kind: WriteKind;
  /** The record this write came from. */
  readonly index: number;
  /** The mirrored document's _id, and its key (equal exactly when MongoDB would match the _ids). */
  readonly id: unknown;
  readonly key: string;
  /** The change's position; undefined for plain documents. */
  readonly position?: string;
  /** The change's source namespace ("db.coll"); undefined for plain documents and heartbeats. */
  readonly source?: string;
  readonly operation: WriteOperation;
}

export interface TargetWrites {
  readonly target: Namespace;
  readonly writes: PlannedWrite[];
}

export interface PlannedWrites {
  /**
   * Writes grouped by target, in rounds applied one after another. Each _id has at most one write
   * per round; only updates without a full document (deltas) need a second round, after the write
   * they build on.
   */
  readonly rounds: TargetWrites[][];
  /** Records superseded by a later (or, for change events, newer) record for the same _id in this batch. */
  readonly superseded: number;
  /** Records that are well-formed JSON but cannot be applied. */
  readonly rejected: { index: number; refusal: Refusal }[];
  readonly heartbeats: number;
  /** Change events in Atlas Stream Processing's basicJson (types lost by the producer), applied as they are. */
  readonly basicJson: number;
}

/**
 * Turns decoded records into idempotent writes, grouped by target collection. What a record is comes
 * from its format (formats/record-formats.ts):
 * - A plain document is replaced by _id (upsert). One without _id gets `<requestId>:<index>`, which a
 *   retried batch (same request id) reproduces exactly. Within the batch the last record wins.
 * - A change event (ours or MongoDB's) is applied only if newer than what the target holds. Within
 *   the batch a document's changes are put in position order: the newest full write (upsert or
 *   delete) wins, followed by the deltas newer than it, each in a round of its own.
 * - A heartbeat record updates its app's latest heartbeat instead of being stored as data.
 */
export function planWrites(
  records: readonly DecodedRecord[],
  requestId: string,
  bson: BsonPort,
  routing: Routing,
  now: number,
  reconcile: ReconcileBatch,
): PlannedWrites {
  // Target namespace (by object identity: routing hands out the same objects) -> _id key -> candidates.
  const chosen = new Map<Namespace, Map<string, PlannedWrite[]>>();
  const targetCache = new Map<string, Namespace | TargetProblem>();
  const rejected: PlannedWrites["rejected"] = [];
  let candidates = 0;
  let heartbeats = 0;
  let basicJson = 0;
  for (const record of records) {
    if (record.kind !== "document") continue;
    // A reconcile's read counts whatever becomes of it (reconcile-batch.ts), even a planning failure.
    const mark = readMarkOf(record.document, bson);
    if (mark !== undefined) noteReadMark(reconcile, mark);
    let planned: { target: Namespace; write: PlannedWrite } | Refusal | undefined;
    try {
      const recognised = recogniseRecord(record.document, bson, routing);
      if ("change" in recognised && recognised.change.basicJson) basicJson++;
      planned = planRecord(recognised, record, requestId, routing, targetCache, now, bson, reconcile);
      if (planned !== undefined && !isRefusal(planned)) {
        if (planned.write.kind === "heartbeat") heartbeats++;
        planned = documentLimitProblem(record, planned.write.operation, bson) || planned;
      }
    } catch (error) {
      // Whatever a record makes go wrong here fails that record, never its batch.
      planned = refusal("record_failed", `planning the record's write failed: ${errorName(error)}`);
    }
    if (planned === undefined) continue;
    if (isRefusal(planned)) {
      rejected.push({ index: record.index, refusal: planned });
      continue;
    }
    candidates++;
    let byId = chosen.get(planned.target);
    if (!byId) {
      byId = new Map();
      chosen.set(planned.target, byId);
    }
    const list = byId.get(planned.write.key);
    if (list) list.push(planned.write);
    else byId.set(planned.write.key, [planned.write]);
  }
  const rounds: TargetWrites[][] = [];
  let kept = 0;
  chosen.forEach((byId, target) => {
    byId.forEach((list) => {
      const writes = survivors(list);
      kept += writes.length;
      writes.forEach((write, round) => {
        while (rounds.length <= round) rounds.push([]);
        let group = find(rounds[round], target);
        if (!group) {
          group = { target, writes: [] };
          rounds[round].push(group);
        }
        group.writes.push(write);
      });
    });
  });
  // Writes go in the order of the records that won, as the batch would have written them one by one.
  for (const round of rounds) for (const group of round) group.writes.sort((a, b) => a.index - b.index);
  return { rounds, superseded: candidates - kept, rejected, heartbeats, basicJson };
}

/**
 * What one recognised record writes, and where; or why it cannot be written; or nothing (a closing,
 * noted in the reconcile batch and written once the delivery's writes are done, reconcile.ts).
 */
function planRecord(
  recognised: Recognition,
  record: DocumentRecord,
  requestId: string,
  routing: Routing,
  targetCache: Map<string, Namespace | TargetProblem>,
  now: number,
  bson: BsonPort,
  reconcile: ReconcileBatch,
): { target: Namespace; write: PlannedWrite } | Refusal | undefined {
  switch (recognised.kind) {
    case "refused":
      return recognised.refusal;
    case "closing":
      return takeClosing(reconcile, recognised.closing, bson, routing, targetCache);
    case "heartbeat":
      return planHeartbeat(recognised.change, record.index, routing, now);
    case "change":
      return planChange(recognised.change, record.index, routing, targetCache);
  }
  let document = recognised.document;
  if (!("_id" in document)) document = { _id: `${requestId}:${record.index}`, ...document };
  const id = document._id;
  const operation = { replaceOne: { filter: { _id: id }, replacement: document, upsert: true } };
  return {
    target: routing.defaultTarget,
    write: { kind: "plain", index: record.index, id, key: idKey(id, bson), operation },
  };
}

/**
 * The writes of one _id that still matter, in the order they must run. A plain document anywhere
 * means last-record-wins (plain documents carry no position). Otherwise: by position, the newest
 * write that does not build on the document (upsert, delete, heartbeat), then the deltas after it.
 */
function survivors(list: PlannedWrite[]): PlannedWrite[] {
  if (list.length === 1) return list;
  if (list.some((write) => write.position === undefined)) return [list[list.length - 1]];
  const ordered = list
    .slice()
    .sort((a, b) =>
      (a.position as string) < (b.position as string)
        ? -1
        : (a.position as string) > (b.position as string)
          ? 1
          : a.index - b.index,
    );
  let start = 0;
  for (let i = ordered.length - 1; i >= 0; i--) {
    if (ordered[i].kind !== "delta") {
      start = i;
      break;
    }
  }
  const out: PlannedWrite[] = [];
  for (let i = start; i < ordered.length; i++) {
    // The same change twice in one batch (a duplicate record) is written once; when one of the two
    // carries the full document and the other only its update description, the full write stays.
    const last = out[out.length - 1];
    if (last && last.position === ordered[i].position) {
      if (last.kind === "delta" || ordered[i].kind !== "delta") out[out.length - 1] = ordered[i];
    } else out.push(ordered[i]);
  }
  return out;
}

function find(groups: TargetWrites[], target: Namespace): TargetWrites | undefined {
  for (const group of groups) if (group.target === target) return group;
  return undefined;
}

/** A heartbeat record: its app's latest heartbeat, with its lag (its fields: stream-format/heartbeat.ts). */
function planHeartbeat(
  change: ChangeToApply,
  index: number,
  routing: Routing,
  now: number,
): { target: Namespace; write: PlannedWrite } | Refusal {
  const { id, key, position } = change;
  const beat = change.fullDocument as Partial<Record<keyof HeartbeatDocument, unknown>> | undefined;
  if (!beat) return refusal("heartbeat_no_document");
  const at = beat.at instanceof Date ? beat.at : null;
  const latest = {
    _id: id,
    app: beat.app === undefined ? null : beat.app,
    lastHeartbeatAt: at,
    receivedAt: new Date(now),
    lagMs: at ? now - at.getTime() : null,
    outboxDepth: beat.outboxDepth === undefined ? null : beat.outboxDepth,
    lastSuccessfulPutAt: beat.lastSuccessfulPutAt === undefined ? null : beat.lastSuccessfulPutAt,
    [POSITION_FIELD]: { pos: position },
  };
  const operation = { replaceOne: { filter: olderThan(id, position), replacement: latest, upsert: true } };
  return { target: routing.heartbeatTarget, write: { kind: "heartbeat", index, id, key, position, operation } };
}

function planChange(
  change: ChangeToApply,
  index: number,
  routing: Routing,
  targetCache: Map<string, Namespace | TargetProblem>,
): { target: Namespace; write: PlannedWrite } | Refusal {
  const { id, position, fullDocument: full } = change;
  const guard = olderThan(id, position);

  // The source namespace is kept beside the position: a reconcile's sweep removes only its own
  // collection's documents from a target that several sources may share (firehose/reconcile/sweep.ts).
  const source = change.source;
  const target = change.ns ? targetFor(routing, change.ns, targetCache) : targetWithoutNamespace(routing);
  if ("problem" in target) return refusal(target.problem, target.reason);
  if (change.operationType === "delete")
    return changeWrite("delete", target, index, change, source, { deleteOne: { filter: guard } });
  if (full) {
    const stamp: Document = source === undefined ? { pos: position } : { pos: position, ns: source };
    const replacement: Document = { ...full, _id: id, [POSITION_FIELD]: stamp };
    return changeWrite("upsert", target, index, change, source, {
      replaceOne: { filter: guard, replacement, upsert: true },
    });
  }
  if (
    change.operationType === "update" &&
    change.updateDescription &&
    change.degraded.indexOf("updateDescription") === -1
  ) {
    const truncated = change.updateDescription.truncatedArrays;
    if (Array.isArray(truncated) && truncated.length > 0) {
      return refusal(
        "change_no_document",
        "update event with truncatedArrays and without fullDocument; publish full documents (fullDocument: updateLookup)",
      );
    }
    return changeWrite("delta", target, index, change, source, {
      updateOne: { filter: guard, update: updateFrom(change.updateDescription, position, source) },
    });
  }
  if (change.degraded.indexOf("fullDocument") !== -1) {
    return refusal(
      "change_document_dropped_for_size",
      "the producer published this change without its document (over the record size limit); re-read it from the source with a snapshot",
    );
  }
  return refusal("change_no_document", `${change.operationType} event without fullDocument`);
}

// A function of its own rather than a closure in planChange: one fewer allocation per record.
function changeWrite(
  kind: WriteKind,
  target: Namespace,
  index: number,
  change: ChangeToApply,
  source: string | undefined,
  operation: WriteOperation,
): { target: Namespace; write: PlannedWrite } {
  return {
    target,
    write: { kind, index, id: change.id, key: change.key, position: change.position, source, operation },
  };
}

function updateFrom(description: Document, position: string, source: string | undefined): Document {
  const set: Document = {
    ...((description.updatedFields as Document) || {}),
    [POSITION_PATH]: position,
    ...(source === undefined ? {} : { [`${POSITION_FIELD}.ns`]: source }),
  };
  const unset: Document = {};
  const removed = description.removedFields;
  if (Array.isArray(removed)) for (const field of removed) if (typeof field === "string") unset[field] = "";
  return Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
}
