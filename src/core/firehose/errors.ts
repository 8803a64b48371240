import { errorsOf, type ErrorTable } from "../errors";

/** The webhook's own codes: the delivery protocol, its host's health, and the writes (src/core/errors.ts says what a code is). */
export const FIREHOSE_ERRORS = {
  access_key_invalid: { kind: "unauthorized", message: "missing or invalid X-Amz-Firehose-Access-Key" },
  method_not_post: { kind: "method_not_allowed", message: "Firehose deliveries must be POST requests" },
  request_id_missing: { kind: "malformed_request", message: "missing X-Amz-Firehose-Request-Id header" },
  request_id_mismatch: {
    kind: "malformed_request",
    message: "body requestId does not match the X-Amz-Firehose-Request-Id header",
  },
  body_empty: { kind: "malformed_request", message: "request body is empty" },
  body_invalid: { kind: "malformed_request", message: "body must be a JSON object with requestId and records" },
  content_encoding_unsupported: { kind: "malformed_request", message: "only gzip Content-Encoding is accepted" },
  gzip_invalid: { kind: "malformed_request", message: "gzip body cannot be decompressed" },
  body_too_large: { kind: "body_too_large", message: "request body is above this host's limit" },
  access_key_not_configured: {
    kind: "misconfigured",
    message: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)",
  },
  setup_failed: { kind: "not_ready", message: "receiver set-up failed" },
  store_failed: { kind: "unavailable", message: "database write failed; retry the batch" },
  store_unreachable: { kind: "unavailable", message: "the database did not answer a ping" },
  draining: { kind: "unavailable", message: "receiver is shutting down; retry" },
  inflight_budget: { kind: "unavailable", message: "receiver is at its in-flight byte budget; retry" },
  unexpected: { kind: "unavailable", message: "the receiver could not store the batch; retry" },
  records_handoff_invalid: {
    kind: "refused",
    message: "applyFirehoseRecords takes a chunk of decoded records, as receiveFirehoseDelivery hands it on",
  },
} as const satisfies ErrorTable;

export const firehoseErrors = /* @__PURE__ */ errorsOf(FIREHOSE_ERRORS);
