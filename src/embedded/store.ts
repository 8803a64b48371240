import { EventEmitter } from "events";
import { Timestamp } from "bson";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { DataSourcePort, Document } from "../core/ports";
import { EmbeddedCollection } from "./collection";

export { EmbeddedCollection } from "./collection";
export { EmbeddedCursor, type FindOptions } from "./cursor";
export { EmbeddedBulkOp } from "./bulk";
export type { BulkResult, UpdateResult } from "./collection";
export {
  EmbeddedBulkWriteError,
  EmbeddedInvalidArgumentError,
  EmbeddedUnsupportedError,
  EmbeddedWriteError,
} from "./errors";

/**
 * An in-process MongoDB stand-in for local runs and tests, since no MongoDB server can be installed
 * here. It implements the driver's collection API (and App Services' names where they differ) with
 * MongoDB's documented behaviour: the BSON comparison order (core/bson-order.ts) for `_id`, queries,
 * sorts and `$min`/`$max`; query and update operators of its own (query.ts, update.ts); upserts,
 * duplicate keys, the immutable `_id`, size and nesting limits, and bulk write errors as the driver
 * reports them. What it does not implement it refuses by name (docs/embedded-store.md). Documents are
 * stored as BSON bytes, so what comes back has the types that went in (read with `promoteValues:
 * false` to see Int32/Double/Long wrappers, as with the driver).
 */
export class EmbeddedStore implements DataSourcePort {
  private readonly databases = new Map<string, EmbeddedDatabase>();
  private readonly feed = new EventEmitter();
  private sequence = 0;
  private readonly changeLog: ChangeEvent[] = [];
  /** A human-readable name for logs ("embedded store (in memory)"). */
  readonly description: string;

  constructor(description = "embedded in-memory store; data is lost when the process exits") {
    this.description = description;
    this.feed.setMaxListeners(100);
  }

  databaseNames(): string[] {
    return [...this.databases.keys()];
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

  /**
   * The cluster's time now, as `$$CLUSTER_TIME` gives it: the current second and the sequence of the
   * latest change, so it is at least the cluster time of every change emitted so far (theirs are
   * at most this second, with a sequence at most this one) and below every later change's.
   */
  clusterTime(): Timestamp {
    return new Timestamp({ t: Math.floor(Date.now() / 1000), i: this.sequence });
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
