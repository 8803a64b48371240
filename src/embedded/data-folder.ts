import { EJSON } from "bson";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EmbeddedStore } from "./store";

/**
 * The embedded store kept in a folder, so that separate commands can share it: `npm start -- --data
 * <dir>` and `npm run serve -- --data <dir>` write it, `npm run status -- --data <dir>` reads it and
 * `npm run replay-firehose-backup -- --data <dir>` writes into it. The folder has mongodump's layout
 * (`<database>/<collection>.bson`: the documents as BSON, one after the other; beside it
 * `<collection>.metadata.json` with the TTL indexes in canonical Extended JSON), so a plain (not
 * gzip, not archive) mongodump folder can be read too.
 *
 * A writer takes the folder's lock (one writer at a time; a lock left by a process that is gone is
 * taken over) and saves the collections that changed every `saveEveryMs` and when it closes, each
 * file written aside and renamed into place, so a reader sees whole files. A crash loses at most the
 * last interval's changes. Readers take no lock: they read the last save.
 */

export const DATA_FOLDER_MARKER = "akb-store.json";
const LOCK_FILE = "akb-store.lock";

export interface DataFolder {
  readonly store: EmbeddedStore;
  readonly path: string;
  /** Writes what changed since the last save (writers only). */
  save(): void;
  /** Saves (writers) and releases the lock. */
  close(): Promise<void>;
}

/** The folder cannot be used; the message names it and says why. */
export class DataFolderError extends Error {}

/** Opens a data folder to read: it must exist and hold a saved store (or a mongodump folder). */
export function openDataFolderToRead(path: string): DataFolder {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new DataFolderError(`data folder ${path} does not exist`);
  if (!statSync(dir).isDirectory()) throw new DataFolderError(`data folder ${path} is not a folder`);
  if (!existsSync(join(dir, DATA_FOLDER_MARKER)) && collectionFiles(dir).length === 0)
    throw new DataFolderError(
      `${path} holds no saved store (no ${DATA_FOLDER_MARKER} and no <database>/<collection>.bson files)`,
    );
  const store = new EmbeddedStore(`embedded store read from ${path}`);
  load(store, dir);
  return { store, path: dir, save: () => undefined, close: async () => undefined };
}

/**
 * Opens a data folder to write: creates it if needed (it must be empty or a data folder already),
 * takes its lock, loads what it holds and saves changes from then on.
 */
export function openDataFolderToWrite(
  path: string,
  options: { command: string; saveEveryMs?: number } = { command: "a command" },
): DataFolder {
  const dir = resolve(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new DataFolderError(`data folder ${path} is not a folder`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, DATA_FOLDER_MARKER)) && readdirSync(dir).length > 0)
    throw new DataFolderError(
      `${path} is not empty and is not a data folder (no ${DATA_FOLDER_MARKER}); give a new or empty folder, or one written by --data before`,
    );
  takeLock(dir, path, options.command);
  let store: EmbeddedStore;
  try {
    store = new EmbeddedStore(`embedded store saved in ${path} (every ${(options.saveEveryMs ?? 1000) / 1000} s)`);
    load(store, dir);
    writeWhole(
      join(dir, DATA_FOLDER_MARKER),
      `${JSON.stringify({ format: "atlas-kinesis-bridge embedded store", version: 1 })}\n`,
    );
  } catch (error) {
    releaseLock(dir);
    throw error;
  }
  const dirty = new Set<string>();
  const stopWatching = store.watch((event) => dirty.add(`${event.ns.db}\u0000${event.ns.coll}`));
  const written = new Map<string, string>();
  const save = () => {
    for (const db of store.databaseNames()) {
      const database = store.db(db);
      for (const coll of database.collectionNames()) {
        const collection = database.collection(coll);
        const metadata = `${EJSON.stringify(metadataOf(coll, collection.ttlIndexes()), { relaxed: false })}\n`;
        const metadataPath = join(dir, db, `${coll}.metadata.json`);
        const key = `${db}\u0000${coll}`;
        if (!dirty.has(key) && written.get(metadataPath) === metadata && existsSync(join(dir, db, `${coll}.bson`)))
          continue;
        mkdirSync(join(dir, db), { recursive: true });
        writeWhole(join(dir, db, `${coll}.bson`), Buffer.concat(collection.storedBytes()));
        writeWhole(metadataPath, metadata);
        written.set(metadataPath, metadata);
        dirty.delete(key);
      }
    }
  };
  const timer = setInterval(save, options.saveEveryMs ?? 1000);
  timer.unref();
  let closed = false;
  return {
    store,
    path: dir,
    save,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      stopWatching();
      try {
        save();
      } finally {
        releaseLock(dir);
      }
    },
  };
}

