import { BridgeError } from "../errors";
import { headerLookup, type HeaderBag } from "./request";

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
 * the database connection, failed): a retryable 500 with the request id, so Firehose keeps the batch
 * and tries again, and one log line with the reason. The reason goes to the log, never the answer.
 */
export function setupFailureResponse(
  headers: HeaderBag | undefined,
  error: unknown,
  now: number,
  log: (line: Record<string, unknown>) => void,
): FirehoseDeliveryResponse {
  const requestId = headerLookup(headers)("x-amz-firehose-request-id") || "";
  log({
    level: "error",
    msg: "firehose receiver set-up failed",
    requestId,
    error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500),
  });
  const message =
    error instanceof BridgeError ? `receiver set-up failed: ${error.message}; retry` : "receiver set-up failed; retry";
  return firehoseResponse(500, requestId, now, message);
}
