import { EventEmitter } from "events";
import { BSON, ObjectId, Timestamp, type DeserializeOptions } from "bson";
import { Aggregator, Query, update as applyUpdate } from "mingo";
import { idKey } from "../core/id-key";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { CollectionPort, DataSourcePort, Document, WriteOperation } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";

/**
 * An in-process MongoDB stand-in for local runs and tests, since no MongoDB server can be installed
 * here. It implements the part of the App Services `mongodb-atlas` / driver collection API this
 * project uses, with MongoDB's rules for `_id`, upserts and duplicate keys; queries and update
 * operators come from mingo. Documents are stored as BSON bytes, so what comes back has the types
 * that went in (read with `promoteValues: false` to see Int32/Double/Long wrappers, as with the driver).
 *
 * Update operators run on the stored document with its exact BSON types, so fields an update does
 * not touch keep their types (a whole-number Double stays a Double).
 */
export class EmbeddedStore implements DataSourcePort {
  private readonly databases = new Map<string, EmbeddedDatabase>();
  private readonly feed = new EventEmitter();
  private sequence = 0;
  private readonly changeLog: ChangeEvent[] = [];
  /** A human-readable name for logs ("embedded store (in memory)"). */
  readonly description = "embedded in-memory store (mingo); data is lost when the process exits";

  constructor() {
    this.feed.setMaxListeners(100);
  }

  db(name: string): EmbeddedDatabase {
    let database = this.databases.get(name);
    if (!database) {
      database = new EmbeddedDatabase(name, this);
      this.databases.set(name, database);
    }
    return database;
  }

  /**
   * Subscribes to every change, in commit order, with the change-stream event shape. With
   * `resumeAfter` (an event's `_id`), first replays the changes after it from the change log, as a
   * change stream resumes; a token older than the log's window fails like ChangeStreamHistoryLost.
   */
  watch(listener: (event: ChangeEvent) => void, options: { resumeAfter?: { _data: string } } = {}): () => void {
    if (options.resumeAfter) {
      const after = parseInt(options.resumeAfter._data, 16);
      const first = this.changeLog.length > 0 ? parseInt(this.changeLog[0]._id._data, 16) : this.sequence + 1;
      if (!(after >= first - 1 && after <= this.sequence)) {
        throw Object.assign(new Error("resume point is no longer in the change log"), {
          code: MongoErrorCode.ChangeStreamHistoryLost,
          codeName: "ChangeStreamHistoryLost",
        });
      }
      for (const event of this.changeLog) if (parseInt(event._id._data, 16) > after) listener(event);
    }
    this.feed.on("change", listener);
    return () => this.feed.off("change", listener);
  }

  /**
   * Runs every collection's TTL sweep on a period, as MongoDB's TTL monitor does (every 60 s).
   * Returns the function that stops it; the timer never keeps the process alive.
   */
  startTtlMonitor(periodMs = 60_000): () => void {
    const timer = setInterval(() => {
      this.databases.forEach((database) =>
        database.collectionNames().forEach((name) => database.collection(name).sweepExpired()),
      );
    }, periodMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The latest change's resume token (watch from "now" later with it). */
  currentToken(): { _data: string } {
    return { _data: this.sequence.toString(16).padStart(16, "0") };
  }

  /** @internal */
  emitChange(event: Omit<ChangeEvent, "_id" | "clusterTime" | "wallTime">): void {
    this.sequence++;
    const now = Date.now();
    const full: ChangeEvent = {
      _id: { _data: this.sequence.toString(16).padStart(16, "0") },
      clusterTime: new Timestamp({ t: Math.floor(now / 1000), i: this.sequence }),
      wallTime: new Date(now),
      ...event,
    };
    // A bounded change log, like the oplog window: enough for a runtime restart, not forever.
    this.changeLog.push(full);
    if (this.changeLog.length > CHANGE_LOG_LIMIT) this.changeLog.splice(0, this.changeLog.length - CHANGE_LOG_LIMIT);
    this.feed.emit("change", full);
  }
}

const CHANGE_LOG_LIMIT = 50_000;

export interface ChangeEvent {
  _id: { _data: string };
  operationType: "insert" | "update" | "replace" | "delete";
  clusterTime: Timestamp;
  wallTime: Date;
  ns: { db: string; coll: string };
  documentKey: { _id: unknown };
  fullDocument?: Document | null;
  fullDocumentBeforeChange?: Document | null;
  updateDescription?: { updatedFields: Document; removedFields: string[]; truncatedArrays: unknown[] };
}

export class EmbeddedDatabase {
  private readonly collections = new Map<string, EmbeddedCollection>();
  constructor(
    readonly databaseName: string,
    private readonly store: EmbeddedStore,
  ) {}

  collection(name: string): EmbeddedCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new EmbeddedCollection(this.databaseName, name, this.store);
      this.collections.set(name, collection);
    }
    return collection;
  }

