import { describeError } from "../errors";
import { KinesisError, type KinesisPort, type KinesisRecordEntry } from "../kinesis/port";
import type { Clock, CollectionPort, Logger } from "../ports";
import { backoffDelay, withRetries, type BackoffPolicy, type Sleep } from "../retry";
import type { OutboxEntry } from "./outbox";

/** PutRecords limits: 500 entries, and the stricter of the documented request totals (5 MiB). */
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface DrainDeps {
  readonly kinesis: KinesisPort;
  readonly outbox: CollectionPort;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  readonly policy: BackoffPolicy;
  readonly random?: () => number;
}

export interface DrainResult {
  put: number;
  failed: number;
  rounds: number;
  remaining: boolean;
}

/**
 * Re-puts outbox entries with PutRecords until the outbox is empty or `deadlineMs` (clock time) is
 * reached. Each round takes at most one entry per partition key, the oldest, so a document's events
 * still reach the stream in order even though PutRecords may fail some entries and not others; only
 * failed entries are re-sent. Entries that succeed are deleted.
 */
export async function drainOutbox(deps: DrainDeps, deadlineMs: number): Promise<DrainResult> {
  const result: DrainResult = { put: 0, failed: 0, rounds: 0, remaining: false };
  let fruitlessRounds = 0;
  while (deps.clock.now() < deadlineMs) {
    const pending = (await deps.outbox.find({ permanent: { $ne: true } }).sort({ _id: 1 }).limit(4 * PUT_RECORDS_MAX_ENTRIES).toArray()) as unknown as OutboxEntry[];
    const batch = pickBatch(pending);
    if (batch.length === 0) return result;
    result.rounds++;
    const entries: KinesisRecordEntry[] = batch.map((entry) => ({ Data: Buffer.from(entry.data, "utf8").toString("base64"), PartitionKey: entry.partitionKey }));
    let response;
    try {
      response = await withRetries(
        () => deps.kinesis.putRecords(entries),
        (error) => error instanceof KinesisError && error.retryable,
        deps.policy,
        deps.sleep,
        deps.random,
      );
    } catch (error) {
      await markFailed(deps.outbox, batch, describeError(error));
      result.failed += batch.length;
      result.remaining = true;
      deps.logger.warn({ msg: "outbox drain stopped", reason: describeError(error), entries: batch.length });
      return result;
    }
    const succeeded: string[] = [];
    const failed: { entry: OutboxEntry; reason: string }[] = [];
    response.Records.forEach((outcome, i) => {
      if (outcome.ErrorCode) failed.push({ entry: batch[i], reason: `${outcome.ErrorCode}: ${outcome.ErrorMessage || ""}` });
      else succeeded.push(batch[i]._id);
    });
    if (succeeded.length > 0) await deps.outbox.deleteMany({ _id: { $in: succeeded } });
    for (const { entry, reason } of failed) await markFailed(deps.outbox, [entry], reason);
    result.put += succeeded.length;
    result.failed += failed.length;
    if (succeeded.length === 0) {
      fruitlessRounds++;
      if (fruitlessRounds >= deps.policy.maxAttempts) break;
      await deps.sleep(backoffDelay(fruitlessRounds, deps.policy, deps.random));
    } else {
      fruitlessRounds = 0;
    }
  }
  result.remaining = (await deps.outbox.find({ permanent: { $ne: true } }).limit(1).toArray()).length > 0;
  return result;
}

/** What one entry adds to a PutRecords request: base64 data, the key and JSON punctuation. */
export function putRecordsEntryBytes(dataBytes: number, keyBytes: number): number {
  return Math.ceil(dataBytes / 3) * 4 + keyBytes + 40;
}

/** The oldest entry of each partition key, within the PutRecords count and size limits. */
export function pickBatch(pending: readonly OutboxEntry[]): OutboxEntry[] {
  const seen = new Set<string>();
  const batch: OutboxEntry[] = [];
  let bytes = 0;
  for (const entry of pending) {
    if (seen.has(entry.partitionKey)) continue;
    seen.add(entry.partitionKey);
    const size = putRecordsEntryBytes(Buffer.byteLength(entry.data, "utf8"), Buffer.byteLength(entry.partitionKey, "utf8"));
    if (batch.length >= PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES) break;
    batch.push(entry);
    bytes += size;
  }
  return batch;
}

async function markFailed(outbox: CollectionPort, entries: readonly OutboxEntry[], reason: string): Promise<void> {
  await outbox.bulkWrite(
    entries.map((entry) => ({ updateOne: { filter: { _id: entry._id }, update: { $inc: { attempts: 1 }, $set: { lastError: reason.slice(0, 500) } } } })),
    { ordered: false },
  );
}
