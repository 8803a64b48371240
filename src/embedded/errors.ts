import { MongoErrorCode } from "../core/mongo-error-codes";

/** A server-style write error with MongoDB's code, as the driver reports it. */
export class EmbeddedWriteError extends Error {
  constructor(
    readonly code: number,
    readonly errmsg: string,
    /** For a duplicate key: the keys of the index, as the server reports them. */
    readonly keyPattern?: Record<string, 1>,
  ) {
    super(errmsg);
    this.name = "MongoServerError";
  }
}

/** Shaped like the driver's MongoBulkWriteError: `writeErrors` indexed by operation. */
export class EmbeddedBulkWriteError extends Error {
  constructor(readonly writeErrors: { index: number; code: number; errmsg: string; keyPattern?: Record<string, 1> }[]) {
    super(`bulk write failed: ${writeErrors.length} write error(s), first: ${writeErrors[0]?.errmsg}`);
    this.name = "MongoBulkWriteError";
  }
}

export function duplicateKey(db: string, coll: string, id: unknown): EmbeddedWriteError {
  return new EmbeddedWriteError(
    MongoErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${db}.${coll} index: _id_ dup key: { _id: ${String(id)} }`,
    { _id: 1 },
  );
}