  collectionNames(): string[] {
    return [...this.collections.keys()];
  }
}

/** A server-style write error with MongoDB's code, as the driver reports it. */
export class EmbeddedWriteError extends Error {
  constructor(
    readonly code: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
    this.name = "MongoServerError";
  }
}

/** Shaped like the driver's MongoBulkWriteError: `writeErrors` indexed by operation. */
export class EmbeddedBulkWriteError extends Error {
  constructor(readonly writeErrors: { index: number; code: number; errmsg: string }[]) {
    super(`bulk write failed: ${writeErrors.length} write error(s), first: ${writeErrors[0]?.errmsg}`);
    this.name = "MongoBulkWriteError";
  }
}

interface Stored {
  bytes: Uint8Array;
  view: Document;
}

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export class EmbeddedCollection implements CollectionPort {
  private readonly documents = new Map<string, Stored>();
  /** TTL indexes: field -> seconds after the field's date that a document expires. */
  private readonly expiries = new Map<string, number>();

  constructor(
    readonly databaseName: string,
    readonly collectionName: string,
    private readonly store: EmbeddedStore,
  ) {}

  // ---- reads ---------------------------------------------------------------------------------

  find(filter: Document = {}, options: FindOptions = {}): EmbeddedCursor {
    return new EmbeddedCursor(() => this.matching(filter), options);
  }

  async findOne(filter: Document = {}, options: FindOptions = {}): Promise<Document | null> {
    const [first] = await this.find(filter, options).limit(1).toArray();
    return first ?? null;
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
        writeErrors.push({ index, code: error.code, errmsg: error.errmsg });
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
      throw new EmbeddedWriteError(2, `unsupported bulk operation ${Object.keys(operation as object).join(",")}`);
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private matching(filter: Document): [string, Stored][] {
    const keys = Object.keys(filter);
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
      return keys.length === 1 || new Query(filter).test(found.view) ? [[key, found]] : [];
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
        throw new EmbeddedWriteError(2, "replacement document must not contain update operators");
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
      throw new EmbeddedWriteError(66, "the (immutable) field '_id' was found to have been altered");
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
      throw new EmbeddedWriteError(9, "update document requires update operators (use replaceOne to replace)");
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
        throw new EmbeddedWriteError(66, "the (immutable) field '_id' was found to have been altered");
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

export interface FindOptions extends DeserializeOptions {
  sort?: Document;
  limit?: number;
  skip?: number;
  projection?: Document;
}

export class EmbeddedCursor {
  private sortSpec?: Document;
  private skipCount = 0;
  private limitCount = 0;
  private projectionSpec?: Document;
  private buffer?: Document[];
  private position = 0;

  constructor(
    private readonly source: () => [string, Stored][],
    private readonly options: FindOptions,
  ) {
    if (options.sort) this.sortSpec = options.sort;
    if (options.skip) this.skipCount = options.skip;
    if (options.limit) this.limitCount = options.limit;
    if (options.projection) this.projectionSpec = options.projection;
  }

  sort(spec: Document): this {
    this.sortSpec = spec;
    return this;
  }
  skip(count: number): this {
    this.skipCount = count;
    return this;
  }
  limit(count: number): this {
    this.limitCount = count;
    return this;
  }
  project(spec: Document): this {
    this.projectionSpec = spec;
    return this;
  }

  async toArray(): Promise<Document[]> {
    return this.materialise().slice(this.position);
  }

  async next(): Promise<Document | null> {
    const all = this.materialise();
    return this.position < all.length ? all[this.position++] : null;
  }

  async hasNext(): Promise<boolean> {
    return this.position < this.materialise().length;
  }

  private materialise(): Document[] {
    if (this.buffer) return this.buffer;
    let entries = this.source();
    if (this.sortSpec) {
      const byView = new Map<Document, [string, Stored]>(entries.map((entry) => [entry[1].view, entry]));
      const sorted = new Aggregator([{ $sort: this.sortSpec }]).run(
        entries.map((entry) => entry[1].view),
      ) as Document[];
      entries = sorted.map((view) => byView.get(view) as [string, Stored]);
    }
    if (this.skipCount) entries = entries.slice(this.skipCount);
    if (this.limitCount) entries = entries.slice(0, this.limitCount);
    const { sort: _s, limit: _l, skip: _k, projection: _p, ...deserializeOptions } = this.options;
    let documents = entries.map(([, stored]) => decode(stored.bytes, deserializeOptions));
    if (this.projectionSpec)
      documents = new Aggregator([{ $project: this.projectionSpec }]).run(documents) as Document[];
    this.buffer = documents;
    return documents;
  }
}

/** App Services' bulk builder: `find(filter).upsert().updateOne(update)` / `replaceOne`, `insert`. */
export class EmbeddedBulkOp {
  private readonly operations: WriteOperation[] = [];
  constructor(
    private readonly collection: EmbeddedCollection,
    private readonly ordered: boolean,
  ) {}

  insert(document: Document): this {
    this.operations.push({ insertOne: { document } });
    return this;
  }

  find(filter: Document) {
    let upsert = false;
    const builder = {
      upsert: () => {
        upsert = true;
        return builder;
      },
      updateOne: (update: Document) => {
        const isReplacement = Object.keys(update).some((key) => key.charCodeAt(0) !== 36);
        this.operations.push(
          isReplacement
            ? { replaceOne: { filter, replacement: update, upsert } }
            : { updateOne: { filter, update, upsert } },
        );
      },
      replaceOne: (replacement: Document) => {
        this.operations.push({ replaceOne: { filter, replacement, upsert } });
      },
      update: (update: Document) => {
        this.operations.push({ updateMany: { filter, update, upsert } });
      },
      deleteOne: () => {
        this.operations.push({ deleteOne: { filter } });
      },
      delete: () => {
        this.operations.push({ deleteMany: { filter } });
      },
    };
    return builder;
  }

  execute(): Promise<BulkResult> {
    return this.collection.runBulk(this.operations, this.ordered);
  }
}

export interface WriteResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedId?: unknown;
  upsertedCount?: number;
}

export interface BulkResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  insertedIds: unknown[];
}

function addCounts(result: BulkResult, write: WriteResult): void {
  result.matchedCount += write.matchedCount;
  result.modifiedCount += write.modifiedCount;
  result.upsertedCount += write.upsertedCount ?? 0;
}

function encode(document: Document): Stored {
  const bytes = BSON.serialize(document);
  return { bytes, view: BSON.deserialize(bytes) };
}

function decode(bytes: Uint8Array, options?: DeserializeOptions): Document {
  return BSON.deserialize(bytes, options);
}

/**
 * Documents in change events keep their exact BSON types (Int32, Double, Long wrappers), so a
 * whole-number double stays a double on its way to Kinesis, as a lossless host must deliver it.
 */
function decodeExact(bytes: Uint8Array): Document {
  return BSON.deserialize(bytes, { promoteValues: false });
}

function checkStorable(document: Document): void {
  const id = document._id;
  if (Array.isArray(id) || id === undefined || id instanceof RegExp || nodeBson.bsonType(id) === "BSONRegExp") {
    throw new EmbeddedWriteError(2, "_id cannot be an array, a regular expression or undefined");
  }
  if (BSON.calculateObjectSize(document) > MAX_DOCUMENT_BYTES) {
    throw new EmbeddedWriteError(MongoErrorCode.BSONObjectTooLarge, "document is larger than the 16 MiB BSON limit");
  }
}

function duplicateKey(db: string, coll: string, id: unknown): EmbeddedWriteError {
  return new EmbeddedWriteError(
    MongoErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${db}.${coll} index: _id_ dup key: { _id: ${String(id)} }`,
  );
}

/** The values of an `{$in: [...]}` condition on _id whose values are all plain equality values. */
function idInList(condition: unknown): unknown[] | undefined {
  if (condition === null || typeof condition !== "object" || nodeBson.bsonType(condition) !== undefined)
    return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== "$in") return undefined;
  const list = (condition as { $in: unknown }).$in;
  if (
    !Array.isArray(list) ||
    !list.every(
      (value) => isEqualityValue(value) && !(value instanceof RegExp) && nodeBson.bsonType(value) !== "BSONRegExp",
    )
  )
    return undefined;
  return list;
}

function isEqualityValue(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (nodeBson.bsonType(value) !== undefined || value instanceof Date) return true;
  return !Object.keys(value).some((key) => key.charCodeAt(0) === 36);
}

/** The fields an upsert copies from its filter: top-level equalities, as MongoDB does. */
function equalityFields(filter: Document): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.charCodeAt(0) === 36 || key.includes(".")) continue;
    if (isEqualityValue(value)) out[key] = value;
    else if (value && typeof value === "object" && "$eq" in value) out[key] = (value as Document).$eq;
  }
  return out;
}

function runUpdate(document: Document, update: Document, inserting: boolean): string[] {
  const { $setOnInsert, ...rest } = update as Document & { $setOnInsert?: Document };
  const changed = Object.keys(rest).length > 0 ? applyUpdate(document, rest) : [];
  if (inserting && $setOnInsert) changed.push(...applyUpdate(document, { $set: $setOnInsert }));
  return changed;
}

/** Sets (or, for undefined, removes) the value at a dotted path, creating documents on the way. */
function writePath(document: Document, path: string, value: unknown): void {
  const parts = path.split(".");
  let node: Document = document;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (next === null || typeof next !== "object") {
      if (value === undefined) return;
      node[parts[i]] = {};
    }
    node = node[parts[i]] as Document;
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function readPath(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Document)[part];
  }
  return value;
}
