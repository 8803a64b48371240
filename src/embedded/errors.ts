import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";

const CODE_NAMES: Readonly<Record<number, string>> = Object.keys(MongoErrorCode).reduce(
  (names, name) => ({ ...names, [MongoErrorCode[name as keyof typeof MongoErrorCode]]: name }),
  {} as Record<number, string>,
);

/**
 * A server error with MongoDB's code, as the driver reports it (its MongoServerError): `code`,
 * `codeName`, `errmsg`, and for a duplicate key the index's `keyPattern` and the `keyValue`.
 */
export class EmbeddedWriteError extends Error {
  readonly codeName: string | undefined;
  constructor(
    readonly code: number,
    readonly errmsg: string,
    /** For a duplicate key: the keys of the index, as the server reports them. */
    readonly keyPattern?: Record<string, 1>,
    readonly keyValue?: Document,
  ) {
    super(errmsg);
    this.name = "MongoServerError";
    this.codeName = CODE_NAMES[code];
  }
}

/** One write's error inside a bulk write, as the driver's WriteError shows it. */
export interface WriteErrorEntry {
  index: number;
  code: number;
  errmsg: string;
  keyPattern?: Record<string, 1>;
  keyValue?: Document;
}

/** The counts of a bulk write, as the driver's BulkWriteResult has them (ids keyed by operation index). */
export interface BulkWriteCounts {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  insertedIds: Record<number, unknown>;
  upsertedIds: Record<number, unknown>;
}

/**
 * Shaped like the driver's MongoBulkWriteError: `writeErrors` indexed by operation, `code` and the
 * message of the first, and what was written before (ordered) or besides (unordered) the failures in
 * `result` and the count getters.
 */
export class EmbeddedBulkWriteError extends Error {
  readonly code: number;
  readonly codeName: string | undefined;
  constructor(
    readonly writeErrors: WriteErrorEntry[],
    readonly result: BulkWriteCounts,
  ) {
    super(writeErrors[0]?.errmsg ?? "write operation failed");
    this.name = "MongoBulkWriteError";
    this.code = writeErrors[0]?.code;
    this.codeName = CODE_NAMES[this.code];
  }
  get insertedCount(): number {
    return this.result.insertedCount;
  }
  get matchedCount(): number {
    return this.result.matchedCount;
  }
  get modifiedCount(): number {
    return this.result.modifiedCount;
  }
  get deletedCount(): number {
    return this.result.deletedCount;
  }
  get upsertedCount(): number {
    return this.result.upsertedCount;
  }
  get insertedIds(): Record<number, unknown> {
    return this.result.insertedIds;
  }
  get upsertedIds(): Record<number, unknown> {
    return this.result.upsertedIds;
  }
}

/**
 * What the driver refuses before sending anything (its MongoInvalidArgumentError): an update without
 * operators, a replacement with them, a bulk operation it does not know, a document of 16 MiB or more
 * in a bulk write. Nothing is written.
 */
export class EmbeddedInvalidArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MongoInvalidArgumentError";
  }
}

/**
 * A feature the embedded store does not implement (an option, an operator, a stage). It is refused
 * rather than ignored, so that nothing runs differently here than on MongoDB; nothing is written.
 */
export class EmbeddedUnsupportedError extends Error {
  constructor(readonly feature: string) {
    super(
      `the embedded store does not support ${feature}; set MONGODB_URI to run against a real MongoDB server ` +
        "(see docs/embedded-store.md)",
    );
    this.name = "EmbeddedUnsupportedError";
  }
}

export function duplicateKey(db: string, coll: string, id: unknown, shown: string): EmbeddedWriteError {
  return new EmbeddedWriteError(
    MongoErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${db}.${coll} index: _id_ dup key: { _id: ${shown} }`,
    { _id: 1 },
    { _id: id },
  );
}
