import { BridgeError } from "../errors";

/**
 * The Kinesis port the capture core depends on: the two calls the producer makes, their shapes, and
 * the error whose `retryable` decides whether a call is tried again. The signed HTTP client that
 * implements it lives in src/adapters/kinesis/sigv4-client.ts.
 */

export interface KinesisRecordEntry {
  /** The record's bytes as base64. */
  readonly Data: string;
  readonly PartitionKey: string;
}

/** The entry for a record whose data is UTF-8 text (what every capture path puts). */
export function kinesisEntry(record: { readonly data: string; readonly partitionKey: string }): KinesisRecordEntry {
  return { Data: Buffer.from(record.data, "utf8").toString("base64"), PartitionKey: record.partitionKey };
}

export interface PutRecordsResult {
  readonly FailedRecordCount: number;
  readonly Records: readonly { SequenceNumber?: string; ShardId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

/** The two calls the producer makes. */
export interface KinesisPort {
  putRecord(entry: KinesisRecordEntry): Promise<{ SequenceNumber: string; ShardId: string }>;
  putRecords(entries: readonly KinesisRecordEntry[]): Promise<PutRecordsResult>;
}

const THROTTLING = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "KMSThrottlingException",
  "InternalFailure",
  "InternalFailureException",
  "ServiceUnavailable",
]);

/**
 * A failed Kinesis call, with Kinesis's own error code (`__type`, or HTTP<status>, NetworkError,
 * Misconfigured). Its kind says whether the same request may succeed later ("unavailable"), cannot
 * run until a setting is fixed ("misconfigured"), or was refused ("refused").
 */
export class KinesisError extends BridgeError {
  constructor(
    code: string,
    message: string,
    retryable: boolean,
    readonly status?: number,
  ) {
    super(code, `${code}: ${message}`, {
      kind: retryable ? "unavailable" : code === "Misconfigured" ? "misconfigured" : "refused",
    });
    this.name = "KinesisError";
  }

  /** Whether the same request may succeed later (throttling, 5xx, network). */
  get retryable(): boolean {
    return this.kind === "unavailable";
  }
}

export function isRetryableErrorCode(code: string | undefined): boolean {
  return code !== undefined && THROTTLING.has(code);
}
