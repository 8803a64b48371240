import { BSON, ObjectId } from "bson";
import type { Document, WriteOperation } from "../core/ports";
import { idFirst, MAX_DOCUMENT_BYTES, serialize } from "./documents";
import {
  EmbeddedInvalidArgumentError,
  EmbeddedUnsupportedError,
  EmbeddedWriteError,
  type BulkWriteCounts,
  type WriteErrorEntry,
} from "./errors";
import { checkOptions } from "./options";
import { compileFilter, type Matcher } from "./query";
import { parseSort, type SortKey } from "./sort";
import { parseUpdate, refusePipeline, type ParsedUpdate } from "./update";
import { isDocument } from "./values";

/*
 * Bulk writes as the driver runs them (its BulkOperationBase): every operation is checked before any
 * is sent (its kind, an update's operators, a replacement's lack of them, a document's size of 16 MiB
 * or more), and an unordered bulk write runs its inserts, then its updates and replacements, then its
 * deletes, as the driver batches them. A server-side error of one operation is a write error at its
 * index; an ordered bulk write stops there, an unordered one goes on.
 */

export type PreparedKind = "insert" | "update" | "replace" | "delete";

/** One operation, checked and compiled; `error` is what the server would answer when it runs. */
export interface Prepared {
  readonly index: number;
  readonly kind: PreparedKind;
  readonly document?: Document;
  readonly filter?: Document;
  readonly matcher?: Matcher;
  readonly update?: ParsedUpdate;
  readonly replacement?: Document;
  /** The insert's document (`_id` first) or the replacement, serialized once for the size check and the write. */
  readonly bytes?: Uint8Array;
  readonly upsert: boolean;
  readonly many: boolean;
  readonly sort?: SortKey[];
  readonly error?: EmbeddedWriteError;
}

const UPDATE_KEYS = ["filter", "update", "upsert", "sort"];
const REPLACE_KEYS = ["filter", "replacement", "upsert", "sort"];
const DELETE_KEYS = ["filter"];

/** Checks one bulk operation as the driver does and compiles it; throws for what nothing may be sent with. */
export function prepareOperation(operation: WriteOperation, index: number): Prepared {
  if (!isDocument(operation))
    throw new EmbeddedInvalidArgumentError("Operation must be an object with an operation key");
  const kind = Object.keys(operation)[0];
  const body = (operation as Record<string, Document>)[kind];
  switch (kind) {
    case "insertOne": {
      const document = body && body.document;
      if (!isDocument(document)) throw new EmbeddedInvalidArgumentError("insertOne needs a document");
      return prepareInsert(document, index);
    }
    case "updateOne":
    case "updateMany":
      checkOptions(
        `bulkWrite's ${kind}`,
        body,
        kind === "updateOne" ? UPDATE_KEYS : UPDATE_KEYS.filter((k) => k !== "sort"),
      );
      return prepareUpdate(
        body.filter as Document,
        body.update,
        { upsert: body.upsert, sort: body.sort, bulk: true },
        index,
        kind === "updateMany",
      );
    case "replaceOne":
      checkOptions(`bulkWrite's ${kind}`, body, REPLACE_KEYS);
      return prepareReplace(
        body.filter as Document,
        body.replacement as Document,
        { upsert: body.upsert, sort: body.sort, bulk: true },
        index,
      );
    case "deleteOne":
    case "deleteMany":
      checkOptions(`bulkWrite's ${kind}`, body, DELETE_KEYS);
      return prepareDelete(body.filter as Document, index, kind === "deleteMany");
    default:
      throw new EmbeddedInvalidArgumentError(
        "bulkWrite only supports insertOne, updateOne, updateMany, deleteOne, deleteMany",
      );
  }
}

/** The driver gives a document without an `_id` (or with a null one) a new ObjectId, in the caller's object. */
export function withDriverId(document: Document): Document {
  if (document._id === undefined || document._id === null) document._id = new ObjectId();
  return document;
}

export function prepareInsert(document: Document, index: number): Prepared {
  withDriverId(document);
  const stored = idFirst(document);
  const bytes = serialize(stored);
  // A bulk write's documents are checked by the driver, before anything is sent.
  if (bytes.length >= MAX_DOCUMENT_BYTES) throw tooLarge();
  return { index, kind: "insert", document: stored, upsert: false, many: false, bytes };
}

function tooLarge(): EmbeddedInvalidArgumentError {
  return new EmbeddedInvalidArgumentError(`Document is larger than the maximum size ${MAX_DOCUMENT_BYTES}`);
}

/**
 * The driver's check of a bulk write's update statement ({q, u, upsert, multi}) whose `u` has `size`
 * bytes; a single update is sent as it is (the server then refuses a result over 16 MiB).
 */
function checkStatementSize(filter: Document, upsert: boolean, many: boolean, size: number | undefined): void {
  if (size === undefined) return;
  // Most filters are a few fields: bound their size cheaply before measuring it exactly.
  if (size + sizeBound(filter, MAX_DOCUMENT_BYTES) + 64 < MAX_DOCUMENT_BYTES) return;
  const rest = BSON.calculateObjectSize({ q: filter, u: {}, upsert, multi: many }, { ignoreUndefined: false });
  if (rest - 5 + size >= MAX_DOCUMENT_BYTES) throw tooLarge();
}

/**
 * An upper bound of a value's BSON size, or more than `budget` once it exceeds it: strings at 3 bytes
 * per UTF-16 unit, names likewise, every other scalar at 16 bytes (a Decimal128, the largest), and
 * what it cannot bound cheaply (binary, code) measured.
 */
