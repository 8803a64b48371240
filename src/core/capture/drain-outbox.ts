import { chunkEnd } from "../chunk";
import { describeError } from "../errors";
import { kinesisEntry, type KinesisPort, type KinesisRecordEntry } from "../kinesis/port";
import {
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_ENTRIES,
  putAllRecords,
  putRecordsEntryBytes,
  RetryExhaustedError,
} from "../kinesis/put-records";
import type { Clock, CollectionPort, Logger } from "../ports";
import type { BackoffPolicy, Sleep } from "../retry";
import type { OutboxEntry } from "./outbox";

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
 * still reach the stream in order; the round's entries are put by putAllRecords (bounded, jittered
 * retries of what failed). Entries that are put are deleted; when a round gives up, the entries it
 * could not put keep their place with the error and the drain stops until the next heartbeat.
 */
export async function drainOutbox(deps: DrainDeps, deadlineMs: number): Promise<DrainResult> {
  const result: DrainResult = { put: 0, failed: 0, rounds: 0, remaining: false };
  while (deps.clock.now() < deadlineMs) {
    const pending = (await deps.outbox
      .find({ permanent: { $ne: true } })
      .sort({ _id: 1 })
      .limit(4 * PUT_RECORDS_MAX_ENTRIES)
      .toArray()) as unknown as OutboxEntry[];
    const batch = pickBatch(pending);
    if (batch.length === 0) return result;
    result.rounds++;
    const entries: KinesisRecordEntry[] = batch.map(kinesisEntry);
    try {
      await putAllRecords(entries, {
        kinesis: deps.kinesis,
        policy: deps.policy,
        sleep: deps.sleep,
        random: deps.random,
      });
      await deps.outbox.deleteMany({ _id: { $in: batch.map((entry) => entry._id) } });
      result.put += batch.length;
    } catch (error) {
      if (!(error instanceof RetryExhaustedError)) throw error;
      const put = batch.filter((_, i) => error.delivered[i]);
      const left = batch.filter((_, i) => !error.delivered[i]);
      if (put.length > 0) await deps.outbox.deleteMany({ _id: { $in: put.map((entry) => entry._id) } });
      await markFailed(deps.outbox, left, describeError(error.cause));
      result.put += put.length;
      result.failed += left.length;
      result.remaining = true;
      deps.logger.warn({
        msg: "outbox drain stopped",
        reason: describeError(error.cause),
        attempts: error.attempts,
        entries: left.length,
      });
      return result;
    }
  }
  result.remaining =
    (
      await deps.outbox
        .find({ permanent: { $ne: true } })
        .limit(1)
        .toArray()
    ).length > 0;
  return result;
}

/** The oldest entry of each partition key, within the PutRecords count and size limits. */
export function pickBatch(pending: readonly OutboxEntry[]): OutboxEntry[] {
  const seen = new Set<string>();
  const oldest: OutboxEntry[] = [];
  for (const entry of pending) {
    if (seen.has(entry.partitionKey)) continue;
    seen.add(entry.partitionKey);
    oldest.push(entry);
  }
  const end = chunkEnd(0, oldest.length, { maxCount: PUT_RECORDS_MAX_ENTRIES, maxBytes: PUT_RECORDS_MAX_BYTES }, (i) =>
    putRecordsEntryBytes(Buffer.byteLength(oldest[i].data, "utf8"), Buffer.byteLength(oldest[i].partitionKey, "utf8")),
  );
  return oldest.slice(0, end);
}

async function markFailed(outbox: CollectionPort, entries: readonly OutboxEntry[], reason: string): Promise<void> {
  await outbox.bulkWrite(
    entries.map((entry) => ({
      updateOne: {
        filter: { _id: entry._id },
        update: { $inc: { attempts: 1 }, $set: { lastError: reason.slice(0, 500) } },
      },
    })),
    { ordered: false },
  );
}
