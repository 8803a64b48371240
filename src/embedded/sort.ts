import { compareBson } from "../core/bson-order";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { MISSING, reach } from "./paths";
import { isDocument, isNumeric } from "./values";

/*
 * Sorts as MongoDB sorts (https://www.mongodb.com/docs/manual/reference/method/cursor.sort/ and the
 * comparison/sort order page): by the BSON order of each key; a field that is an array sorts by its
 * smallest element ascending and its largest descending; a missing field sorts as null, and an empty
 * array below null. Documents with equal keys keep their natural order.
 */

/** Below null and above MinKey: an empty array's sort key (MongoDB's "undefined"). */
const EMPTY_ARRAY: unique symbol = Symbol("empty array");

export interface SortKey {
  readonly parts: readonly string[];
  readonly direction: 1 | -1;
}

/** Reads a sort specification ({field: 1 | -1, ...}); undefined for an empty one. */
export function parseSort(spec: unknown): SortKey[] | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isDocument(spec)) throw new EmbeddedWriteError(MongoErrorCode.BadValue, "sort must be an object");
  const keys: SortKey[] = [];
  for (const field of Object.keys(spec)) {
    const value = spec[field];
    if (isDocument(value))
      throw new EmbeddedUnsupportedError(`the sort by ${JSON.stringify(value)} on "${field}" ($meta)`);
    const n = isNumeric(value) ? Number(String(value)) : NaN;
    if (n !== 1 && n !== -1)
      throw new EmbeddedWriteError(
        MongoErrorCode.BadValue,
        "$sort key ordering must be 1 (for ascending) or -1 (for descending)",
      );
    keys.push({ parts: field.split("."), direction: n });
  }
  return keys.length > 0 ? keys : undefined;
}

/** A document's key for one sort field: the smallest (ascending) or largest (descending) value it holds. */
function keyOf(document: Document, key: SortKey): unknown {
  let best: unknown = undefined;
  let found = false;
  const consider = (value: unknown) => {
    if (!found || (key.direction === 1 ? compareKeys(value, best) < 0 : compareKeys(value, best) > 0)) best = value;
    found = true;
  };
  for (const value of reach(document, key.parts)) {
    if (value === MISSING) consider(null);
    else if (Array.isArray(value)) {
      if (value.length === 0) consider(EMPTY_ARRAY);
      for (const item of value) consider(item);
    } else consider(value);
  }
  return found ? best : null;
}

function compareKeys(a: unknown, b: unknown): number {
  if (a === EMPTY_ARRAY || b === EMPTY_ARRAY) {
    if (a === b) return 0;
    const other = a === EMPTY_ARRAY ? b : a;
    // Only MinKey sorts below an empty array.
    const otherBelow = nodeBson.bsonType(other) === "MinKey";
    return (a === EMPTY_ARRAY) === otherBelow ? 1 : -1;
  }
  return compareBson(a, b, nodeBson);
}

/** Sorts items by the documents `view(item)` gives, stably. */
export function sortBy<T>(items: T[], keys: readonly SortKey[], view: (item: T) => Document): T[] {
  const keyed = items.map((item, index) => ({ item, index, keys: keys.map((key) => keyOf(view(item), key)) }));
  keyed.sort((x, y) => {
    for (let k = 0; k < keys.length; k++) {
      const c = compareKeys(x.keys[k], y.keys[k]);
      if (c !== 0) return keys[k].direction === 1 ? c : -c;
    }
    return x.index - y.index;
  });
  return keyed.map((entry) => entry.item);
}
