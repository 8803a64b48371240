import { BridgeError } from "../errors";
import { MongoErrorCode } from "../mongo-error-codes";
import type { CollectionPort, WriteOperation } from "../ports";

/**
 * Server error codes that no retry can fix, for one document: the document itself is unacceptable
 * (validator, another unique index, size, field names). Such a document is dead-lettered so the rest
 * of the batch can be acknowledged; every other failure fails the delivery and Firehose retries it.
 */
const PERMANENT_WRITE_ERRORS = new Set<number>([
  MongoErrorCode.BadValue,
  MongoErrorCode.DollarPrefixedFieldName,
  MongoErrorCode.InvalidDBRef,
  MongoErrorCode.DottedFieldName,
  MongoErrorCode.ImmutableField,
  MongoErrorCode.DocumentValidationFailure,
  MongoErrorCode.BSONObjectTooLarge,
  MongoErrorCode.DuplicateKey,
  MongoErrorCode.KeyTooLong,
  MongoErrorCode.DocumentTooLarge,
]);

interface WriteErrorLike {
  index?: unknown;
  code?: unknown;
  errmsg?: unknown;
  /** The driver's WriteError keeps the server's error document here; it names the index's keys. */
  err?: { keyPattern?: unknown };
  keyPattern?: unknown;
}

export interface PerOperationError {
  readonly opIndex: number;
  readonly code: number;
  readonly message: string;
  /** For a duplicate key, the keys of the index it broke, when the host reports them. */
  readonly keyPattern?: Readonly<Record<string, unknown>>;
}

/**
 * Runs an unordered bulk write and returns the operations the server refused for good (empty when
 * all succeeded). Anything else (a transient, unknown or write-concern failure) throws a retryable
 * BridgeError: the whole batch must be retried.
 */
export async function bulkWriteKeepingRefusals(
  collection: CollectionPort,
  operations: WriteOperation[],
  what: string,
): Promise<PerOperationError[]> {
  if (operations.length === 0) return [];
  try {
    await collection.bulkWrite(operations, { ordered: false });
    return [];
  } catch (error) {
    const failures = permanentWriteErrors(error);
    if (failures === undefined)
      throw new BridgeError("store_failed", `${what} failed; retry the batch`, { cause: error });
    return failures;
  }
}

/**
 * A duplicate key on the _id index: what a guarded upsert meets when the target holds a newer
 * version. The server names the index's keys (`keyPattern`); App Services passes only the message,
 * whose "index: _id_" is then the only sign.
 */
export function isDuplicateIdError(failure: PerOperationError): boolean {
  if (failure.code !== MongoErrorCode.DuplicateKey) return false;
  if (failure.keyPattern) return Object.keys(failure.keyPattern).join(",") === "_id";
  return ID_INDEX.test(failure.message);
}

const ID_INDEX = /index: _id_ /;

/**
 * The per-document errors of an unordered bulk write when all of them are permanent, else undefined
 * (a transient, unknown or write-concern failure means the whole batch must be retried).
 */
function permanentWriteErrors(error: unknown): PerOperationError[] | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const candidate = error as {
    writeErrors?: unknown;
    writeConcernError?: unknown;
    result?: { hasWriteErrors?: unknown };
  };
  if (candidate.writeConcernError) return undefined;
  const raw = candidate.writeErrors;
  const list: WriteErrorLike[] = Array.isArray(raw)
    ? raw
    : raw && typeof raw === "object"
      ? [raw as WriteErrorLike]
      : [];
  if (list.length === 0) return undefined;
  const out: PerOperationError[] = [];
  for (const writeError of list) {
    const { index, code } = writeError;
    if (typeof index !== "number" || typeof code !== "number" || !PERMANENT_WRITE_ERRORS.has(code)) return undefined;
    const keyPattern = writeError.keyPattern || (writeError.err && writeError.err.keyPattern);
    out.push({
      opIndex: index,
      code,
      message: typeof writeError.errmsg === "string" ? writeError.errmsg : "",
      keyPattern: keyPattern && typeof keyPattern === "object" ? (keyPattern as Record<string, unknown>) : undefined,
    });
  }
  return out;
}