function sizeBound(value: unknown, budget: number): number {
  if (typeof value === "string") return 5 + 3 * value.length;
  if (value === null || typeof value !== "object" || value instanceof Date) return 16;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  const measured =
    tag === "DBRef" || tag === "Binary" || tag === "Code" || tag === "BSONRegExp" || tag === "BSONSymbol";
  if (tag !== undefined && !measured) return 16;
  if (tag !== undefined || value instanceof RegExp || value instanceof Uint8Array)
    return BSON.calculateObjectSize({ v: value }, { ignoreUndefined: false });
  let total = 5;
  if (Array.isArray(value)) {
    for (const item of value) {
      total += 12 + sizeBound(item, budget);
      if (total > budget) return total;
    }
    return total;
  }
  for (const key in value as Document) {
    total += 2 + 3 * key.length + sizeBound((value as Document)[key], budget);
    if (total > budget) return total;
  }
  return total;
}

/** Runs `compile`; a server-side refusal becomes the operation's write error, an unsupported feature stops everything. */
function compiled<T>(compile: () => T): { value?: T; error?: EmbeddedWriteError } {
  try {
    return { value: compile() };
  } catch (error) {
    if (error instanceof EmbeddedWriteError) return { error };
    throw error;
  }
}

export function prepareUpdate(
  filter: Document,
  update: unknown,
  options: { upsert?: unknown; sort?: unknown; bulk?: boolean },
  index: number,
  many: boolean,
): Prepared {
  refusePipeline(update);
  if (!isDocument(update) || Object.keys(update).length === 0 || Object.keys(update)[0].charCodeAt(0) !== 36)
    throw new EmbeddedInvalidArgumentError("Update document requires atomic operators");
  if (options.bulk)
    checkStatementSize(
      filter,
      options.upsert === true,
      many,
      BSON.calculateObjectSize(update, { ignoreUndefined: false }),
    );
  const matcher = compiled(() => compileFilter(filter));
  const parsed = compiled(() => parseUpdate(update));
  const sort = compiled(() => parseSort(options.sort));
  return {
    index,
    kind: "update",
    filter,
    matcher: matcher.value,
    update: parsed.value,
    upsert: options.upsert === true,
    many,
    sort: sort.value,
    error: matcher.error || parsed.error || sort.error,
  };
}

export function prepareReplace(
  filter: Document,
  replacement: Document,
  options: { upsert?: unknown; sort?: unknown; bulk?: boolean },
  index: number,
): Prepared {
  if (Array.isArray(replacement)) throw new EmbeddedUnsupportedError("a replacement given as an aggregation pipeline");
  if (!isDocument(replacement)) throw new EmbeddedInvalidArgumentError("replacement must be a document");
  const first = Object.keys(replacement)[0];
  if (first !== undefined && first.charCodeAt(0) === 36)
    throw new EmbeddedInvalidArgumentError("Replacement document must not contain atomic operators");
  const bytes = serialize(replacement);
  if (options.bulk) checkStatementSize(filter, options.upsert === true, false, bytes.length);
  const matcher = compiled(() => compileFilter(filter));
  const sort = compiled(() => parseSort(options.sort));
  return {
    index,
    kind: "replace",
    filter,
    matcher: matcher.value,
    replacement,
    bytes,
    upsert: options.upsert === true,
    many: false,
    sort: sort.value,
    error: matcher.error || sort.error,
  };
}

export function prepareDelete(filter: Document, index: number, many: boolean): Prepared {
  const matcher = compiled(() => compileFilter(filter));
  return { index, kind: "delete", filter, matcher: matcher.value, upsert: false, many, error: matcher.error };
}

/** The order a bulk write runs its operations in: as given (ordered), or inserts, updates, deletes (unordered). */
export function executionOrder(prepared: Prepared[], ordered: boolean): Prepared[] {
  if (ordered) return prepared;
  const rank = (p: Prepared) => (p.kind === "insert" ? 0 : p.kind === "delete" ? 2 : 1);
  return [0, 1, 2].flatMap((r) => prepared.filter((p) => rank(p) === r));
}

export function emptyCounts(): BulkWriteCounts {
  return {
    insertedCount: 0,
    matchedCount: 0,
    modifiedCount: 0,
    deletedCount: 0,
    upsertedCount: 0,
    insertedIds: {},
    upsertedIds: {},
  };
}

/**
 * The driver's `insertedIds` after write errors: every insert's id when none failed; for an ordered
 * bulk write the first inserts up to the first error's index (counted among inserts, as the driver
 * slices), for an unordered one all but the failed.
 */
export function insertedIdsAfter(
  prepared: Prepared[],
  errors: WriteErrorEntry[],
  ordered: boolean,
): Record<number, unknown> {
  let inserts = prepared.filter((p) => p.kind === "insert");
  if (errors.length > 0) {
    if (ordered) inserts = inserts.slice(0, errors[0].index);
    else inserts = inserts.filter((p) => !errors.some((error) => error.index === p.index));
  }
  const out: Record<number, unknown> = {};
  for (const p of inserts) out[p.index] = (p.document as Document)._id;
  return out;
}

/** App Services' bulk builder: `find(filter).upsert().updateOne(update)` / `replaceOne`, `insert`. */
export class EmbeddedBulkOp {
  private readonly operations: WriteOperation[] = [];
  constructor(
    private readonly run: (operations: WriteOperation[], ordered: boolean) => Promise<BulkWriteCounts>,
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

  execute(): Promise<BulkWriteCounts> {
    return this.run(this.operations, this.ordered);
  }
}
