import type { BsonPort } from "../bson-port";

import { isInteger } from "../numbers";
import type { Document } from "../ports";
import { DEAD_LETTER_REASONS, refusal, type DeadLetterReasonCode } from "./dead-letters/dead-letter-reasons";
import type { DocumentRecord } from "./protocol/decode-record";
import type { ApplyRecords, RecordsApplied } from "./receive-delivery";
import { addReconcileNotes, type ReconcileNotes } from "./reconcile/reconcile-batch";
import { firehoseErrors } from "./errors";

/*
 * A chunk of decoded records handed from one function to another, as plain data both ways: the
 * App Services webhook (receiveFirehoseDelivery) reads the delivery and decodes its records, and
 * hands each chunk to applyFirehoseRecords, which plans and writes it and says what became of it
 * (docs/webhook.md#on-app-services). Dead letters and reconciles are the webhook's, written after
 * every chunk (receive-delivery.ts), so nothing is carried from one call to the next and no record's
 * raw data is passed: the refused records' data is where it arrived, in the webhook.
 */

/** What applyFirehoseRecords takes: its one argument. */
export interface RecordsHandoff {
  readonly requestId: string;
  /** The chunk's decoded documents, by increasing index; empty and refused records are not handed on. */
  readonly records: readonly HandedRecord[];
  /**
   * A BSON Double and a BSON Long, both 1. Where arguments lose BSON types on the way (relaxed
   * Extended JSON makes numbers of both), the documents' own types are lost too: applyFirehoseRecords
   * refuses a handoff whose probes did not arrive as they were sent, rather than store altered values.
   */
  readonly probes: { readonly double: unknown; readonly long: unknown };
}

/** One decoded record (decode-record.ts, DocumentRecord): what planning reads of it. */
export interface HandedRecord {
  readonly index: number;
  readonly document: Document;
  readonly depth: number;
  readonly bytes: number;
}

/** What applyFirehoseRecords returns: the chunk's counts, its refused records and its reconcile notes. */
export interface HandedRecordsApplied {
  readonly stored: number;
  readonly stale: number;
  readonly superseded: number;
  readonly heartbeats: number;
  readonly basicJson: number;
  readonly refused: readonly { index: number; code: DeadLetterReasonCode; message: string }[];
  readonly reconcile: ReconcileNotes;
}

const COUNTS = ["stored", "stale", "superseded", "heartbeats", "basicJson"] as const;

/** The records as handed on: only the fields planning reads, whatever else a record holds. */
export function recordsHandoff(requestId: string, records: readonly DocumentRecord[], bson: BsonPort): RecordsHandoff {
  return {
    requestId,
    records: records.map(({ index, document, depth, bytes }) => ({ index, document, depth, bytes })),
    probes: { double: new bson.lib.Double(1), long: bson.lib.Long.fromNumber(1) },
  };
}

/**
 * The apply step as a call to another function (on App Services, `context.functions.execute`). A
 * call that fails, or returns what is not a chunk's outcome, fails the delivery as a failed write
 * does (503, "store_failed"): Firehose sends it again, and the writes already made absorb the retry.
 */
