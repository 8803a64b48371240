import { compareBson, valueKey } from "../core/bson-order";
import { idKey } from "../core/id-key";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { CollectionPort, Document, WriteOperation } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { runPipeline } from "./aggregate";
import {
  emptyCounts,
  EmbeddedBulkOp,
  executionOrder,
  insertedIdsAfter,
  prepareDelete,
  prepareOperation,
  prepareReplace,
  prepareUpdate,
  withDriverId,
  type Prepared,
} from "./bulk";
import { EmbeddedCursor, type FindOptions, type ReadHints, type ReadResult } from "./cursor";
import {
  checkId,
  checkNesting,
  decode,
  decodeExact,
  encode,
  idFirst,
  MAX_COMMAND_BYTES,
  MAX_DOCUMENT_BYTES,
  serialize,
  viewOf,
  type Stored,
} from "./documents";
import {
  duplicateKey,
  EmbeddedBulkWriteError,
  EmbeddedInvalidArgumentError,
  EmbeddedWriteError,
  type BulkWriteCounts,
  type WriteErrorEntry,
} from "./errors";
import { IdOrder, idRangeOf } from "./id-order";
import { checkOptions, countOption } from "./options";
import { MISSING, reach } from "./paths";
import { parseProjection, project } from "./projection";
import { compileFilter } from "./query";
import { parseSort, sortBy, type SortKey } from "./sort";
import type { EmbeddedStore } from "./store";
import { applyOne, type WriteOutcome } from "./writes";
import { isDocument } from "./values";

export type { BulkWriteCounts as BulkResult } from "./errors";

export interface UpdateResult {
  acknowledged: true;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}

type Entry = [string, Stored];

/**
 * One collection of the embedded store, with the driver's collection API (and App Services' names
 * where they differ). Reads and writes follow MongoDB's documented behaviour; what is not implemented
 * is refused (docs/embedded-store.md).
 */
export class EmbeddedCollection implements CollectionPort {
  /** @internal The documents by idKey (MongoDB's `_id` equality), in insertion order. */
  readonly documents = new Map<string, Stored>();
  /** @internal Every `_id` in MongoDB's order, for ranges and sorted reads (see id-order.ts). */
  readonly idOrder = new IdOrder();
  /** TTL indexes: field -> seconds after the field's date that a document expires. */
  private readonly expiries = new Map<string, number>();

