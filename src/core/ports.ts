/**
 * The small interfaces the cores depend on. Each host (App Services, Node server, Lambda, local
 * runtime, tests) supplies its own implementation; the cores never import a driver or SDK.
 */

/** Structured logging: one JSON object per line. Never pass secrets or record contents. */
export interface Logger {
  info(event: Record<string, unknown>): void;
  warn(event: Record<string, unknown>): void;
  error(event: Record<string, unknown>): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export type Document = Record<string, unknown>;

/** The write operations both the driver's and App Services' `bulkWrite` accept. */
export type WriteOperation =
  | { insertOne: { document: Document } }
  | { replaceOne: { filter: Document; replacement: Document; upsert?: boolean } }
  | { updateOne: { filter: Document; update: Document; upsert?: boolean } }
  | { updateMany: { filter: Document; update: Document; upsert?: boolean } }
  | { deleteOne: { filter: Document } }
  | { deleteMany: { filter: Document } };

export interface FindCursor<T = Document> {
  sort(spec: { [field: string]: 1 | -1 }): FindCursor<T>;
  limit(count: number): FindCursor<T>;
  toArray(): Promise<T[]>;
}

/**
 * The part of a MongoDB collection the cores use. The official driver's `Collection`, App Services'
 * `mongodb-atlas` collection and the embedded store all satisfy it.
 */
export interface CollectionPort {
  bulkWrite(operations: WriteOperation[], options: { ordered: boolean }): Promise<unknown>;
  /** Called with a filter only: App Services reads a second argument as a projection, the driver as options. */
  findOne(filter: Document, options?: Record<string, unknown>): Promise<Document | null>;
  find(filter: Document, options?: Record<string, unknown>): FindCursor;
  updateOne(filter: Document, update: Document, options?: { upsert?: boolean }): Promise<unknown>;
  deleteMany(filter: Document): Promise<unknown>;
  /** All three hosts have it; snapshots use it for `$sample` (split points of parallel backfills). */
  aggregate?(pipeline: Document[]): { toArray(): Promise<Document[]> };
  /** App Services and the embedded store have both; the driver only countDocuments. */
  count?(filter?: Document): Promise<number>;
  countDocuments?(filter?: Document): Promise<number>;
}

/** The number of matching documents, whichever counting method the host's collection has. */
export function countMatching(collection: CollectionPort, filter: Document = {}): Promise<number> {
  if (typeof collection.countDocuments === "function") return collection.countDocuments(filter);
  if (typeof collection.count === "function") return collection.count(filter);
  return collection
    .find(filter)
    .toArray()
    .then((documents) => documents.length);
}

/** `matchedCount` from an update result of the driver, App Services or the embedded store. */
export function matchedCount(result: unknown): number {
  const count = result && (result as { matchedCount?: unknown }).matchedCount;
  return typeof count === "number" ? count : 0;
}

export interface DatabasePort {
  collection(name: string): CollectionPort;
}

/** `context.services.get("mongodb-atlas")`, a `MongoClient`, or the embedded store. */
export interface DataSourcePort {
  db(name: string): DatabasePort;
}

/** Reads a configuration value by name (App Services values, environment variables, ...). */
export type ValueReader = (name: string) => unknown;

export const consoleLogger: Logger = {
  info: (event) => console.log(JSON.stringify({ level: "info", ...event })),
  warn: (event) => console.warn(JSON.stringify({ level: "warn", ...event })),
  error: (event) => console.error(JSON.stringify({ level: "error", ...event })),
};

export const systemClock: Clock = { now: () => Date.now() };
