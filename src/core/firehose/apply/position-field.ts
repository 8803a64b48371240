import type { Document } from "../../ports";

/**
 * The reserved top-level field the webhook keeps in every document it writes from a change event:
 * `_akb: { pos: "<position>", ns: "<source>" }` (docs/design.md#position). The position orders
 * changes of one document; storing it in the document makes "apply only if newer" one conditional
 * write. The same name on a record on the stream is the producer's field (`PRODUCER_EXTRAS_FIELD`,
 * stream-format/record-field.ts), another thing: this one belongs to the mirror alone.
 */
export const POSITION_FIELD = "_akb";

/** The path of a document's position, as filters and updates name it. */
export const POSITION_PATH = `${POSITION_FIELD}.pos`;

// One per process: every guard shares it (filters are only read, never changed).
const NO_POSITION: Document = Object.freeze({ [POSITION_PATH]: Object.freeze({ $exists: false }) });

/** Matches the document `id` if it has no position yet, or an older one than `position`. */
export function olderThan(id: unknown, position: string): Document {
  const older: Document = {};
  older[POSITION_PATH] = { $lt: position };
  return { _id: id, $or: [NO_POSITION, older] };
}
