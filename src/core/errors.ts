/**
 * Errors whose kind decides the answer a host gives. Every error the webhook core raises on
 * purpose is a BridgeError; anything else is treated as an unexpected (retryable) failure.
 */
export type BridgeErrorKind =
  /** The caller is not who it claims to be: wrong or missing access key. */
  | "unauthorized"
  /** The request itself is malformed; Firehose retries it and then backs it up to S3. */
  | "malformed_request"
  /** The body is larger than this host accepts. Never answered with 413 (Firehose treats 413 as permanent and skips its S3 backup). */
  | "body_too_large"
  /** Not a POST. */
  | "method_not_allowed"
  /** This host is not configured well enough to accept data (for example no access key). */
  | "misconfigured"
  /** A dependency (the database, Kinesis) failed in a way a retry may fix. */
  | "unavailable";

export class BridgeError extends Error {
  readonly kind: BridgeErrorKind;
  constructor(kind: BridgeErrorKind, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = "BridgeError";
    this.kind = kind;
    if (options && options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** HTTP status for each kind. None is 413 or 3xx: Firehose drops a batch on 413 without backup. */
export const statusForKind: Readonly<Record<BridgeErrorKind, number>> = {
  unauthorized: 401,
  malformed_request: 400,
  body_too_large: 400,
  method_not_allowed: 405,
  misconfigured: 500,
  unavailable: 503,
};

export function isBridgeError(error: unknown): error is BridgeError {
  return error instanceof BridgeError;
}

/** A short, log-safe description of any thrown value (never includes request content). */
export function describeError(error: unknown): string {
  const describe = (value: unknown): string =>
    value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  const text = cause === undefined ? describe(error) : `${describe(error)} (cause: ${describe(cause)})`;
  return text.slice(0, 500);
}
