import { errorsOf, type ErrorTable } from "../errors";

/** Capture's own codes: the capture list and options, records, snapshots, the capture check and the outbox (src/core/errors.ts says what a code is). */
export const CAPTURE_ERRORS = {
  capture_list_invalid: { kind: "misconfigured", message: "the capture list has errors" },
  capture_options_invalid: { kind: "misconfigured", message: "a capture option is invalid" },
  record_too_large: { kind: "refused", message: "the record is above the size limit even without its documents" },
  snapshot_signal_invalid: { kind: "refused", message: "the snapshot signal is invalid" },
  snapshot_read_position: {
    kind: "misconfigured",
    message: "the snapshot's read position cannot be taken (a replica set or sharded cluster is needed)",
  },
  snapshot_plan_failed: { kind: "unavailable", message: "planning the snapshot's ranges failed" },
  capture_check_handoff_invalid: {
    kind: "refused",
    message:
      "checkCaptureHealth takes the previous heartbeat's time (milliseconds, a date or null) and the outbox depth",
  },
  outbox_entry_unshapeable: {
    kind: "refused",
    message: "the outbox entry cannot be shaped by the capture options",
  },
} as const satisfies ErrorTable;

export const captureErrors = /* @__PURE__ */ errorsOf(CAPTURE_ERRORS);
