/**
 * The one top-level field our publisher adds to MongoDB's change event, `{degraded: [...]}` when it
 * left parts out to fit the record size limit. Shared by the publisher and the webhook.
 */
export const PRODUCER_EXTRAS_FIELD = "_akb";
