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
  /** The first target's bytes before and after (findOneAnd…). */
  readonly before?: Uint8Array;
  readonly after?: Uint8Array;
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
    const next =
      operation.kind === "replace"
        ? replacementToInsert(operation)
        : { document: updateToInsert(collection, operation) };
    const stored = collection.insert({ document: next.document }, next.bytes ?? checkSize(next.document));
    return { matched: 0, modified: 0, upsertedId: asDriverReads(stored.id), after: stored.bytes };
  }
  let modified = 0;
  let before: Uint8Array | undefined;
  let after: Uint8Array | undefined;
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
  if (typeof id === "string" || nodeBson.bsonType(id) === "ObjectId") return id;
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
function replacementToInsert(operation: Prepared): Next {
  const replacement = operation.replacement as Document;
  checkReplacement(replacement);
  const fromFilter = idFromFilter(operation.filter as Document);
  const own = "_id" in replacement && replacement._id !== undefined;
  if (fromFilter && own && compareBson(fromFilter.id, replacement._id, nodeBson) !== 0)
    throw immutableId(
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(replacement._id)}`,
    );
  if (own && firstKey(replacement) === "_id" && operation.bytes && operation.bytes.length <= MAX_DOCUMENT_BYTES)
    return { document: replacement, bytes: operation.bytes };
  const id = own ? replacement._id : fromFilter ? fromFilter.id : new ObjectId();
  return { document: { _id: id, ...replacement } };
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
): { changed: boolean; before: Uint8Array; after: Uint8Array } {
  const next = operation.kind === "replace" ? replaced(stored, operation) : updated(collection, stored, operation);
  checkId(next.document._id);
  checkNesting(next.document, false);
  const bytes = next.bytes ?? checkSize(next.document);
  if (Buffer.compare(bytes, stored.bytes) === 0) return { changed: false, before: stored.bytes, after: stored.bytes };
  const updatedStored: Stored = { bytes, id: exactValue(next.document._id) };
  collection.documents.set(key, updatedStored);
  if (!sameBson(stored.id, updatedStored.id)) {
    collection.idOrder.remove(stored.id);
    collection.idOrder.add(updatedStored.id, key);
  }
  emit(collection, next.touched, decodeExact(stored.bytes), decodeExact(bytes), updatedStored.id);
  return { changed: true, before: stored.bytes, after: bytes };
}

/** A replacement of a stored document: its `_id` kept (or given again, equal by value), then the replacement. */
/** A rewritten document, the paths an update touched, and its bytes when they are made already. */
interface Next {
  readonly document: Document;
  readonly touched?: string[];
  readonly bytes?: Uint8Array;
}

function replaced(stored: Stored, operation: Prepared): Next {
  const replacement = operation.replacement as Document;
  checkReplacement(replacement);
  const own = "_id" in replacement && replacement._id !== undefined;
  if (own && compareBson(replacement._id, stored.id, nodeBson) !== 0)
    throw immutableId(
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(replacement._id)}`,
    );
  // A replacement that starts with its _id is the stored document itself: its bytes were made already.
  if (own && firstKey(replacement) === "_id" && operation.bytes && operation.bytes.length <= MAX_DOCUMENT_BYTES)
    return { document: replacement, bytes: operation.bytes };
  return { document: { _id: own ? replacement._id : stored.id, ...replacement } };
}

function firstKey(document: Document): string | undefined {
  for (const key in document) return key;
  return undefined;
}

/** A stored document with an update's operators applied; its `_id` may be written again, not changed. */
function updated(collection: EmbeddedCollection, stored: Stored, operation: Prepared): Next {
  const working = BSON.deserialize(stored.bytes, EXACT);
  const touched = applyUpdate(working, operation.update!, context(collection, false));
  if (!("_id" in working) || working._id === undefined)
    throw immutableId(
      "After applying the update, the '_id' (required and immutable) field was found to have been removed",
    );
  if (compareBson(working._id, stored.id, nodeBson) !== 0)
    throw immutableId(
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${shown(working._id)}`,
    );
  return { document: working, touched };
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
