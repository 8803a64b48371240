import { MongoErrorCode, PERMANENT_FOR_A_RECORD } from "../../mongo-error-codes";
import type { CollectionPort, WriteOperation } from "../../ports";
import { firehoseErrors } from "../errors";

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
  /**
   * "server": the server refused the write for good (code: one of PERMANENT_FOR_A_RECORD);
   * "encoder": the driver could not encode the operation, so it was never sent (code 0).
   */
  readonly by: "server" | "encoder";
  readonly code: number;
  /** The server's message, or the encoder error's name (its message may quote the document). */
  readonly message: string;
  /** For a duplicate key, the keys of the index it broke, when the host reports them. */
  readonly keyPattern?: Readonly<Record<string, unknown>>;
}

/**
 * Runs an unordered bulk write and returns the operations refused for good (empty when all
 * succeeded): those the server refused with a code that no retry can fix, and those the encoder
 * could not write. Anything else (a transient, unknown or write-concern failure) throws a retryable
 * BridgeError: the whole batch must be retried.
 *
 * An encoder's error (TypeError, RangeError, BSONError and the like, thrown by the driver while it
 * turns the operations into BSON) names no operation, and fails every one of the call's. The
 * operations are then written in halves, down to the ones that fail alone, which are refused.
 * Writing again what a half already wrote changes nothing: every write here is an upsert, update
 * or delete by _id (guarded by position where it is a change), and no two in one call share an _id.
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
    const encoder = encoderErrorName(error);
    if (encoder !== undefined) return isolateEncoderRefusals(collection, operations, what, encoder);
    const failures = permanentWriteErrors(error);
    if (failures === undefined)
      throw firehoseErrors.error("store_failed", `${what} failed; retry the batch`, { cause: error });
    return failures;
  }
}

async function isolateEncoderRefusals(
  collection: CollectionPort,
  operations: WriteOperation[],
  what: string,
  name: string,
): Promise<PerOperationError[]> {
  if (operations.length === 1) return [{ opIndex: 0, by: "encoder", code: 0, message: name }];
  const half = operations.length >> 1;
  const first = await bulkWriteKeepingRefusals(collection, operations.slice(0, half), what);
  const second = await bulkWriteKeepingRefusals(collection, operations.slice(half), what);
  return first.concat(second.map((failure) => ({ ...failure, opIndex: failure.opIndex + half })));
}

/**
 * The errors the JavaScript BSON encoders and the driver throw for a value they cannot write,
 * before anything is sent: language errors and the bson package's own (BSONError, BSONVersionError,
 * BSONOffsetError), and the driver's MongoInvalidArgumentError (a document over the size the
 * server announced, a replacement holding an operator). Server, network and timeout errors are
 * other MongoError classes, and App Services' errors are neither.
 */
const ENCODER_ERRORS = [
  "TypeError",
  "RangeError",
  "BSONError",
  "BSONVersionError",
  "BSONOffsetError",
  "MongoInvalidArgumentError",
];

function encoderErrorName(error: unknown): string | undefined {
  if (!(error instanceof Error) || ENCODER_ERRORS.indexOf(error.name) === -1) return undefined;
  // A server's answer carries a code or write errors; an encoder's never does.
  const reply = error as { code?: unknown; writeErrors?: unknown; errorLabels?: unknown };
  return reply.code === undefined && reply.writeErrors === undefined && reply.errorLabels === undefined
    ? error.name
    : undefined;
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
    if (typeof index !== "number" || typeof code !== "number" || !PERMANENT_FOR_A_RECORD.has(code)) return undefined;
    const keyPattern = writeError.keyPattern || (writeError.err && writeError.err.keyPattern);
    out.push({
      opIndex: index,
      by: "server",
      code,
      message: typeof writeError.errmsg === "string" ? writeError.errmsg : "",
      keyPattern: keyPattern && typeof keyPattern === "object" ? (keyPattern as Record<string, unknown>) : undefined,
    });
  }
  return out;
}
