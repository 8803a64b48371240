import { describeError, statusForKind } from "../../errors";
import type { Clock, Logger } from "../../ports";
import { NO_RECORDS, type DeliveryObserver } from "../delivery-report";
import { headerLookup, type HeaderBag } from "./request";
import { FIREHOSE_ERRORS, firehoseErrors } from "../errors";

/** Firehose's response contract: exactly these fields, JSON, uncompressed, timestamp in ms. */
export interface FirehoseResponseBody {
  readonly requestId: string;
  readonly timestamp: number;
  readonly errorMessage?: string;
}

export interface FirehoseDeliveryResponse {
  readonly status: number;
  readonly headers: { readonly "Content-Type": "application/json" };
  readonly body: string;
}

const MAX_ERROR_MESSAGE = 8192;

/** The only place a Firehose response is made, so every answer has the same well-formed shape. */
export function firehoseResponse(
  status: number,
  requestId: string,
  timestamp: number,
  errorMessage?: string,
): FirehoseDeliveryResponse {
  const body: FirehoseResponseBody =
    errorMessage === undefined
      ? { requestId, timestamp }
      : { requestId, timestamp, errorMessage: errorMessage.slice(0, MAX_ERROR_MESSAGE) };
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

/**
 * The answer of every host when it could not get ready to take a delivery (its configuration, or
 * the database connection, failed): retryable (Firehose keeps the batch and tries again), with the
 * request id. Our own errors (a setting missing or invalid) are named in the answer; anything else
 * (a driver's error, which may name hosts or credentials) is named only in the one log line.
 */
export function setupFailureResponse(
  headers: HeaderBag | undefined,
  error: unknown,
  deps: { readonly logger: Logger; readonly clock: Clock; readonly observer?: DeliveryObserver },
  startedAt: number = deps.clock.now(),
): FirehoseDeliveryResponse {
  const requestId = headerLookup(headers)("x-amz-firehose-request-id") || "";
  const reason = firehoseErrors.as(error, "setup_failed");
  deps.logger.error({
    msg: "firehose receiver set-up failed",
    requestId,
    code: reason.code,
    error: describeError(error),
  });
  const message =
    reason === error ? `${FIREHOSE_ERRORS.setup_failed.message}: ${reason.message}; retry` : `${reason.message}; retry`;
  const now = deps.clock.now();
  const answer = firehoseResponse(statusForKind[reason.kind], requestId, now, message);
  if (deps.observer)
    deps.observer.delivered({ status: answer.status, durationMs: now - startedAt, bodyBytes: 0, records: NO_RECORDS });
  return answer;
}
