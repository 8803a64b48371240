/**
 * Why a record was dead-lettered. Every dead letter carries one of these codes as `reasonCode`
 * beside its human `reason`; code (and operators' queries) branch on the code, never on the text.
 * The README's "Dead letters" table lists the same codes with what to do about each.
 */
export const DEAD_LETTER_REASONS = {
  no_data: "record has no base64 string in data",
  not_base64: "data is not valid base64",
  not_utf8: "data is not valid UTF-8",
  not_json: "data is not valid JSON",
  not_extended_json: "data is not valid Extended JSON",
  invalid_field_name: "a field name holds a NUL character",
  not_object: "data is not a JSON object",
  top_level_operator: "a top-level field starts with $",
  invalid_id: "_id cannot be an array, a regular expression or undefined",
  change_no_namespace: "the change event has no ns.db / ns.coll",
  change_no_document_key: "the change event has no documentKey._id",
  change_no_position: "the change event has no clusterTime (or, for a snapshot read, no wallTime)",
  change_unknown_operation: "the change event's operationType is not one this receiver knows",
  change_namespace_event: "drop, rename and other collection-level events are not applied to a mirror",
  change_no_document: "an insert, replace or read event without its fullDocument",
  change_document_dropped_for_size: "the producer dropped the document to fit the record size limit",
  change_update_target_missing: "an update without fullDocument for a document the target does not hold",
  heartbeat_no_document: "a heartbeat change event without its document",
  target_captured: "the event's target collection is captured, so writing it would loop",
  target_invalid: "the event's target namespace is not a valid database or collection name",
  database_refused: "the database refused the document (validator, unique index, size or field names)",
  reconcile_invalid: "a reconcile's closing record is malformed, or names a collection that is not mirrored",
} as const;

export type DeadLetterReasonCode = keyof typeof DEAD_LETTER_REASONS;

/** A code and the human sentence for one refused record (the sentence may add detail to the code's). */
export interface Refusal {
  readonly reasonCode: DeadLetterReasonCode;
  readonly reason: string;
}

export function refusal(reasonCode: DeadLetterReasonCode, reason: string = DEAD_LETTER_REASONS[reasonCode]): Refusal {
  return { reasonCode, reason };
}
