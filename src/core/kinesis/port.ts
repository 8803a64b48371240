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

/** A failed Kinesis call. `retryable` says whether the same request may succeed later. */
export class KinesisError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(`${code}: ${message}`);
    this.name = "KinesisError";
  }
}

export function isRetryableErrorCode(code: string | undefined): boolean {
  return code !== undefined && THROTTLING.has(code);
}