export function applyRecordsByCall(call: (handoff: RecordsHandoff) => Promise<unknown>): ApplyRecords {
  return (records, delivery, deps) => {
    const handoff = recordsHandoff(delivery.requestId, records, deps.bson);
    return async () => {
      let result: unknown;
      try {
        result = await call(handoff);
      } catch (error) {
        throw firehoseErrors.error("store_failed", "applying the records failed; retry the batch", { cause: error });
      }
      const outcome = readOutcome(result, handoff);
      if (typeof outcome === "string")
        throw firehoseErrors.error(
          "store_failed",
          `applying the records gave no outcome (${outcome}); retry the batch`,
        );
      addReconcileNotes(delivery.reconcile, outcome.notes);
      return outcome.applied;
    };
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === "string";
const arrayOf = (value: unknown, item: (entry: unknown) => boolean) => Array.isArray(value) && value.every(item);

/**
 * A whole number from 0, given as a number or as a BSON Int32 or Double: what canonical Extended JSON
 * makes of a number, should App Services pass arguments or results through it (undocumented).
 */
function countOf(value: unknown): number | undefined {
  const type = isObject(value) ? value._bsontype : undefined;
  const number = typeof value === "number" ? value : type === "Int32" || type === "Double" ? Number(value) : NaN;
  return isInteger(number) && number >= 0 ? number : undefined;
}

/** A call's result as the chunk's outcome, or what is wrong with it (named, never quoted). */
function readOutcome(
  result: unknown,
  handoff: RecordsHandoff,
): { applied: RecordsApplied; notes: ReconcileNotes } | string {
  if (!isObject(result)) return `a ${result === null ? "null" : typeof result} instead of an object`;
  const counts: Partial<Record<(typeof COUNTS)[number], number>> = {};
  for (const name of COUNTS) {
    counts[name] = countOf(result[name]);
    if (counts[name] === undefined) return `${name} is not a count`;
  }
  const refused = refusedOf(result.refused, new Set(handoff.records.map((record) => record.index)));
  if (refused === undefined) return "refused is not a list of handed records and their reasons";
  const notes = result.reconcile;
  if (
    !isObject(notes) ||
    !arrayOf(notes.marks, isString) ||
    !arrayOf(notes.closings, (row) => isObject(row) && isString(row._id)) ||
    !arrayOf(notes.touched, (pair) => isObject(pair) && isString(pair.reconcile) && isString(pair.ns)) ||
    countOf(notes.accepted) === undefined
  )
    return "reconcile is not a chunk's reconcile notes";
  const applied = { ...(counts as Record<(typeof COUNTS)[number], number>), refused };
  return { applied, notes: { ...(notes as unknown as ReconcileNotes), accepted: countOf(notes.accepted) as number } };
}

/** The refused records of a result: each one handed, with one of the reason codes and a message. */
function refusedOf(value: unknown, handed: ReadonlySet<number>): RecordsApplied["refused"] | undefined {
  if (!Array.isArray(value)) return undefined;
  const refused: RecordsApplied["refused"] = [];
  for (const entry of value) {
    if (!isObject(entry)) return undefined;
    const index = countOf(entry.index);
    const { code, message } = entry;
    if (index === undefined || !handed.has(index) || !isString(code) || !isString(message)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(DEAD_LETTER_REASONS, code)) return undefined;
    refused.push({ index, refusal: refusal(code as DeadLetterReasonCode, message) });
  }
  return refused;
}

/** What applyFirehoseRecords takes, said when it is given anything else. */
export const RECORDS_HANDOFF_SHAPE =
  "applyFirehoseRecords takes one argument, {requestId, records: [{index, document, depth, bytes}], probes}: " +
  "a chunk of a delivery's decoded records, as receiveFirehoseDelivery hands it on";

/**
 * The handoff in applyFirehoseRecords' arguments, or a refusal naming what is wrong (never quoting a
 * record). A handoff is made by our own webhook, so anything else is a defect or a stray call.
 */
export function readRecordsHandoff(args: readonly unknown[], bson: BsonPort): RecordsHandoff {
  const handoff = handoffOf(args, bson);
  if (typeof handoff === "string")
    throw firehoseErrors.error("records_handoff_invalid", `${RECORDS_HANDOFF_SHAPE}; ${handoff}`);
  return handoff;
}

function handoffOf(args: readonly unknown[], bson: BsonPort): RecordsHandoff | string {
  if (args.length !== 1) return `given ${args.length} arguments`;
  const handoff = args[0];
  if (!isObject(handoff))
    return `given ${handoff === null ? "null" : Array.isArray(handoff) ? "an array" : `a ${typeof handoff}`}`;
  if (!isString(handoff.requestId)) return "requestId is not a string";
  if (!Array.isArray(handoff.records)) return "records is not a list";
  const probes = handoff.probes;
  if (!isObject(probes) || bson.bsonType(probes.double) !== "Double" || bson.bsonType(probes.long) !== "Long")
    return "probes did not arrive as a BSON Double and a BSON Long, so the documents' BSON types would not have either";
  const records: HandedRecord[] = [];
  for (let at = 0; at < handoff.records.length; at++) {
    const record: unknown = handoff.records[at];
    if (!isObject(record)) return `records[${at}] is not an object`;
    const index = countOf(record.index);
    if (index === undefined || (at > 0 && index <= records[at - 1].index))
      return `records[${at}].index is not a whole number above the one before`;
    if (!isObject(record.document)) return `records[${at}].document is not a document`;
    const depth = countOf(record.depth);
    const bytes = countOf(record.bytes);
    if (depth === undefined || bytes === undefined) return `records[${at}].depth or .bytes is not a whole number`;
    records.push({ index, document: record.document, depth, bytes });
  }
  return { requestId: handoff.requestId, records, probes: { double: probes.double, long: probes.long } };
}
