import { BSON, ObjectId } from "bson";
import { compareBson } from "../core/bson-order";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import type { Prepared } from "./bulk";
import type { EmbeddedCollection } from "./collection";
import {
  checkId,
  checkNesting,
  checkReplacement,
  decode,
  decodeExact,
  exactValue,
  MAX_DOCUMENT_BYTES,
  serialize,
  type Stored,
} from "./documents";
import { EmbeddedWriteError } from "./errors";
import { MISSING, valueAt } from "./paths";
import { applyUpdate, type UpdateContext } from "./update";
import { idFromFilter, seedFromFilter } from "./upsert";
import { sameBson } from "./values";

/*
 * Updates and replacements: the matched documents rewritten (or, with upsert and no match, one
 * inserted), with MongoDB's rules for the immutable `_id` (the same value may be written again, another
 * may not: ImmutableField), the size and nesting limits, and no write at all when the result is the
 * same bytes as before (modifiedCount 0, no change event), as MongoDB skips a no-op update.
 */

export interface WriteOutcome {
  readonly matched: number;
  readonly modified: number;
  /** The upserted document's `_id`, as the driver reads it. */
  readonly upsertedId?: unknown;
  /** The first target before and after (findOneAnd…), exactly typed. */
  readonly before?: Document;
  readonly after?: Document;
}

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

function immutableId(message: string): EmbeddedWriteError {
  return new EmbeddedWriteError(MongoErrorCode.ImmutableField, message);
}

function shown(value: unknown): string {
  try {
    return nodeBson.ejson.stringify(value, { relaxed: true });
  } catch {
    return String(value);
  }
}

function context(collection: EmbeddedCollection, inserting: boolean): UpdateContext {
  return { inserting, now: new Date(), timestamp: () => collection.store.clusterTime() };
}

export function applyOne(collection: EmbeddedCollection, operation: Prepared): WriteOutcome {
  const targets = collection.targets(operation);
  if (targets.length === 0) {
    if (!operation.upsert) return { matched: 0, modified: 0 };
    const document =
      operation.kind === "replace" ? replacementToInsert(operation) : updateToInsert(collection, operation);
    checkSize(document);
    const stored = collection.insert({ document });
    return { matched: 0, modified: 0, upsertedId: asDriverReads(stored.id), after: decodeExact(stored.bytes) };
  }
  let modified = 0;
  let before: Document | undefined;
  let after: Document | undefined;
  for (const target of targets) {
    const outcome = rewrite(collection, target, operation);
    if (outcome.changed) modified++;
    if (before === undefined) {
      before = outcome.before;
      after = outcome.after;
    }
  }
  return { matched: targets.length, modified, before, after };
}

/** The driver reads a server's ids with its default promotions (an Int32 `_id` comes back a number). */
function asDriverReads(id: unknown): unknown {
  return decode(serialize({ _id: id }))._id;
}

function checkSize(document: Document): Uint8Array {
  const bytes = serialize(document);
  if (bytes.length > MAX_DOCUMENT_BYTES)
    throw new EmbeddedWriteError(
      MongoErrorCode.BSONObjectTooLarge,
      `Resulting document after update is larger than ${MAX_DOCUMENT_BYTES}`,
    );
  return bytes;
}

/** A replacement upsert: the filter's `_id` (or the replacement's, equal to it), then the replacement. */
function replacementToInsert(operation: Prepared): Document {
  const replacement = operation.replacement as Document;
  checkReplacement(replacement);
  const fromFilter = idFromFilter(operation.filter as Document);
  const own = "_id" in replacement && replacement._id !== undefined;
  if (fromFilter && own && compareBson(fromFilter.id, replacement._id, nodeBson) !== 0)
    throw immutableId(
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(replacement._id)}`,
    );
  const id = own ? replacement._id : fromFilter ? fromFilter.id : new ObjectId();
  return { _id: id, ...replacement };
}

/** An operator upsert: the filter's equalities, then the update with `$setOnInsert`. */
function updateToInsert(collection: EmbeddedCollection, operation: Prepared): Document {
  const seed = seedFromFilter(operation.filter as Document);
  const seededId = "_id" in seed ? seed._id : undefined;
  applyUpdate(seed, operation.update!, context(collection, true));
  if (seededId !== undefined && ("_id" in seed ? compareBson(seed._id, seededId, nodeBson) !== 0 : true))
    throw immutableId("Performing an update on the path '_id' would modify the immutable field '_id'");
  return "_id" in seed && seed._id !== undefined ? { _id: seed._id, ...seed } : { _id: new ObjectId(), ...seed };
}

/** One matched document rewritten; unchanged bytes are no write. */
function rewrite(
  collection: EmbeddedCollection,
  [key, stored]: [string, Stored],
  operation: Prepared,
): { changed: boolean; before: Document; after: Document } {
  const working = BSON.deserialize(stored.bytes, EXACT);
  let next: Document;
  let touched: string[] = [];
  if (operation.kind === "replace") {
    const replacement = operation.replacement as Document;
    checkReplacement(replacement);
    const own = "_id" in replacement && replacement._id !== undefined;
    if (own && compareBson(replacement._id, working._id, nodeBson) !== 0)
      throw immutableId(
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(replacement._id)}`,
      );
    next = { _id: own ? replacement._id : working._id, ...replacement };
  } else {
    const oldId = working._id;
    touched = applyUpdate(working, operation.update!, context(collection, false));
    next = working;
    if (!("_id" in next) || next._id === undefined)
      throw immutableId(
        "After applying the update, the '_id' (required and immutable) field was found to have been removed",
      );
    if (compareBson(next._id, oldId, nodeBson) !== 0)
      throw immutableId(
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(next._id)}`,
      );
  }
  checkId(next._id);
  checkNesting(next, false);
  const bytes = checkSize(next);
  const before = decodeExact(stored.bytes);
  if (Buffer.compare(bytes, stored.bytes) === 0) return { changed: false, before, after: before };
  const updated: Stored = { bytes, id: exactValue(next._id) };
  collection.documents.set(key, updated);
  if (!sameBson(stored.id, updated.id)) {
    collection.idOrder.remove(stored.id);
    collection.idOrder.add(updated.id, key);
  }
  const after = decodeExact(bytes);
  emit(collection, operation.kind === "replace" ? undefined : touched, before, after, updated.id);
  return { changed: true, before, after };
}

function emit(
  collection: EmbeddedCollection,
  touched: string[] | undefined,
  before: Document,
  after: Document,
  id: unknown,
): void {
  if (touched === undefined) {
    collection.store.emitChange({
      operationType: "replace",
      ns: collection.ns(),
      documentKey: { _id: id },
      fullDocument: after,
      fullDocumentBeforeChange: before,
    });
    return;
  }
  const updatedFields: Document = {};
  const removedFields: string[] = [];
  for (const path of new Set(touched)) {
    const parts = path.split(".");
    const was = valueAt(before, parts);
    const now = valueAt(after, parts);
    if (now === MISSING) {
      if (was !== MISSING) removedFields.push(path);
    } else if (was === MISSING || !sameBson(was, now)) updatedFields[path] = now;
  }
  collection.store.emitChange({
    operationType: "update",
    ns: collection.ns(),
    documentKey: { _id: id },
    fullDocument: after,
    fullDocumentBeforeChange: before,
    updateDescription: { updatedFields, removedFields, truncatedArrays: [] },
  });
}