/** mongodump's metadata: the _id index and the TTL indexes (the only ones that act here). */
function metadataOf(collectionName: string, ttl: [string, number][]) {
  return {
    indexes: [
      { v: 2, key: { _id: 1 }, name: "_id_" },
      ...ttl.map(([field, seconds]) => ({
        v: 2,
        key: { [field]: 1 },
        name: `${field}_1`,
        expireAfterSeconds: seconds,
      })),
    ],
    collectionName,
    type: "collection",
  };
}

function collectionFiles(dir: string): { db: string; coll: string; file: string }[] {
  const out: { db: string; coll: string; file: string }[] = [];
  for (const db of readdirSync(dir).sort()) {
    const dbDir = join(dir, db);
    if (!statSync(dbDir).isDirectory()) continue;
    for (const file of readdirSync(dbDir).sort())
      if (file.endsWith(".bson")) out.push({ db, coll: file.slice(0, -".bson".length), file: join(dbDir, file) });
  }
  return out;
}

function load(store: EmbeddedStore, dir: string): void {
  for (const { db, coll, file } of collectionFiles(dir)) {
    const collection = store.db(db).collection(coll);
    const bytes = readFileSync(file);
    let offset = 0;
    while (offset < bytes.length) {
      const size = offset + 4 <= bytes.length ? bytes.readInt32LE(offset) : -1;
      if (size < 5 || offset + size > bytes.length || bytes[offset + size - 1] !== 0)
        throw new DataFolderError(`${file}: not a BSON document at byte ${offset}; the file is damaged`);
      try {
        collection.restoreStored(new Uint8Array(bytes.subarray(offset, offset + size)));
      } catch (error) {
        throw new DataFolderError(`${file}: document at byte ${offset}: ${(error as Error).message}`);
      }
      offset += size;
    }
    const metadataPath = join(dir, db, `${coll}.metadata.json`);
    if (!existsSync(metadataPath)) continue;
    let metadata: { indexes?: { key?: Record<string, unknown>; expireAfterSeconds?: unknown }[] };
    try {
      metadata = EJSON.parse(readFileSync(metadataPath, "utf8"), { relaxed: true }) as typeof metadata;
    } catch (error) {
      throw new DataFolderError(`${metadataPath}: ${(error as Error).message}`);
    }
    for (const index of metadata.indexes ?? [])
      if (typeof index.expireAfterSeconds === "number" && index.key)
        void collection.createIndex(index.key, { expireAfterSeconds: index.expireAfterSeconds });
  }
}

/** Written aside and renamed into place, so a reader never sees half a file. */
function writeWhole(path: string, content: string | Uint8Array): void {
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, content);
  renameSync(aside, path);
}

function takeLock(dir: string, path: string, command: string): void {
  const lock = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, mine, { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: { pid?: number; command?: string; since?: string } = {};
    try {
      holder = JSON.parse(readFileSync(lock, "utf8")) as typeof holder;
    } catch {
      // unreadable: treated as left behind
    }
    if (typeof holder.pid === "number" && isAlive(holder.pid))
      throw new DataFolderError(
        `data folder ${path} is in use by ${holder.command ?? "another command"} (pid ${holder.pid}, since ${holder.since ?? "?"}); stop it first, or give another folder`,
      );
    rmSync(lock, { force: true }); // left by a process that is gone
  }
  throw new DataFolderError(`data folder ${path}: could not take its lock (${lock})`);
}

function releaseLock(dir: string): void {
  const lock = join(dir, LOCK_FILE);
  try {
    const holder = JSON.parse(readFileSync(lock, "utf8")) as { pid?: number };
    if (holder.pid === process.pid) rmSync(lock, { force: true });
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
