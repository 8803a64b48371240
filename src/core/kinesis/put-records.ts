import { BridgeError } from "../errors";
import { backoffDelay, type BackoffPolicy, type Sleep } from "../retry";
import { KinesisError, isRetryableErrorCode, type KinesisPort, type KinesisRecordEntry } from "./port";

/** PutRecords limits: 500 entries, and the stricter of the documented request totals (5 MiB). */
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

/** What one entry adds to a PutRecords request: base64 data, the key and JSON punctuation. */
export function putRecordsEntryBytes(dataBytes: number, keyBytes: number): number {
  return Math.ceil(dataBytes / 3) * 4 + keyBytes + 40;
}

export interface PutRecordsDeps {
  readonly kinesis: KinesisPort;
  readonly policy: BackoffPolicy;
  readonly sleep: Sleep;
  readonly random?: () => number;
}

/** PutRecords gave up: after `attempts`, or at once on an error no retry can fix (its cause). */
export class RetryExhaustedError extends BridgeError {
  constructor(
    readonly attempts: number,
    cause: unknown,
    /** delivered[i] says whether entries[i] reached the stream before the sender gave up. */
    readonly delivered: readonly boolean[],
  ) {
    super(
      "kinesis_gave_up",
      `PutRecords gave up after ${attempts} attempt(s): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = "RetryExhaustedError";
  }
}

/**
 * Puts every entry with PutRecords, or says which it could not. Whole-call failures that may pass
 * (throttling, 5xx, network) and entries the stream refused one by one are retried together, at most
 * `policy.maxAttempts` calls, with exponential backoff and full jitter between them; only entries
 * not yet put are re-sent. Resolves once all are put; otherwise rejects with RetryExhaustedError.
 * (A batch holds at most one entry per partition key wherever order matters, so re-sending some
 * entries never reorders a document's records.)
 */
export async function putAllRecords(
  entries: readonly KinesisRecordEntry[],
  deps: PutRecordsDeps,
): Promise<{ attempts: number }> {
  const delivered = entries.map(() => false);
  let pending = entries.map((_, i) => i);
  for (let attempt = 1; ; attempt++) {
    let cause: unknown;
    try {
      const response = await deps.kinesis.putRecords(pending.map((i) => entries[i]));
      const failed: number[] = [];
      response.Records.forEach((outcome, k) => {
        if (outcome.ErrorCode) {
          failed.push(pending[k]);
          cause = new KinesisError(
            outcome.ErrorCode,
            outcome.ErrorMessage || "",
            isRetryableErrorCode(outcome.ErrorCode),
          );
        } else delivered[pending[k]] = true;
      });
      if (failed.length === 0) return { attempts: attempt };
      pending = failed;
    } catch (error) {
      cause = error;
      if (!(error instanceof KinesisError && error.retryable)) throw new RetryExhaustedError(attempt, error, delivered);
    }
    if (attempt >= deps.policy.maxAttempts) throw new RetryExhaustedError(attempt, cause, delivered);
    await deps.sleep(backoffDelay(attempt - 1, deps.policy, deps.random));
  }
}
