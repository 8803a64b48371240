import { BridgeError } from "../errors";
import { isInteger } from "../numbers";
import type { Document } from "../ports";
import { DEAD_LETTER_REASONS, refusal, type DeadLetterReasonCode } from "./dead-letters/dead-letter-reasons";
import type { DocumentRecord } from "./protocol/decode-record";
import type { ApplyRecords, RecordsApplied } from "./receive-delivery";
import { addReconcileNotes, type ReconcileNotes } from "./reconcile/reconcile-batch";

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
export function recordsHandoff(requestId: string, records: readonly DocumentRecord[]): RecordsHandoff {
  return {
    requestId,
    records: records.map(({ index, document, depth, bytes }) => ({ index, document, depth, bytes })),
  };
}

/**
 * The apply step as a call to another function (on App Services, `context.functions.execute`). A
 * call that fails, or returns what is not a chunk's outcome, fails the delivery as a failed write
 * does (503, "store_failed"): Firehose sends it again, and the writes already made absorb the retry.
 */
export function applyRecordsByCall(call: (handoff: RecordsHandoff) => Promise<unknown>): ApplyRecords {
  return (records, chunk) => {
    const handoff = recordsHandoff(chunk.requestId, records);
    return async () => {
      let result: unknown;
      try {
        result = await call(handoff);
      } catch (error) {
        throw new BridgeError("store_failed", "applying the records failed; retry the batch", { cause: error });
      }
      const problem = resultProblem(result, handoff);
      if (problem !== undefined)
        throw new BridgeError("store_failed", `applying the records gave no outcome (${problem}); retry the batch`);
      const outcome = result as HandedRecordsApplied;
      addReconcileNotes(chunk.reconcile, outcome.reconcile);
      const applied: RecordsApplied = {
        stored: outcome.stored,
        stale: outcome.stale,
        superseded: outcome.superseded,
        heartbeats: outcome.heartbeats,
        basicJson: outcome.basicJson,
        refused: outcome.refused.map(({ index, code, message }) => ({ index, refusal: refusal(code, message) })),
      };
      return applied;
    };
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === "number" && isInteger(value) && value >= 0;
const isString = (value: unknown): value is string => typeof value === "string";
const arrayOf = (value: unknown, item: (entry: unknown) => boolean) => Array.isArray(value) && value.every(item);

/** What is wrong with a call's result (named, never quoted), or undefined for a chunk's outcome. */
function resultProblem(result: unknown, handoff: RecordsHandoff): string | undefined {
  if (!isObject(result)) return `a ${result === null ? "null" : typeof result} instead of an object`;
  const count = COUNTS.find((name) => !isCount(result[name]));
  if (count !== undefined) return `${count} is not a count`;
  const handed = new Set(handoff.records.map((record) => record.index));
  const isRefused = (entry: unknown) =>
    isObject(entry) &&
    handed.has(entry.index as number) &&
    Object.prototype.hasOwnProperty.call(DEAD_LETTER_REASONS, entry.code as string) &&
    isString(entry.message);
  if (!arrayOf(result.refused, isRefused)) return "refused is not a list of handed records and their reasons";
  const notes = result.reconcile;
  if (
    !isObject(notes) ||
    !arrayOf(notes.marks, isString) ||
    !arrayOf(notes.closings, (row) => isObject(row) && isString(row._id)) ||
    !arrayOf(notes.touched, (pair) => isObject(pair) && isString(pair.reconcile) && isString(pair.ns)) ||
    !isCount(notes.accepted)
  )
    return "reconcile is not a chunk's reconcile notes";
  return undefined;
}

/** What applyFirehoseRecords takes, said when it is given anything else. */
export const RECORDS_HANDOFF_SHAPE =
  "applyFirehoseRecords takes one argument, {requestId, records: [{index, document, depth, bytes}]}: " +
  "a chunk of a delivery's decoded records, as receiveFirehoseDelivery hands it on";

/**
 * The handoff in applyFirehoseRecords' arguments, or a refusal naming what is wrong (never quoting a
 * record). A handoff is made by our own webhook, so anything else is a defect or a stray call.
 */
export function readRecordsHandoff(args: readonly unknown[]): RecordsHandoff {
  const problem = handoffProblem(args);
  if (problem !== undefined)
    throw new BridgeError("records_handoff_invalid", `${RECORDS_HANDOFF_SHAPE}; ${problem}`, { kind: "refused" });
  return args[0] as RecordsHandoff;
}

function handoffProblem(args: readonly unknown[]): string | undefined {
  if (args.length !== 1) return `given ${args.length} arguments`;
  const handoff = args[0];
  if (!isObject(handoff))
    return `given ${handoff === null ? "null" : Array.isArray(handoff) ? "an array" : `a ${typeof handoff}`}`;
  if (!isString(handoff.requestId)) return "requestId is not a string";
  if (!Array.isArray(handoff.records)) return "records is not a list";
  let previous = -1;
  for (let at = 0; at < handoff.records.length; at++) {
    const record: unknown = handoff.records[at];
    if (!isObject(record)) return `records[${at}] is not an object`;
    if (!isCount(record.index) || record.index <= previous)
      return `records[${at}].index is not a whole number above the one before`;
    previous = record.index;
    if (!isObject(record.document)) return `records[${at}].document is not a document`;
    if (!isCount(record.depth) || !isCount(record.bytes)) return `records[${at}].depth or .bytes is not a whole number`;
  }
  return undefined;
}
