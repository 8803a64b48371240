import { MongoErrorCode } from "../core/mongo-error-codes";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";

/*
 * Options are checked against what each method implements. One that would change a result here
 * (collation, hint, let, arrayFilters, a session, ...) is refused by name rather than ignored; the
 * ones accepted without effect cannot change a result on one in-memory node (a comment, a time
 * limit no operation here comes near, write and read concerns every write and read here meets).
 */

const WITHOUT_EFFECT = [
  "comment",
  "maxTimeMS",
  "timeoutMS",
  "writeConcern",
  "readConcern",
  "readPreference",
  "bypassDocumentValidation",
  "batchSize",
  "noCursorTimeout",
  "allowDiskUse",
  "enableUtf8Validation",
  "maxAwaitTimeMS",
  "allowPartialResults",
  "serializeFunctions",
  "checkKeys",
];

/** The driver's options for reading BSON into JavaScript, which the store honours on what it returns. */
export const DESERIALIZE_OPTIONS = ["promoteValues", "promoteLongs", "promoteBuffers", "bsonRegExp", "useBigInt64"];

/** Throws for an option `method` does not implement (other than one without effect here). */
export function checkOptions(method: string, options: unknown, implemented: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object" || Array.isArray(options))
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, `${method}: options must be an object`);
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || implemented.indexOf(key) !== -1 || WITHOUT_EFFECT.indexOf(key) !== -1) continue;
    // Defaults that ask for nothing different are fine.
    if ((key === "ignoreUndefined" || key === "forceServerObjectId" || key === "raw") && value === false) continue;
    if (key === "session")
      throw new EmbeddedUnsupportedError(`sessions and transactions (the "session" option of ${method})`);
    throw new EmbeddedUnsupportedError(`the "${key}" option of ${method}`);
  }
}

/** A non-negative whole count (skip, limit), or throws BadValue. */
export function countOption(name: string, value: unknown): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === "number" ? value : Number(String(value));
  if (!(n === Math.trunc(n))) throw new EmbeddedWriteError(MongoErrorCode.BadValue, `${name} must be a whole number`);
  if (name === "skip" && n < 0)
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, "skip value must be non-negative");
  // The driver reads a negative limit as "one batch of that many": the same documents here.
  return Math.abs(n);
}
