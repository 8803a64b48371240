import { ObjectId } from "bson";
import { Aggregator, Query } from "mingo";
import { idKey } from "../core/id-key";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { CollectionPort, Document, WriteOperation } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { addCounts, EmbeddedBulkOp, type BulkResult, type WriteResult } from "./bulk";
import { EmbeddedCursor, type FindOptions, type ReadHints, type ReadResult } from "./cursor";
import { IdOrder, idRangeOf } from "./id-order";
import { ID_TYPE_ORDER, idTypeIndex } from "../core/id-order";
import {
  checkStorable,
  decode,
  decodeExact,
  encode,
  equalityFields,
  idInList,
  isEqualityValue,
  readPath,
  runUpdate,
  writePath,
  type Stored,
} from "./documents";
import { duplicateKey, EmbeddedBulkWriteError, EmbeddedWriteError } from "./errors";
import type { EmbeddedStore } from "./store";

export class EmbeddedCollection implements CollectionPort {
  private readonly documents = new Map<string, Stored>();
  /** The `_id`s in MongoDB's order, for range and sorted reads (see id-order.ts). */
  private readonly idOrder = new IdOrder();
  /** TTL indexes: field -> seconds after the field's date that a document expires. */
  private readonly expiries = new Map<string, number>();

  constructor(
    readonly databaseName: string,
    readonly collectionName: string,
    private readonly store: EmbeddedStore,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  find(filter: Document = {}, options: FindOptions = {}): EmbeddedCursor {
    return new EmbeddedCursor((hints) => this.read(filter, hints), options);
  }

  /**
   * A `find`'s documents: an `_id` range (or everything) read in `_id` order is answered from the
   * ordered index, already sorted, skipped and limited; anything else is matched by a scan.
   */
  private read(filter: Document, hints: ReadHints): ReadResult {
    const sort = hints.sort;
    const sortKeys = sort ? Object.keys(sort) : [];
    const direction =
      sortKeys.length === 1 && sortKeys[0] === "_id" && (sort!._id === 1 || sort!._id === -1)
        ? (sort!._id as 1 | -1)
        : undefined;
    const range = direction !== undefined && this.idOrder.complete ? idRangeOf(filter) : undefined;
    if (direction === undefined || range === undefined) return { entries: this.matching(filter), done: false };
    const keys = this.idOrder.keys(range, direction, hints.skip, hints.limit);
    return { entries: keys.map((key) => [key, this.documents.get(key) as Stored]), done: true };
  }

  async findOne(filter: Document = {}, options: FindOptions = {}): Promise<Document | null> {
    const [first] = await this.find(filter, options).limit(1).toArray();
    return first ?? null;
  }

  /**
   * Runs a pipeline (mingo) over the documents; enough for `$sample`, `$match` and `$project`.
   * `$$CLUSTER_TIME` is the store's cluster time (see EmbeddedStore.clusterTime). A leading
   * `$sample` picks its documents before any is decoded, as MongoDB's random cursor reads only
   * those (a parallel snapshot's planning samples a whole collection).
   */
  aggregate(pipeline: Document[]): { toArray(): Promise<Document[]> } {
    return {
      toArray: async () => {
        let stored = [...this.documents.values()];
        let stages = pipeline;
        const size = leadingSampleSize(pipeline);
        if (size !== undefined) {
          stored = sampleOf(stored, size);
          stages = pipeline.slice(1);
        }
        return new Aggregator(stages, { variables: { CLUSTER_TIME: this.store.clusterTime() } }).run(
          stored.map((entry) => decode(entry.bytes)),
        ) as Document[];
      },
    };
  }

  async countDocuments(filter: Document = {}): Promise<number> {
    return this.matching(filter).length;
  }

  /** App Services' name for countDocuments. */
  count(filter: Document = {}): Promise<number> {
    return this.countDocuments(filter);
  }

  // ---- indexes -------------------------------------------------------------------------------

  /**
   * Only TTL indexes change behaviour here (every lookup but _id scans); others are accepted so that
   * set-up code written for MongoDB runs unchanged. Returns the index name, as the driver does.
   */
  async createIndex(spec: Document, options: { expireAfterSeconds?: number; name?: string } = {}): Promise<string> {
    const fields = Object.keys(spec);
    if (options.expireAfterSeconds !== undefined) {
      if (fields.length !== 1 || !(options.expireAfterSeconds >= 0))
        throw new EmbeddedWriteError(
          MongoErrorCode.BadValue,
          "a TTL index needs one field and expireAfterSeconds >= 0",
        );
      this.expiries.set(fields[0], options.expireAfterSeconds);
    }
    return options.name || fields.map((field) => `${field}_${String(spec[field])}`).join("_");
  }

  /**
   * Removes the documents whose TTL field is a date older than its index allows, as MongoDB's TTL
   * monitor does once a minute (the local runtime calls this on the same period). Returns the count.
   */
  sweepExpired(now: number = Date.now()): number {
    let removed = 0;
    this.expiries.forEach((seconds, field) => {
      removed += this.remove({ [field]: { $lt: new Date(now - seconds * 1000) } }, true);
    });
    return removed;
  }

  // ---- saving and loading (data-folder.ts) ---------------------------------------------------

  /** @internal Every document's BSON bytes, for a data folder. */
  storedBytes(): Uint8Array[] {
    return [...this.documents.values()].map((stored) => stored.bytes);
  }

  /** @internal The TTL indexes as field -> seconds, for a data folder. */
  ttlIndexes(): [string, number][] {
    return [...this.expiries.entries()];
  }

  /** @internal Puts a saved document back as it was: no change event, as a restarted server would. */
  restoreStored(bytes: Uint8Array): void {
    const view = decode(bytes);
    checkStorable(view);
    const key = idKey(view._id, nodeBson);
    if (this.documents.has(key)) throw duplicateKey(this.databaseName, this.collectionName, view._id);
    this.documents.set(key, { bytes, view });
    this.idOrder.add(view._id, key);
  }

  // ---- writes --------------------------------------------------------------------------------

  async insertOne(document: Document): Promise<{ insertedId: unknown }> {
    return { insertedId: this.insert(document) };
  }

  async insertMany(documents: Document[], options: { ordered?: boolean } = {}): Promise<{ insertedIds: unknown[] }> {
    const results = await this.runBulk(
      documents.map((document) => ({ insertOne: { document } })),
      options.ordered !== false,
    );
    return { insertedIds: results.insertedIds };
  }

  async replaceOne(filter: Document, replacement: Document, options: { upsert?: boolean } = {}): Promise<WriteResult> {
    return this.replace(filter, replacement, options.upsert === true);
  }

  async updateOne(filter: Document, update: Document, options: { upsert?: boolean } = {}): Promise<WriteResult> {
    return this.update(filter, update, options.upsert === true, false);
  }

  async updateMany(filter: Document, update: Document, options: { upsert?: boolean } = {}): Promise<WriteResult> {
    return this.update(filter, update, options.upsert === true, true);
  }

  async deleteOne(filter: Document): Promise<{ deletedCount: number }> {
    return { deletedCount: this.remove(filter, false) };
  }

  async deleteMany(filter: Document = {}): Promise<{ deletedCount: number }> {
    return { deletedCount: this.remove(filter, true) };
  }

  async findOneAndUpdate(
    filter: Document,
    update: Document,
    options: { upsert?: boolean; returnNewDocument?: boolean } = {},
  ): Promise<Document | null> {
    const before = await this.findOne(filter);
    const result = this.update(filter, update, options.upsert === true, false);
    if (!options.returnNewDocument) return before;
    const id = before ? before._id : result.upsertedId;
    return id === undefined ? null : this.findOne({ _id: id });
  }

  /** Resolves like the driver (counts); App Services resolves to null, which callers must not rely on. */
  async bulkWrite(operations: WriteOperation[], options: { ordered?: boolean } = {}): Promise<BulkResult> {
    return this.runBulk(operations, options.ordered !== false);
  }

  initializeOrderedBulkOp(): EmbeddedBulkOp {
    return new EmbeddedBulkOp(this, true);
  }

  initializeUnorderedBulkOp(): EmbeddedBulkOp {
    return new EmbeddedBulkOp(this, false);
  }

  /** @internal */
  async runBulk(operations: WriteOperation[], ordered: boolean): Promise<BulkResult> {
    const result: BulkResult = {
      insertedCount: 0,
      matchedCount: 0,
      modifiedCount: 0,
      deletedCount: 0,
      upsertedCount: 0,
      insertedIds: [],
    };
    const writeErrors: { index: number; code: number; errmsg: string }[] = [];
    operations.forEach((operation, index) => {
      if (ordered && writeErrors.length > 0) return;
      try {
        this.applyOperation(operation, result);
      } catch (error) {
        if (!(error instanceof EmbeddedWriteError)) throw error;
        writeErrors.push({
          index,
          code: error.code,
          errmsg: error.errmsg,
          ...(error.keyPattern ? { keyPattern: error.keyPattern } : {}),
        });
      }
    });
    if (writeErrors.length > 0) throw new EmbeddedBulkWriteError(writeErrors);
    return result;
  }

  private applyOperation(operation: WriteOperation, result: BulkResult): void {
    if ("insertOne" in operation) {
      result.insertedIds.push(this.insert(operation.insertOne.document));
      result.insertedCount++;
    } else if ("replaceOne" in operation) {
      const { filter, replacement, upsert } = operation.replaceOne;
      addCounts(result, this.replace(filter, replacement, upsert === true));
    } else if ("updateOne" in operation) {
      const { filter, update, upsert } = operation.updateOne;
      addCounts(result, this.update(filter, update, upsert === true, false));
    } else if ("updateMany" in operation) {
      const { filter, update, upsert } = operation.updateMany;
      addCounts(result, this.update(filter, update, upsert === true, true));
    } else if ("deleteOne" in operation) {
      result.deletedCount += this.remove(operation.deleteOne.filter, false);
    } else if ("deleteMany" in operation) {
      result.deletedCount += this.remove(operation.deleteMany.filter, true);
    } else {
      throw new EmbeddedWriteError(
        MongoErrorCode.BadValue,
        `unsupported bulk operation ${Object.keys(operation as object).join(",")}`,
      );
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private matching(filter: Document): [string, Stored][] {
    const keys = Object.keys(filter);
    if (keys.length === 1 && keys[0] === "_id") {
      // An _id range or type alone (counts and deletes of key ranges) comes from the ordered index.
      const range = this.idOrder.complete ? idRangeOf(filter) : undefined;
      if (range && (range.low || range.high || range.types))
        return this.idOrder.keys(range, 1, 0, 0).map((key) => [key, this.documents.get(key) as Stored]);
      const groups = typeGroups(filter._id);
      if (groups) {
        const out: [string, Stored][] = [];
        this.documents.forEach((stored, key) => {
          if (groups.has(idTypeIndex(stored.view._id, nodeBson) as number)) out.push([key, stored]);
        });
        return out;
      }
    }
    const inList = keys.length === 1 ? idInList(filter._id) : undefined;
    if (inList) {
      // {_id: {$in: [...]}} alone: one lookup per value, in the list's order without repeats.
      const out: [string, Stored][] = [];
      const seen = new Set<string>();
      for (const value of inList) {
        const key = idKey(value, nodeBson);
        const found = this.documents.get(key);
        if (found && !seen.has(key)) out.push([key, found]);
        seen.add(key);
      }
      return out;
    }
    if (keys.includes("_id") && isEqualityValue(filter._id)) {
      // An _id equality (alone, or with conditions such as the webhook's ordering guard) names at
      // most one document: look it up instead of scanning the collection.
      const key = idKey(filter._id, nodeBson);
      const found = this.documents.get(key);
      if (!found) return [];
      if (keys.length === 1) return [[key, found]];
      // The _id matched by key (MongoDB's equality); the rest is tested without it, since mingo
      // would compare a wrapper such as Double(4.5) in the filter with the stored view's 4.5.
      const { _id: _matched, ...rest } = filter;
      return new Query(rest).test(found.view) ? [[key, found]] : [];
    }
    const query = new Query(filter);
    const out: [string, Stored][] = [];
    this.documents.forEach((stored, key) => {
      if (query.test(stored.view)) out.push([key, stored]);
    });
    return out;
  }

  private insert(document: Document): unknown {
    const withId = "_id" in document ? document : { _id: new ObjectId(), ...document };
    checkStorable(withId);
    const key = idKey(withId._id, nodeBson);
    if (this.documents.has(key)) throw duplicateKey(this.databaseName, this.collectionName, withId._id);
    const stored = encode(withId);
    this.documents.set(key, stored);
    this.idOrder.add(stored.view._id, key);
    this.store.emitChange({
      operationType: "insert",
      ns: this.ns(),
      documentKey: { _id: stored.view._id },
      fullDocument: decodeExact(stored.bytes),
    });
    return stored.view._id;
  }

  private replace(filter: Document, replacement: Document, upsert: boolean): WriteResult {
    for (const key in replacement) {
      if (key.charCodeAt(0) === 36)
        throw new EmbeddedWriteError(MongoErrorCode.BadValue, "replacement document must not contain update operators");
    }
    const [match] = this.matching(filter);
    if (!match) {
      if (!upsert) return { matchedCount: 0, modifiedCount: 0 };
      const base = equalityFields(filter);
      const document = !("_id" in replacement) && "_id" in base ? { _id: base._id, ...replacement } : replacement;
      const upsertedId = this.insert(document);
      return { matchedCount: 0, modifiedCount: 0, upsertedId, upsertedCount: 1 };
    }
    const [key, stored] = match;
    if ("_id" in replacement && idKey(replacement._id, nodeBson) !== key) {
      throw new EmbeddedWriteError(
        MongoErrorCode.ImmutableField,
        "the (immutable) field '_id' was found to have been altered",
      );
    }
    const next = { _id: stored.view._id, ...replacement };
    checkStorable(next);
    const encoded = encode(next);
    this.documents.set(key, encoded);
    this.store.emitChange({
      operationType: "replace",
      ns: this.ns(),
      documentKey: { _id: encoded.view._id },
      fullDocument: decodeExact(encoded.bytes),
      fullDocumentBeforeChange: decodeExact(stored.bytes),
    });
    return { matchedCount: 1, modifiedCount: 1 };
  }

  private update(filter: Document, update: Document, upsert: boolean, many: boolean): WriteResult {
    if (Array.isArray(update) || Object.keys(update).some((key) => key.charCodeAt(0) !== 36)) {
      throw new EmbeddedWriteError(
        MongoErrorCode.FailedToParse,
        "update document requires update operators (use replaceOne to replace)",
      );
    }
    const matches = this.matching(filter);
    const targets = many ? matches : matches.slice(0, 1);
    if (targets.length === 0) {
      if (!upsert) return { matchedCount: 0, modifiedCount: 0 };
      const document: Document = { ...equalityFields(filter) };
      runUpdate(document, update, true);
      const upsertedId = this.insert(document);
      return { matchedCount: 0, modifiedCount: 0, upsertedId, upsertedCount: 1 };
    }
    let modified = 0;
    for (const [key, stored] of targets) {
      // mingo's operators need plain numbers, so they run on a promoted copy; the changed paths are
      // then copied into the exactly-typed document, so fields the update does not touch keep their
      // BSON types (Int32, Double, Long).
      const promoted = decode(stored.bytes);
      const changed = runUpdate(promoted, update, false);
      if (changed.length === 0) continue;
      const document = decodeExact(stored.bytes);
      for (const path of changed) writePath(document, path, readPath(promoted, path));
      if (idKey(document._id, nodeBson) !== key)
        throw new EmbeddedWriteError(
          MongoErrorCode.ImmutableField,
          "the (immutable) field '_id' was found to have been altered",
        );
      checkStorable(document);
      const encoded = encode(document);
      this.documents.set(key, encoded);
      modified++;
      const after = decodeExact(encoded.bytes);
      const updatedFields: Document = {};
      const removedFields: string[] = [];
      for (const path of changed) {
        const value = readPath(after, path);
        if (value === undefined) removedFields.push(path);
        else updatedFields[path] = value;
      }
      this.store.emitChange({
        operationType: "update",
        ns: this.ns(),
        documentKey: { _id: after._id },
        fullDocument: after,
        fullDocumentBeforeChange: decodeExact(stored.bytes),
        updateDescription: { updatedFields, removedFields, truncatedArrays: [] },
      });
    }
    return { matchedCount: targets.length, modifiedCount: modified };
  }

  private remove(filter: Document, many: boolean): number {
    const matches = this.matching(filter);
    const targets = many ? matches : matches.slice(0, 1);
    for (const [key, stored] of targets) {
      this.documents.delete(key);
      this.idOrder.remove(stored.view._id);
      this.store.emitChange({
        operationType: "delete",
        ns: this.ns(),
        documentKey: { _id: stored.view._id },
        fullDocumentBeforeChange: decodeExact(stored.bytes),
      });
    }
    return targets.length;
  }

  private ns(): { db: string; coll: string } {
    return { db: this.databaseName, coll: this.collectionName };
  }
}

/**
 * The type groups (ID_TYPE_ORDER) `{$type: name | [names]}` selects, for a collection whose `_id`s are
 * not all simple (mingo's `$type` does not know BSON wrappers such as ObjectId). The order of complex
 * `_id`s is mingo's, not MongoDB's (docs/embedded-store.md#what-it-does-not-do).
 */
function typeGroups(condition: unknown): Set<number> | undefined {
  if (condition === null || typeof condition !== "object" || nodeBson.bsonType(condition) !== undefined)
    return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== "$type") return undefined;
  const asked = (condition as { $type: unknown }).$type;
  const out = new Set<number>();
  for (const name of Array.isArray(asked) ? asked : [asked]) {
    const group = ID_TYPE_ORDER.findIndex((entry) => entry.types.indexOf(name as string) !== -1);
    if (group === -1) return undefined;
    out.add(group);
  }
  return out;
}

/** The size of a pipeline's first stage when it is a valid `$sample`; otherwise mingo runs the stage. */
function leadingSampleSize(pipeline: Document[]): number | undefined {
  const first = pipeline[0];
  if (!first || Object.keys(first).length !== 1) return undefined;
  const sample = first.$sample as Document | undefined;
  if (!sample || typeof sample !== "object" || Object.keys(sample).length !== 1) return undefined;
  const size = sample.size;
  return typeof size === "number" && Number.isInteger(size) && size >= 0 ? size : undefined;
}

/** Up to `size` of the entries, picked at random without repeats (a partial Fisher-Yates shuffle). */
function sampleOf<T>(entries: T[], size: number): T[] {
  const count = Math.min(size, entries.length);
  for (let k = 0; k < count; k++) {
    const pick = k + Math.floor(Math.random() * (entries.length - k));
    const chosen = entries[pick];
    entries[pick] = entries[k];
    entries[k] = chosen;
  }
  return entries.slice(0, count);
}
