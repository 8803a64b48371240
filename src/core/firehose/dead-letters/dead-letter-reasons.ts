import type { Failure } from "../../errors";

/**
 * Why a record was dead-lettered. Every dead letter carries one of these codes as `reasonCode`
 * beside its human `reason`; code (and operators' queries) branch on the code, never on the text.
 * The table in docs/webhook.md#dead-letters lists the same codes with what to do about each.
 */
export const DEAD_LETTER_REASONS = {
  no_data: "record has no base64 string in data",
  not_base64: "data is not valid base64",
  not_utf8: "data is not valid UTF-8",
  not_json: "data is not valid JSON",
  not_extended_json: "data is not valid Extended JSON",
  invalid_field_name: "a field name holds a NUL or an unpaired surrogate, or is _bsontype",
  invalid_string: "a string holds an unpaired UTF-16 surrogate, which UTF-8 (BSON) cannot hold",
  not_object: "data is not a JSON object",
  top_level_operator: "a top-level field starts with $",
  invalid_id: "_id cannot be an array, a regular expression or undefined",
  position_field_reserved: "the record brings _akb, the field the webhook keeps its position in",
  document_too_large: "the document is larger than MongoDB's 16 MiB BSON limit",
  document_too_deep: "the document nests deeper than MongoDB's 100 levels",
  change_no_operation: "the record has the marks of a change event but no operationType name",
  change_invalid_namespace: "the change event's ns is not {db, coll} with two non-empty strings",
  change_no_namespace: "the change event has no ns, and the namespace map or template needs one",
  change_invalid_resume_token: 'the change event\'s resume token is not {_data: "<hex>"}',
  change_no_document_key: "the change event has no valid documentKey._id",
  change_no_position: "the change event has no clusterTime (or, for a snapshot read, no wallTime)",
  change_invalid_document: "the change event's fullDocument is neither a document nor null",
  change_document_key_mismatch: "the change event's fullDocument._id is missing or differs from documentKey._id",
  change_invalid_update: "the update event's updateDescription is malformed (updatedFields, removedFields) or empty",
  change_unknown_operation: "the change event's operationType is not one this receiver knows",
  change_namespace_event: "drop, rename and other collection-level events are not applied to a mirror",
  change_no_document: "an insert, replace or read event without its fullDocument",
  change_document_dropped_for_size: "the producer dropped the document to fit the record size limit",
  change_update_target_missing: "an update without fullDocument for a document the target does not hold",
  heartbeat_no_document: "a heartbeat change event without its document",
  target_captured: "the event's target collection is captured, so writing it would loop",
  target_invalid: "the event's target namespace is not a valid database or collection name",
  database_refused: "the database refused the document for good (a code in mongo-error-codes.ts)",
  not_encodable: "the BSON encoder refused the document",
  record_failed: "processing the record failed unexpectedly (a defect of the webhook); replay it once fixed",
  reconcile_invalid: "a reconcile's closing record is malformed, or names a collection that is not mirrored",
} as const;

export type DeadLetterReasonCode = keyof typeof DEAD_LETTER_REASONS;

/**
 * One refused record, in the error vocabulary (src/core/errors.ts): kind "refused", one of the codes
 * above, and the human sentence (which may add detail to the code's). Its dead letter (dead-letters.ts)
 * stores the code as `reasonCode` and the sentence as `reason`.
 */
export interface Refusal extends Failure {
  readonly kind: "refused";
  readonly code: DeadLetterReasonCode;
}

export function refusal(code: DeadLetterReasonCode, message: string = DEAD_LETTER_REASONS[code]): Refusal {
  return { kind: "refused", code, message };
}

export function isRefusal(value: object): value is Refusal {
  return (value as { kind?: unknown }).kind === "refused";
}