  constructor(
    readonly databaseName: string,
    readonly collectionName: string,
    /** @internal */
    readonly store: EmbeddedStore,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  find(filter: Document = {}, options: FindOptions = {}): EmbeddedCursor {
    return new EmbeddedCursor((hints) => this.read(filter, hints), options);
  }

  /**
   * A find's documents: an `_id` range (or everything, or `_id` types) read in `_id` order is answered
   * from the ordered index, already sorted, skipped and limited; anything else is matched by a scan.
   */
  private read(filter: Document, hints: ReadHints): ReadResult {
    const sort = hints.sort;
    if (sort && sort.length === 1 && sort[0].parts.length === 1 && sort[0].parts[0] === "_id") {
      const range = idRangeOf(filter);
      if (range) {
        const keys = this.idOrder.keys(range, sort[0].direction, hints.skip, hints.limit);
        return { entries: keys.map((key) => [key, this.documents.get(key) as Stored]), done: true };
      }
    }
    return { entries: this.matching(filter), done: false };
  }

  async findOne(filter: Document = {}, options: FindOptions = {}): Promise<Document | null> {
    const [first] = await this.find(filter, options).limit(1).toArray();
    return first ?? null;
  }

  /**
   * Runs a pipeline of the stages the store implements (aggregate.ts); `$$CLUSTER_TIME` is the
   * store's cluster time. A leading `$sample` picks its documents before any is decoded.
   */
  aggregate(pipeline: Document[], options?: Document): { toArray(): Promise<Document[]> } {
    return {
      toArray: async () => {
        checkOptions("aggregate", options, []);
        return runPipeline([...this.documents.values()], pipeline, { clusterTime: () => this.store.clusterTime() });
      },
    };
  }

  async countDocuments(filter: Document = {}, options?: Document): Promise<number> {
    checkOptions("countDocuments", options, ["skip", "limit"]);
    const skip = countOption("skip", options?.skip);
    const limit = countOption("limit", options?.limit);
    const count = Math.max(0, this.matching(filter).length - skip);
    return limit > 0 ? Math.min(count, limit) : count;
  }

  /** App Services' name for countDocuments (with its `skip` and `limit`). */
  count(filter: Document = {}, options?: Document): Promise<number> {
    return this.countDocuments(filter, options);
  }

  /**
   * The distinct values of a field among the matching documents (an array field gives its elements),
   * equal values once (1 and 1.0 are one), in the BSON order (MongoDB leaves the order open).
   */
  async distinct(field: string, filter: Document = {}, options?: Document): Promise<unknown[]> {
    checkOptions("distinct", options, []);
    const parts = field.split(".");
    const found = new Map<string, unknown>();
    for (const [, stored] of this.matching(filter)) {
      for (const value of reach(viewOf(stored), parts)) {
        if (value === MISSING) continue;
        for (const item of Array.isArray(value) ? value : [value]) {
          const key = valueKey(item, nodeBson);
          if (!found.has(key)) found.set(key, item);
        }
      }
    }
    const values = [...found.values()].sort((a, b) => compareBson(a, b, nodeBson));
    return decode(serialize({ values })).values as unknown[];
  }

  async estimatedDocumentCount(options?: Document): Promise<number> {
    checkOptions("estimatedDocumentCount", options, []);
    return this.documents.size;
  }

  // ---- indexes -------------------------------------------------------------------------------

  /**
   * Only TTL indexes change behaviour here (every lookup but _id scans; no other index enforces
   * uniqueness, so a unique index is refused). Returns the index name, as the driver does.
   */
  async createIndex(
    spec: Document,
    options: { expireAfterSeconds?: number; name?: string } & Document = {},
  ): Promise<string> {
    checkOptions("createIndex", options, ["expireAfterSeconds", "name", "background"]);
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
      const prepared = prepareDelete({ [field]: { $lt: new Date(now - seconds * 1000) } }, 0, true);
      removed += this.remove(prepared);
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
    const view = decodeExact(bytes);
    checkId(view._id);
    const key = idKey(view._id, nodeBson);
    if (this.documents.has(key))
      throw duplicateKey(this.databaseName, this.collectionName, view._id, idShown(view._id));
    this.documents.set(key, { bytes, id: view._id });
    this.idOrder.add(view._id, key);
  }

  // ---- writes --------------------------------------------------------------------------------

  async insertOne(document: Document, options?: Document): Promise<{ acknowledged: true; insertedId: unknown }> {
    checkOptions("insertOne", options, []);
    const prepared = { index: 0, kind: "insert" as const, document: withId(document), upsert: false, many: false };
    const size = serialize(prepared.document).length;
    // The server refuses a document over 16 MiB; a command over 16 MiB + 16 KiB it cannot even read.
    if (size > MAX_COMMAND_BYTES)
      throw new EmbeddedWriteError(
        MongoErrorCode.BSONObjectTooLarge,
        `BSONObj size: ${size} is invalid. Size must be between 0 and ${MAX_COMMAND_BYTES}(16MB)`,
      );
    if (size > MAX_DOCUMENT_BYTES)
      throw new EmbeddedWriteError(
        MongoErrorCode.BadValue,
        `object to insert too large. size in bytes: ${size}, max size: ${MAX_DOCUMENT_BYTES}`,
      );
    this.insert(prepared);
    return { acknowledged: true, insertedId: prepared.document._id };
  }

  async insertMany(
    documents: Document[],
    options: { ordered?: boolean } & Document = {},
  ): Promise<{ acknowledged: true; insertedCount: number; insertedIds: Record<number, unknown> }> {
    checkOptions("insertMany", options, ["ordered"]);
    const result = await this.runBulk(
      documents.map((document) => ({ insertOne: { document } })),
      options.ordered !== false,
    );
    return { acknowledged: true, insertedCount: result.insertedCount, insertedIds: result.insertedIds };
  }

  async updateOne(filter: Document, update: Document, options?: Document): Promise<UpdateResult> {
    checkOptions("updateOne", options, ["upsert", "sort"]);
    return this.single(prepareUpdate(filter, update, options ?? {}, 0, false));
  }

  async updateMany(filter: Document, update: Document, options?: Document): Promise<UpdateResult> {
    checkOptions("updateMany", options, ["upsert"]);
    return this.single(prepareUpdate(filter, update, options ?? {}, 0, true));
  }

  async replaceOne(filter: Document, replacement: Document, options?: Document): Promise<UpdateResult> {
    checkOptions("replaceOne", options, ["upsert", "sort"]);
    return this.single(prepareReplace(filter, replacement, options ?? {}, 0));
  }

  async deleteOne(filter: Document = {}, options?: Document): Promise<{ acknowledged: true; deletedCount: number }> {
    checkOptions("deleteOne", options, []);
    return { acknowledged: true, deletedCount: this.remove(failIfError(prepareDelete(filter, 0, false))) };
  }

  async deleteMany(filter: Document = {}, options?: Document): Promise<{ acknowledged: true; deletedCount: number }> {
    checkOptions("deleteMany", options, []);
    return { acknowledged: true, deletedCount: this.remove(failIfError(prepareDelete(filter, 0, true))) };
  }

  /** The document before or after (`returnDocument: "after"`, App Services' `returnNewDocument`), or null. */
  async findOneAndUpdate(filter: Document, update: Document, options?: Document): Promise<Document | null> {
    checkOptions("findOneAndUpdate", options, ["upsert", "sort", "projection", "returnDocument", "returnNewDocument"]);
    return this.findAndModify(prepareUpdate(filter, update, options ?? {}, 0, false), options);
  }

  async findOneAndReplace(filter: Document, replacement: Document, options?: Document): Promise<Document | null> {
    checkOptions("findOneAndReplace", options, ["upsert", "sort", "projection", "returnDocument", "returnNewDocument"]);
    return this.findAndModify(prepareReplace(filter, replacement, options ?? {}, 0), options);
  }

  async findOneAndDelete(filter: Document, options?: Document): Promise<Document | null> {
    checkOptions("findOneAndDelete", options, ["sort", "projection"]);
    const prepared = failIfError({ ...prepareDelete(filter, 0, false), sort: parseSortOption(options) });
    const [target] = this.targets(prepared);
    if (!target) return null;
    const before = decode(target[1].bytes);
    this.deleteEntry(target);
    return projected(before, options);
  }

  /** Resolves like the driver (counts and ids); App Services resolves to null, which callers must not rely on. */
  async bulkWrite(
    operations: WriteOperation[],
    options: { ordered?: boolean } & Document = {},
  ): Promise<BulkWriteCounts> {
    checkOptions("bulkWrite", options, ["ordered"]);
    return this.runBulk(operations, options.ordered !== false);
  }

  initializeOrderedBulkOp(): EmbeddedBulkOp {
    return new EmbeddedBulkOp((operations, ordered) => this.runBulk(operations, ordered), true);
  }

  initializeUnorderedBulkOp(): EmbeddedBulkOp {
    return new EmbeddedBulkOp((operations, ordered) => this.runBulk(operations, ordered), false);
  }

  /** @internal */
  async runBulk(operations: WriteOperation[], ordered: boolean): Promise<BulkWriteCounts> {
    if (!Array.isArray(operations) || operations.length === 0)
      throw new EmbeddedInvalidArgumentError("Invalid BulkOperation, Batch cannot be empty");
    const prepared = operations.map((operation, index) => prepareOperation(operation, index));
    const result = emptyCounts();
    const writeErrors: WriteErrorEntry[] = [];
    for (const operation of executionOrder(prepared, ordered)) {
      try {
        this.apply(operation, result);
      } catch (error) {
        if (!(error instanceof EmbeddedWriteError)) throw error;
        writeErrors.push({
          index: operation.index,
          code: error.code,
          errmsg: error.errmsg,
          ...(error.keyPattern ? { keyPattern: error.keyPattern, keyValue: error.keyValue } : {}),
        });
        if (ordered) break;
      }
    }
    result.insertedIds = insertedIdsAfter(prepared, writeErrors, ordered);
    if (writeErrors.length > 0) throw new EmbeddedBulkWriteError(writeErrors, result);
    return result;
  }

  private apply(operation: Prepared, result: BulkWriteCounts): void {
    if (operation.error) throw operation.error;
    if (operation.kind === "insert") {
      this.insert(operation, operation.bytes);
      result.insertedCount++;
    } else if (operation.kind === "delete") {
      result.deletedCount += this.remove(operation);
    } else {
      const outcome = this.write(operation);
      result.matchedCount += outcome.matched;
      result.modifiedCount += outcome.modified;
      if (outcome.upsertedId !== undefined) {
        result.upsertedCount++;
        result.upsertedIds[operation.index] = outcome.upsertedId;
      }
    }
  }

  /** One update or replacement outside a bulk write: its error is thrown as the server's. */
  private single(operation: Prepared): UpdateResult {
    const outcome = this.write(failIfError(operation));
    return {
      acknowledged: true,
      matchedCount: outcome.matched,
      modifiedCount: outcome.modified,
      upsertedCount: outcome.upsertedId === undefined ? 0 : 1,
      upsertedId: outcome.upsertedId === undefined ? null : outcome.upsertedId,
    };
  }

  private findAndModify(operation: Prepared, options?: Document): Document | null {
    const outcome = this.write(failIfError({ ...operation, sort: operation.sort ?? parseSortOption(options) }));
    const after = options?.returnDocument === "after" || options?.returnNewDocument === true;
    const bytes = after ? outcome.after : outcome.before;
    return bytes ? projected(decode(bytes), options) : null;
  }

  // ---- the write engine ----------------------------------------------------------------------

  /** @internal The documents an update, replacement or delete applies to, in order (sorted when asked). */
  targets(operation: Prepared): Entry[] {
    let matches = this.matching(operation.filter as Document, operation.matcher);
    if (operation.sort) matches = sortBy(matches, operation.sort, (entry) => viewOf(entry[1]));
    return operation.many ? matches : matches.slice(0, 1);
  }

  private write(operation: Prepared): WriteOutcome {
    return applyOne(this, operation);
  }

  /** @internal Inserts a document with its `_id` (checked, unique), and emits its change; `bytes` when already serialized (`_id` first). */
  insert(operation: { document?: Document }, bytes?: Uint8Array): Stored {
    const document = bytes ? (operation.document as Document) : idFirst(operation.document as Document);
    checkId(document._id);
    checkNesting(document, true);
    const key = idKey(document._id, nodeBson);
    if (this.documents.has(key))
      throw duplicateKey(
        this.databaseName,
        this.collectionName,
        decode(serialize({ _id: document._id }))._id,
        idShown(document._id),
      );
    const stored = encode(document, bytes);
    this.documents.set(key, stored);
    this.idOrder.add(stored.id, key);
    this.store.emitChange({
      operationType: "insert",
      ns: this.ns(),
      documentKey: { _id: stored.id },
      fullDocument: decodeExact(stored.bytes),
    });
    return stored;
  }

  private remove(operation: Prepared): number {
    const targets = this.targets(operation);
    for (const target of targets) this.deleteEntry(target);
    return targets.length;
  }

  private deleteEntry([key, stored]: Entry): void {
    this.documents.delete(key);
    this.idOrder.remove(stored.id);
    this.store.emitChange({
      operationType: "delete",
      ns: this.ns(),
      documentKey: { _id: stored.id },
      fullDocumentBeforeChange: decodeExact(stored.bytes),
    });
  }

  /** @internal */
  ns(): { db: string; coll: string } {
    return { db: this.databaseName, coll: this.collectionName };
  }

  /**
   * The documents a filter matches, in natural order. An `_id` equality (alone, or with conditions
   * such as the webhook's ordering guard), an `_id` `$in` list, and an `_id` range or `$type` alone are
   * answered from the `_id` keys and index; anything else is a scan.
   */
  private matching(filter: Document, compiled?: (document: Document) => boolean): Entry[] {
    const keys = Object.keys(filter);
    if (keys.indexOf("_id") !== -1) {
      const byId = this.matchingById(filter, keys, compiled);
      if (byId) return byId;
    }
    const matches = compiled ?? compileFilter(filter);
    const out: Entry[] = [];
    this.documents.forEach((stored, key) => {
      if (matches(viewOf(stored))) out.push([key, stored]);
    });
    return out;
  }

  private matchingById(
    filter: Document,
    keys: string[],
    compiled?: (document: Document) => boolean,
  ): Entry[] | undefined {
    const condition = filter._id;
    if (isEqualityValue(condition)) {
      const key = idKey(condition, nodeBson);
      const found = this.documents.get(key);
      if (!found) return [];
      if (keys.length === 1) return [[key, found]];
      // The _id matched by key (MongoDB's equality); the rest is tested on the document.
      return (compiled ?? compileFilter(filter))(viewOf(found)) ? [[key, found]] : [];
    }
    if (keys.length !== 1) return undefined;
    const list = idInList(condition);
    if (list) {
      // {_id: {$in: [...]}} alone: one lookup per value, in the list's order without repeats.
      const out: Entry[] = [];
      const seen = new Set<string>();
      for (const value of list) {
        const key = idKey(value, nodeBson);
        const found = this.documents.get(key);
        if (found && !seen.has(key)) out.push([key, found]);
        seen.add(key);
      }
      return out;
    }
    const range = idRangeOf(filter);
    if (!range) return undefined;
    return this.idOrder.keys(range, 1, 0, 0).map((key) => [key, this.documents.get(key) as Stored]);
  }
}

/** A value an `_id` condition names by equality: not an operator document and not a regular expression. */
function isEqualityValue(value: unknown): boolean {
  if (value === undefined || value instanceof RegExp || nodeBson.bsonType(value) === "BSONRegExp") return false;
  if (!isDocument(value)) return true;
  const first = Object.keys(value)[0];
  return first === undefined || first.charCodeAt(0) !== 36 || first === "$ref";
}

/** The values of an `{$in: [...]}` condition whose values are all plain equality values. */
function idInList(condition: unknown): unknown[] | undefined {
  if (!isDocument(condition)) return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== "$in") return undefined;
  const list = condition.$in;
  if (!Array.isArray(list) || !list.every((value) => isEqualityValue(value) && value !== null && !Array.isArray(value)))
    return undefined;
  return list;
}

function withId(document: Document): Document {
  if (!isDocument(document)) throw new EmbeddedInvalidArgumentError("insertOne needs a document");
  return withDriverId(document);
}

function failIfError(operation: Prepared): Prepared {
  if (operation.error) throw operation.error;
  return operation;
}

function parseSortOption(options?: Document): SortKey[] | undefined {
  return parseSort(options?.sort);
}

function projected(document: Document, options?: Document): Document {
  const projection = parseProjection(options?.projection);
  return projection ? project(document, projection) : document;
}

/** An `_id` as the server shows it in a duplicate key message. */
export function idShown(id: unknown): string {
  try {
    return nodeBson.ejson.stringify(id, { relaxed: true });
  } catch {
    return String(id);
  }
}
