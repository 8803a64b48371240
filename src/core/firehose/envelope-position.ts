import type { Document } from "../ports";

/**
 * The reserved top-level field the webhook keeps in every document it writes from a change event:
 * `_akb: { pos: "<position>" }` (see change-event.ts). The position orders changes of one document;
 * storing it in the document makes "apply only if newer" one conditional write.
 */
export const POSITION_FIELD = "_akb";

/** Matches the document `id` if it has no position yet, or an older one than `position`. */
export function olderThan(id: unknown, position: string): Document {
  return {
    _id: id,
    $or: [{ [`${POSITION_FIELD}.pos`]: { $exists: false } }, { [`${POSITION_FIELD}.pos`]: { $lt: position } }],
  };
}
