/**
 * The one top-level field our producer adds to a record on the stream (docs/record-format.md#the-_akb-field):
 * `{degraded: [...]}` when parts were left out to fit the record size limit, `{outOfMatch: true}` on
 * the delete that says a document left the capture match, `{reconcile: {…}}` on a reconcile's reads
 * and closing records (reconcile-records.ts). Written by capture, read by the webhook.
 *
 * The webhook's mirrored documents use the same name for another thing, their change position
 * (`POSITION_FIELD`, firehose's position-field.ts): that one is never on the stream.
 */
export const PRODUCER_EXTRAS_FIELD = "_akb";
