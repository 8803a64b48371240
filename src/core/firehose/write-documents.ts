import { BridgeError } from "../errors";
import type { CollectionPort, WriteOperation } from "../ports";
import type { TargetWrites } from "./plan-writes";

export interface RefusedWrite {
  readonly index: number;
  readonly reason: string;
}

export interface DeadLetter {
  readonly index: number;
  readonly reason: string;
  readonly data: unknown;
}

/**
 * Server error codes that no retry can fix, for one document: the document itself is unacceptable
 * (validator, another unique index, size, field names). Such a document is dead-lettered so the rest
 * of the batch can be acknowledged; every other failure fails the delivery and Firehose retries it.
 */
const PERMANENT_WRITE_ERRORS = new Set([2, 52, 55, 57, 66, 121, 10334, 11000, 17280, 17419]);

interface WriteErrorLike {
  index?: unknown;
  code?: unknown;
  errmsg?: unknown;
}

export interface WriteOutcome {
  readonly written: number;
  /** Guarded writes skipped because the target already holds a newer version. */
  readonly stale: number;
  readonly refused: RefusedWrite[];
}

export async function writeDocuments(collection: CollectionPort, writes: TargetWrites): Promise<WriteOutcome> {
  if (writes.operations.length === 0) return { written: 0, stale: 0, refused: [] };
  try {
    await collection.bulkWrite(writes.operations, { ordered: false });
    return { written: writes.operations.length, stale: 0, refused: [] };
  } catch (error) {
    const failures = permanentWriteErrors(error);
    if (failures === undefined) {
      throw new BridgeError("unavailable", "database write failed; retry the batch", { cause: error });
    }
    let stale = 0;
    const refused: RefusedWrite[] = [];
    for (const { opIndex, code, message } of failures) {
      // A guarded upsert whose guard fails on an existing _id is refused by the _id index: the target
      // already holds a newer version, which is the point of the guard.
      if (writes.guarded[opIndex] && code === DUPLICATE_KEY && ID_INDEX.test(message)) stale++;
      else refused.push({ index: writes.recordIndexes[opIndex], reason: `database refused the document (code ${code}): ${message.slice(0, 300)}` });
    }
    return { written: writes.operations.length - stale - refused.length, stale, refused };
  }
}

const DUPLICATE_KEY = 11000;
const ID_INDEX = /index: _id_ /;

/**
 * The per-document errors of an unordered bulk write when all of them are permanent, else undefined
 * (a transient, unknown or write-concern failure means the whole batch must be retried).
 */
function permanentWriteErrors(error: unknown): { opIndex: number; code: number; message: string }[] | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const candidate = error as { writeErrors?: unknown; writeConcernError?: unknown; result?: { hasWriteErrors?: unknown } };
  if (candidate.writeConcernError) return undefined;
  const raw = candidate.writeErrors;
  const list: WriteErrorLike[] = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw as WriteErrorLike] : [];
  if (list.length === 0) return undefined;
  const out: { opIndex: number; code: number; message: string }[] = [];
  for (const writeError of list) {
    const { index, code } = writeError;
    if (typeof index !== "number" || typeof code !== "number" || !PERMANENT_WRITE_ERRORS.has(code)) return undefined;
    out.push({ opIndex: index, code, message: typeof writeError.errmsg === "string" ? writeError.errmsg : "" });
  }
  return out;
}

/**
 * Dead letters are upserted by `<requestId>:<index>`, so a retried batch replaces its own entries
 * instead of adding more. The raw base64 is kept so the record can be replayed after a fix.
 */
export async function writeDeadLetters(
  collection: CollectionPort,
  deadLetters: readonly DeadLetter[],
  context: { requestId: string; sourceArn?: string; receivedAt: Date },
): Promise<void> {
  if (deadLetters.length === 0) return;
  const operations: WriteOperation[] = deadLetters.map(({ index, reason, data }) => {
    const _id = `${context.requestId}:${index}`;
    const replacement = {
      _id,
      requestId: context.requestId,
      index,
      reason,
      data: typeof data === "string" ? data : data === undefined ? null : JSON.stringify(data),
      sourceArn: context.sourceArn === undefined ? null : context.sourceArn,
      receivedAt: context.receivedAt,
    };
    return { replaceOne: { filter: { _id }, replacement, upsert: true } };
  });
  try {
    await collection.bulkWrite(operations, { ordered: false });
  } catch (error) {
    throw new BridgeError("unavailable", "dead-letter write failed; retry the batch", { cause: error });
  }
}
