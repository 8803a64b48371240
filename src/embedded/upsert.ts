import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { EmbeddedWriteError } from "./errors";
import { slotToCreate, writeSlot } from "./update-paths";
import { isDocument } from "./values";

/*
 * The document an upsert starts from when nothing matches, as the manual's "upsert" behaviour
 * describes (https://www.mongodb.com/docs/manual/reference/method/db.collection.updateOne/#upsert):
 * an update with operators starts from the filter's equality conditions (`{a: 1}`, `{"b.c": 2}`,
 * `{d: {$eq: 3}}`, inside `$and`, a one-clause `$or`, a one-value `$in` or `$all`), then applies the
 * update; a replacement takes only the filter's `_id` equality. Two equalities on one path, or on a
 * path and a path inside it, cannot be seeded (NotSingleValueField).
 */

type Equalities = Map<string, unknown>;

function isOperatorDocument(value: unknown): value is Document {
  if (!isDocument(value)) return false;
  const first = Object.keys(value)[0];
  return first !== undefined && first.charCodeAt(0) === 36 && first !== "$ref";
}

function isRegex(value: unknown): boolean {
  return (
    value instanceof RegExp ||
    (value !== null && typeof value === "object" && (value as { _bsontype?: unknown })._bsontype === "BSONRegExp")
  );
}

/** The equality conditions of a filter, by path (MongoDB's canonical query keeps these as equalities). */
function collect(filter: Document, out: [string, unknown][]): void {
  for (const key of Object.keys(filter)) {
    const condition = filter[key] === undefined ? null : filter[key];
    if (key === "$and" && Array.isArray(condition)) {
      for (const clause of condition) if (isDocument(clause)) collect(clause, out);
    } else if (key === "$or" && Array.isArray(condition) && condition.length === 1 && isDocument(condition[0])) {
      collect(condition[0], out);
    } else if (key.charCodeAt(0) !== 36) {
      if (isRegex(condition)) continue;
      if (!isOperatorDocument(condition)) out.push([key, condition]);
      else collectOperators(key, condition, out);
    }
  }
}

function collectOperators(path: string, condition: Document, out: [string, unknown][]): void {
  for (const operator of Object.keys(condition)) {
    const operand = condition[operator];
    if (operator === "$eq" && !isRegex(operand)) out.push([path, operand]);
    else if ((operator === "$in" || operator === "$all") && Array.isArray(operand) && operand.length === 1) {
      const only = operand[0];
      if (!isRegex(only) && !(operator === "$all" && isDocument(only) && "$elemMatch" in only)) out.push([path, only]);
    }
  }
}

function checkConflicts(pairs: [string, unknown][]): Equalities {
  const equalities: Equalities = new Map();
  for (const [path, value] of pairs) {
    for (const seen of equalities.keys()) {
      if (seen === path)
        throw new EmbeddedWriteError(
          MongoErrorCode.NotSingleValueField,
          `cannot infer query fields to set, path '${path}' is matched twice`,
        );
      const [shorter, longer] = seen.length < path.length ? [seen, path] : [path, seen];
      if (longer.startsWith(shorter + "."))
        throw new EmbeddedWriteError(
          MongoErrorCode.NotSingleValueField,
          `cannot infer query fields to set, both paths '${longer}' and '${shorter}' are matched`,
        );
    }
    equalities.set(path, value);
  }
  return equalities;
}

function build(equalities: Equalities): Document {
  const document: Document = {};
  const paths = [...equalities.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const path of paths) writeSlot(slotToCreate(document, path.split(".")), equalities.get(path));
  return document;
}

/** The start of an operator update's upsert: the filter's equalities, as documents. */
export function seedFromFilter(filter: Document): Document {
  const pairs: [string, unknown][] = [];
  collect(filter, pairs);
  return build(checkConflicts(pairs));
}

/** The `_id` a replacement's upsert takes from its filter, or undefined. */
export function idFromFilter(filter: Document): { id: unknown } | undefined {
  const pairs: [string, unknown][] = [];
  collect(filter, pairs);
  const related = pairs.filter(([path]) => path === "_id" || path.startsWith("_id."));
  for (const [path] of related) {
    if (path !== "_id")
      throw new EmbeddedWriteError(
        MongoErrorCode.NotExactValueField,
        `field at '_id' must be exactly specified, field at sub-path '${path}'found`,
      );
  }
  const equalities = checkConflicts(related);
  return equalities.has("_id") ? { id: equalities.get("_id") } : undefined;
}
