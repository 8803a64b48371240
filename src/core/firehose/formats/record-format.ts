import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import type { Refusal } from "../dead-letters/dead-letter-reasons";
import type { Closing } from "../../stream-format/reconcile-records";
import type { Namespace } from "../apply/routing";

/**
 * The contract every record format keeps (see record-formats.ts for the list and its order): given a
 * decoded record, say what it means, or that it is not in this format.
 */
export interface RecordFormat {
  /** How tests and the docs name the format. */
  readonly name: string;
  /** What the record means in this format, or undefined ("not mine") for the next format to try. */
  recognise(record: Document, bson: BsonPort): Recognition | undefined;
}

/** What a format makes of a record it claims. */
export type Recognition =
  /** A document to store as it is, replaced by _id (last record wins). */
  | { readonly kind: "document"; readonly document: Document }
  /** A change to mirror, applied only if newer than what the target holds. */
  | { readonly kind: "change"; readonly change: ChangeToApply }
  /** A change of the heartbeat collection: kept as its app's latest heartbeat, not mirrored (see record-formats.ts). */
  | { readonly kind: "heartbeat"; readonly change: ChangeToApply }
  /** A reconcile's closing record: what the sweep waits for (reconcile.ts), never stored as data. */
  | { readonly kind: "closing"; readonly closing: Closing }
  /** A record of this format that cannot be applied: dead-lettered with the refusal's code. */
  | { readonly kind: "refused"; readonly refusal: Refusal };

/** A change event reduced to what the mirror needs, whoever produced it. */
export interface ChangeToApply {
  /** The source namespace; undefined when the event has none (see targetWithoutNamespace in routing.ts). */
  readonly ns: Namespace | undefined;
  /** The same as "db.coll": what the heartbeat collection is told by, and what a mirrored document keeps (`_akb.ns`). */
  readonly source: string | undefined;
  readonly operationType: "insert" | "replace" | "update" | "read" | "delete";
  /** documentKey._id: the mirrored document's _id, and its key (see id-key.ts). */
  readonly id: unknown;
  readonly key: string;
  /** Sorts like the changes of one document; see changePosition. */
  readonly position: string;
  readonly fullDocument?: Document;
  /** Set only when well formed (updatedFields, removedFields) and needed: an update without fullDocument. */
  readonly updateDescription?: Document;
  /** Parts the producer left out to fit its record size limit. */
  readonly degraded: readonly string[];
  /** basicJson (Atlas Stream Processing): BSON types were already lost by the producer. */
  readonly basicJson: boolean;
}

export function refused(refusal: Refusal): Recognition {
  return { kind: "refused", refusal };
}
