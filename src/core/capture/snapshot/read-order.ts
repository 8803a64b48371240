import type { BsonPort } from "../../bson-port";
import { compareIds, ID_TYPE_ORDER, idTypeIndex, isNaNId } from "../../id-order";
import type { Document } from "../../ports";

/*
 * How a snapshot reads every document of a collection (or of one planned range) in `_id` order,
 * whatever the mix of `_id` types. `{_id: {$gt: lastId}}` matches only `lastId`'s own type group
 * (MongoDB brackets comparisons by type), so a read that only ever asks `$gt` stops at the end of
 * the first type: a collection with numbers, strings and ObjectIds as `_id`s would be read up to its
 * last number and no further. So the read goes group by group in MongoDB's order of types
 * (ID_TYPE_ORDER): `$gt` within the group of the last `_id`, and once that group is exhausted, one
 * query selects every later group with `$type`, sorted by `_id` (its chunk may span several groups;
 * the next `$gt` continues in the group of its last `_id`). NaN sorts first among numbers and
 * `$gt: NaN` matches nothing, so after a NaN the read continues with `$gte: -Infinity`. A group that
 * holds one value at most (null, MinKey, MaxKey) is done once read. Chunks come back sorted and
 * limited, so a chunk shorter than the limit ends what its query could see.
 *
 * A planned range (parallel-snapshot.ts) lies within one simple type; its first range has no lower
 * bound, and its first query selects the type with `$type` (the only way to see a NaN), cut at the
 * range's end here, since `$lt` would leave the NaN out.
 */

/** Where a read stands: after `lastId`, or, when `next` is set, at the start of type group `next`. */
export interface ReadPoint {
  readonly lastId?: unknown;
  /** Index into ID_TYPE_ORDER of the next group to read from its start; null or absent: continue after lastId. */
  readonly next?: number | null;
}

/** A planned range's bounds: `lo` inclusive, `hi` exclusive; neither for the whole collection. */
export interface IdBounds {
  readonly lo?: unknown;
  readonly hi?: unknown;
}

/** One chunk's query: its filter, and whether it continues after lastId (else it starts type groups). */
export interface ChunkQuery {
  readonly filter: Document;
  readonly continues: boolean;
}

/** The next chunk's query, or undefined when nothing is left to read. */
export function nextChunkQuery(bounds: IdBounds, point: ReadPoint, bson: BsonPort): ChunkQuery | undefined {
  const bounded = bounds.lo !== undefined || bounds.hi !== undefined;
  const lastId = point.lastId;
  if (bounded) {
    const hi = bounds.hi !== undefined ? { $lt: bounds.hi } : {};
    if (lastId === undefined) {
      if (bounds.lo !== undefined) return { filter: { _id: { $gte: bounds.lo, ...hi } }, continues: true };
      const group = idTypeIndex(bounds.hi, bson) as number;
      return { filter: { _id: { $type: typesFrom(group, group + 1) } }, continues: false };
    }
    if (isNaNId(lastId, bson)) return { filter: { _id: { $gte: -Infinity, ...hi } }, continues: true };
    return { filter: { _id: { $gt: lastId, ...hi } }, continues: true };
  }
  let next = point.next === null ? undefined : point.next;
  if (next === undefined && lastId !== undefined) {
    const group = groupOf(lastId, bson);
    if (ID_TYPE_ORDER[group].single) next = group + 1;
    else if (isNaNId(lastId, bson)) return { filter: { _id: { $gte: -Infinity } }, continues: true };
    else return { filter: { _id: { $gt: lastId } }, continues: true };
  }
  if (next === undefined || next === 0) return { filter: {}, continues: false };
  if (next >= ID_TYPE_ORDER.length) return undefined;
  return { filter: { _id: { $type: typesFrom(next, ID_TYPE_ORDER.length) } }, continues: false };
}

/**
 * What a chunk's query returned, read: the documents that belong to the range (in order), where the
 * read stands after them, and whether the range is done.
 */
export function afterChunk(
  bounds: IdBounds,
  point: ReadPoint,
  query: ChunkQuery,
  found: Document[],
  limit: number,
  bson: BsonPort,
): { documents: Document[]; point: ReadPoint; done: boolean } {
  let documents = found;
  let cut = false;
  if (!query.continues && bounds.hi !== undefined) {
    // A bounded range's first chunk selects its whole type: keep what lies below the range's end.
    let end = 0;
    while (end < found.length && compareIds(found[end]._id, bounds.hi, bson) < 0) end++;
    cut = end < found.length;
    documents = found.slice(0, end);
  }
  const short = found.length < limit;
  if (documents.length === 0) {
    if (bounds.lo !== undefined || bounds.hi !== undefined || !query.continues) return { documents, point, done: true };
    // The group of lastId is exhausted: the next query starts the groups after it.
    const next = groupOf(point.lastId, bson) + 1;
    return { documents, point: { lastId: point.lastId, next }, done: next >= ID_TYPE_ORDER.length };
  }
  const lastId = documents[documents.length - 1]._id;
  if (bounds.lo !== undefined || bounds.hi !== undefined)
    return { documents, point: { lastId, next: null }, done: cut || short };
  if (!short) return { documents, point: { lastId, next: null }, done: false };
  // A short chunk: a type-group query has returned everything after it; a `$gt` query, its group's rest.
  if (!query.continues) return { documents, point: { lastId, next: null }, done: true };
  const next = groupOf(lastId, bson) + 1;
  return { documents, point: { lastId, next }, done: next >= ID_TYPE_ORDER.length };
}

function groupOf(id: unknown, bson: BsonPort): number {
  const group = idTypeIndex(id, bson);
  if (group === undefined) throw new Error(`a document's _id has a type no _id can have (${typeof id})`);
  return group;
}

function typesFrom(first: number, end: number): string[] {
  const types: string[] = [];
  for (let k = first; k < end; k++) types.push(...ID_TYPE_ORDER[k].types);
  return types;
}
