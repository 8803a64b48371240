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
export function firehoseResponse(status: number, requestId: string, timestamp: number, errorMessage?: string): FirehoseDeliveryResponse {
  const body: FirehoseResponseBody =
    errorMessage === undefined
      ? { requestId, timestamp }
      : { requestId, timestamp, errorMessage: errorMessage.slice(0, MAX_ERROR_MESSAGE) };
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
