/**
 * The one error vocabulary, from the core outward. Every failure has
 * - a `kind`: what it means for whoever meets it (which HTTP answer, whether a retry may help, whether
 *   the item is set aside); hosts and callers branch on the kind;
 * - a `code`: the exact failure, stable and machine-readable (logs, metrics, stored documents, tests);
 *   our own codes are declared in tables (the shared ones in ERRORS below, each capability's next to
 *   it, bound with errorsOf), a record's in DEAD_LETTER_REASONS
 *   (firehose/dead-letters/dead-letter-reasons.ts), and a peer's own code (Kinesis's `__type`) is kept as it is;
 * - a `message` for people, written by us: it may go into an answer, so it never holds record
 *   contents, secrets, or a driver's text;
 * - a `cause`, kept for the log only (a driver error may name hosts or credentials).
 *
 * Thrown, a failure is a BridgeError (or a subclass that carries data, such as KinesisError).
 * Returned, it is a plain `Failure` inside a `Result` (no stack is captured: returned failures are
 * expected outcomes, some on hot paths, such as a record refused). Errors that imitate a peer's own
 * (the embedded store's MongoServerError look-alikes) stay shaped like the peer's, since the core
 * reads them as it reads the driver's.
 */
export type ErrorKind =
  /** The caller is not who it claims to be: wrong or missing access key. */
  | "unauthorized"
  /** The request itself is malformed; Firehose retries it and then backs it up to S3. */
  | "malformed_request"
  /** The body is larger than this host accepts. Never answered with 413 (Firehose treats 413 as permanent and skips its S3 backup). */
  | "body_too_large"
  /** Not a POST. */
  | "method_not_allowed"
  /** This host is not configured well enough to do its work (a setting missing or invalid). */
  | "misconfigured"
  /** This host could not get ready for another reason (a connection failed while setting up); retryable. */
  | "not_ready"
  /** A dependency (the database, Kinesis) failed, or the host is busy or stopping: a retry may succeed. */
  | "unavailable"
  /** One item (a record, a signal, a request to a peer) can never succeed as it is: it is set aside, not retried as is. */
  | "refused";

/** HTTP status for each kind. None is 413 or 3xx: Firehose drops a batch on 413 without backup. */
export const statusForKind: Readonly<Record<ErrorKind, number>> = {
  unauthorized: 401,
  malformed_request: 400,
  body_too_large: 400,
  method_not_allowed: 405,
  misconfigured: 500,
  not_ready: 500,
  unavailable: 503,
  refused: 400,
};

/** A table of our own codes: each belongs to one kind and has a default message (a site may give a more precise one). */
export type ErrorTable = Readonly<Record<string, { readonly kind: ErrorKind; readonly message: string }>>;

/**
 * The codes no one capability owns (settings, data sources, Kinesis). Each capability's own are in a
 * table next to it (firehose/errors.ts, capture/errors.ts, ejson/errors.ts, bound with errorsOf), so
 * that a built function carries the codes of what it runs, not every capability's.
 */
export const ERRORS = {
  setting_invalid: { kind: "misconfigured", message: "a setting is invalid" },
  mongodb_uri_missing: { kind: "misconfigured", message: "MONGODB_URI is not set" },
  data_source_missing: { kind: "misconfigured", message: "the App Services data source is not linked to this app" },
  kinesis_gave_up: { kind: "unavailable", message: "PutRecords gave up" },
} as const satisfies ErrorTable;

export type ErrorCode = keyof typeof ERRORS;

/** A failure, thrown (BridgeError) or returned (in a Result). */
export interface Failure {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly message: string;
  readonly cause?: unknown;
}

/** What a function that may fail returns instead of throwing. */
export type Result<T, F extends Failure = Failure> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: F };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function failed<F extends Failure>(error: F): { readonly ok: false; readonly error: F } {
  return { ok: false, error };
}

/** A returned failure with one of our codes (the code's default message unless one is given). */
export function failure(code: ErrorCode, message: string = ERRORS[code].message, cause?: unknown): Failure {
  return cause === undefined
    ? { kind: ERRORS[code].kind, code, message }
    : { kind: ERRORS[code].kind, code, message, cause };
}

export class BridgeError extends Error implements Failure {
  readonly kind: ErrorKind;
  readonly code: string;
  /** One of our codes; its kind comes with it. */
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown });
  /** A peer's own code (subclasses such as KinesisError), with the kind the subclass decides. */
  constructor(code: string, message: string, options: { cause?: unknown; kind: ErrorKind });
  constructor(code: string, message?: string, options?: { cause?: unknown; kind?: ErrorKind }) {
    const known = (ERRORS as Record<string, { kind: ErrorKind; message: string } | undefined>)[code];
    super(message === undefined && known ? known.message : message);
    this.name = "BridgeError";
    this.code = code;
    this.kind = (options && options.kind) || (known ? known.kind : "unavailable");
    if (options && options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** One capability's table bound: its codes thrown, returned and caught as the shared ones are. */
export interface BoundErrors<C extends string> {
  /** A thrown failure with one of the table's codes (its default message unless one is given). */
  error(code: C, message?: string, options?: { cause?: unknown }): BridgeError;
  /** A returned failure with one of the table's codes. */
  failure(code: C, message?: string, cause?: unknown): Failure;
  /** Anything caught, as our vocabulary: our own errors as they are, anything else as `code`. */
  as(error: unknown, code: C): BridgeError;
}

export function errorsOf<T extends ErrorTable>(table: T): BoundErrors<keyof T & string> {
  return {
    error: (code, message = table[code].message, options) =>
      new BridgeError(code, message, { cause: options && options.cause, kind: table[code].kind }),
    failure: (code, message = table[code].message, cause) =>
      cause === undefined
        ? { kind: table[code].kind, code, message }
        : { kind: table[code].kind, code, message, cause },
    as: (error, code) =>
      isBridgeError(error)
        ? error
        : new BridgeError(code, table[code].message, { cause: error, kind: table[code].kind }),
  };
}

export function isBridgeError(error: unknown): error is BridgeError {
  return error instanceof BridgeError;
}

/** A returned failure made throwable (the same kind, code, message and cause). */
export function toError(failure: Failure): BridgeError {
  if (failure instanceof BridgeError) return failure;
  return new BridgeError(failure.code, failure.message, { cause: failure.cause, kind: failure.kind });
}

/** Anything caught, as our vocabulary: our own errors as they are, anything else as `code` with the error as cause. */
export function asBridgeError(error: unknown, code: ErrorCode): BridgeError {
  return isBridgeError(error) ? error : new BridgeError(code, undefined, { cause: error });
}

/** A short, log-safe description of any thrown value (never includes request content). */
export function describeError(error: unknown): string {
  const describe = (value: unknown): string =>
    value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
  const text = cause === undefined ? describe(error) : `${describe(error)} (cause: ${describe(cause)})`;
  return text.slice(0, 500);
}
