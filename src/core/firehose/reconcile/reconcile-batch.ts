import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import type { Closing, ReadMark } from "../../stream-format/reconcile-records";
import { changePosition } from "../formats/change-parts";
import { refusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import { targetFor, type Namespace, type Routing, type TargetProblem } from "../apply/routing";

/*
 * What a delivery's reconcile records ask for, noted as planning meets them (plan-writes.ts) and
 * written once the delivery's writes are done (sweep.ts): a mark per reconcile read, a part row per
 * closing record.
 */

/** What a delivery's reconcile records ask for; filled chunk by chunk, settled after all writes. */
export interface ReconcileBatch {
  /** Mark row ids, one per read (a duplicate read marks the same row). */
  readonly marks: Set<string>;
  /** Part rows by id. */
  readonly closings: Map<string, Document>;
  /** The (reconcile, source namespace) pairs this delivery touched, by their row prefix. */
  readonly touched: Map<string, { reconcile: string; ns: string }>;
  /** Closing records accepted (each counts as stored). */
  accepted: number;
}

export function emptyReconcileBatch(): ReconcileBatch {
  return { marks: new Set(), closings: new Map(), touched: new Map(), accepted: 0 };
}

/**
 * A batch as plain data (lists instead of sets and maps), as applyFirehoseRecords returns one chunk's
 * notes to the webhook (records-handoff.ts); addReconcileNotes adds them to the delivery's batch.
 */
export interface ReconcileNotes {
  readonly marks: readonly string[];
  readonly closings: readonly Document[];
  readonly touched: readonly { reconcile: string; ns: string }[];
  readonly accepted: number;
}

export function reconcileNotesOf(batch: ReconcileBatch): ReconcileNotes {
  const closings: Document[] = [];
  batch.closings.forEach((row) => closings.push(row));
  const touched: { reconcile: string; ns: string }[] = [];
  batch.touched.forEach((pair) => touched.push({ reconcile: pair.reconcile, ns: pair.ns }));
  return { marks: [...batch.marks], closings, touched, accepted: batch.accepted };
}

/** Adds a chunk's notes to a batch, as noting them one by one would have (a later closing of a part wins). */
export function addReconcileNotes(batch: ReconcileBatch, notes: ReconcileNotes): void {
  for (const mark of notes.marks) batch.marks.add(mark);
  for (const row of notes.closings) batch.closings.set(row._id as string, row);
  for (const { reconcile, ns } of notes.touched) batch.touched.set(rowBase(reconcile, ns), { reconcile, ns });
  batch.accepted += notes.accepted;
}

/** Notes a reconcile's read (whatever becomes of the read: its mark is what the sweep counts). */
export function noteReadMark(batch: ReconcileBatch, mark: ReadMark): void {
  const base = rowBase(mark.id, mark.ns);
  batch.marks.add(markId(base, mark.part, mark.seq));
  batch.touched.set(base, { reconcile: mark.id, ns: mark.ns });
}

/**
 * Notes a closing record (recognised by formats/reconcile-closing.ts) as its part's row, or returns
 * why it cannot be accepted (its collection has no valid target).
 */
export function takeClosing(
  batch: ReconcileBatch,
  closing: Closing,
  bson: BsonPort,
  routing: Routing,
  targets: Map<string, Namespace | TargetProblem>,
): Refusal | undefined {
  const { id, ns, part, parts, sent, ranges } = closing;
  const readPosition = changePosition({ operationType: "read", clusterTime: closing.clusterTime }, "", bson) as string;
  const dot = ns.indexOf(".");
  const to = targetFor(routing, { db: ns.slice(0, dot), coll: ns.slice(dot + 1) }, targets);
  if ("problem" in to) return refusal(to.problem, to.reason);
  const base = rowBase(id, ns);
  const _id = `p|${base}|${part}`;
  const target = `${to.db}.${to.coll}`;
  batch.closings.set(_id, { _id, kind: "part", reconcile: id, ns, part, parts, sent, ranges, readPosition, target });
  batch.touched.set(base, { reconcile: id, ns });
  batch.accepted++;
  return undefined;
}

/** Row ids: the parts joined by "|", which escaped ids and namespaces never hold. */
export function rowBase(reconcile: string, ns: string): string {
  return `${escapeRowPart(reconcile)}|${escapeRowPart(ns)}`;
}

function escapeRowPart(text: string): string {
  return text.replace(/%/g, "%25").replace(/\|/g, "%7C");
}

/** Sequence numbers padded, so that a part's marks sort (and count by range) in number order. */
export function markId(base: string, part: number, seq: number): string {
  return `m|${base}|${part}|${String(seq).padStart(15, "0")}`;
}
