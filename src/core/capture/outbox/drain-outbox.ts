import { canonicalEjson } from "../../canonical-ejson";
import type { BsonPort } from "../../bson-port";
import { chunkEnd } from "../../chunk";
import { BridgeError, describeError } from "../../errors";
import { kinesisEntry, type KinesisPort, type KinesisRecordEntry } from "../../kinesis/port";
import {
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_ENTRIES,
  putAllRecords,
  putRecordsEntryBytes,
  RetryExhaustedError,
} from "../../kinesis/put-records";
import type { Clock, CollectionPort, Logger } from "../../ports";
import type { BackoffPolicy, Sleep } from "../../retry";
import type { CaptureConfig } from "../config";
import { buildKinesisRecord, RecordTooLargeError, type ChangeEvent } from "../publish/kinesis-record";
import type { OutboxEntry } from "./outbox";
import { recordSuccessfulPut, type PublishDeps } from "../publish/publish-change";
import { hasFieldEdits, isChangeEventRecord, reshapeRecord, shapeChangeEvent } from "../shaping/shape-event";
import { captureErrors } from "../errors";

export interface DrainDeps {
  readonly kinesis: KinesisPort;
  readonly outbox: CollectionPort;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  readonly policy: BackoffPolicy;
  readonly random?: () => number;
  /** The capture options and record settings now in force: entries are shaped with them before they are put. */
  readonly shaping: { readonly config: CaptureConfig; readonly bson: BsonPort };
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
 * could not put keep their place with the error and the drain stops until its next run. Every
 * entry is shaped with the capture options now in force before it is put (recordToPut); one whose
 * options cannot be applied now keeps its place (and its document's later entries theirs).
 */
export async function drainOutbox(deps: DrainDeps, deadlineMs: number): Promise<DrainResult> {
  const result: DrainResult = { put: 0, failed: 0, rounds: 0, remaining: false };
  // Documents whose oldest entry cannot be shaped now: they wait, and are not read again this drain,
  // so they never hold back other documents' entries.
  const held = new Map<string, string>();
  const waiting = () => {
    if (held.size === 0) return;
    const reasons = new Set(held.values());
    deps.logger.warn({
      msg: "outbox entries wait: their capture options cannot be applied",
      documents: held.size,
      reason: [...reasons][0],
    });
  };
  while (deps.clock.now() < deadlineMs) {
    const filter =
      held.size > 0
        ? { permanent: { $ne: true }, partitionKey: { $nin: [...held.keys()] } }
        : { permanent: { $ne: true } };
    const pending = (await deps.outbox
      .find(filter)
      .sort({ _id: 1 })
      .limit(4 * PUT_RECORDS_MAX_ENTRIES)
      .toArray()) as unknown as OutboxEntry[];
    const round = await prepareRound(oldestPerDocument(pending), deps);
    if (round.held.length > 0) await markHeld(deps.outbox, round.held);
    for (const { entry, reason } of round.held) held.set(entry.partitionKey, reason);
    const batch = round.put.map(({ entry }) => entry);
    if (batch.length === 0) {
      if (round.held.length === 0 && round.settled === 0) {
        result.remaining = held.size > 0;
        waiting();
        return result;
      }
      continue;
    }
    result.rounds++;
    const entries: KinesisRecordEntry[] = round.put.map(({ record }) => kinesisEntry(record));
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
      waiting();
      return result;
    }
  }
  waiting();
  result.remaining =
    (
      await deps.outbox
        .find({ permanent: { $ne: true } })
        .limit(1)
        .toArray()
    ).length > 0;
  return result;
}

/**
 * The drainOutbox function's run (its own scheduled trigger, every minute): drains until the
 * deadline, records the put for the heartbeat (the heartbeat document carries the last successful
 * put) and logs one line.
 */
export async function runOutboxDrain(deps: PublishDeps, deadlineMs: number): Promise<DrainResult> {
  const started = deps.clock.now();
  const drain = await drainOutbox(
    {
      kinesis: deps.kinesis,
      outbox: deps.outbox,
      clock: deps.clock,
      sleep: deps.sleep,
      logger: deps.logger,
      policy: deps.config,
      random: deps.random,
      shaping: { config: deps.config, bson: deps.bson },
    },
    deadlineMs,
  );
  if (drain.put > 0) await recordSuccessfulPut(deps);
  deps.logger.info({
    msg: "outbox drained",
    app: deps.config.appName,
    drained: drain.put,
    drainFailed: drain.failed,
    outboxRemaining: drain.remaining,
    durationMs: deps.clock.now() - started,
  });
  return drain;
}

/** The oldest entry of each partition key (a document's later entries wait behind it). */
function oldestPerDocument(pending: readonly OutboxEntry[]): OutboxEntry[] {
  const seen = new Set<string>();
  const oldest: OutboxEntry[] = [];
  for (const entry of pending) {
    if (seen.has(entry.partitionKey)) continue;
    seen.add(entry.partitionKey);
    oldest.push(entry);
  }
  return oldest;
}

/** The oldest entry of each partition key, within the PutRecords count and size limits. */
export function pickBatch(pending: readonly OutboxEntry[]): OutboxEntry[] {
  const oldest = oldestPerDocument(pending);
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

interface Round {
  /** Entries to put now, each with the record it puts (shaped with the options now in force). */
  put: { entry: OutboxEntry; record: { data: string; partitionKey: string } }[];
  /** Entries whose options cannot be applied now (no mask key, unreadable options), with why. */
  held: { entry: OutboxEntry; reason: string }[];
  /** Entries settled without a put: outside the match (deleted), or too large once shaped (kept, permanent). */
  settled: number;
}

/**
 * Shapes the round's entries with the capture options now in force, in order, up to the PutRecords
 * count and size limits (counted on the records as they will be put).
 */
async function prepareRound(oldest: readonly OutboxEntry[], deps: DrainDeps): Promise<Round> {
  const round: Round = { put: [], held: [], settled: 0 };
  let bytes = 0;
  for (const entry of oldest) {
    if (round.put.length >= PUT_RECORDS_MAX_ENTRIES) break;
    let record: { data: string; partitionKey: string } | null;
    try {
      record = recordToPut(entry, deps.shaping);
    } catch (error) {
      if (error instanceof BridgeError) round.held.push({ entry, reason: error.message });
      else if (error instanceof RecordTooLargeError) {
        await deps.outbox.updateOne({ _id: entry._id }, { $set: { permanent: true, lastError: error.message } });
        round.settled++;
      } else throw error;
      continue;
    }
    if (record === null) {
      // Outside the capture list's match: nothing to publish.
      await deps.outbox.deleteMany({ _id: { $in: [entry._id] } });
      round.settled++;
      continue;
    }
    const size = putRecordsEntryBytes(
      Buffer.byteLength(record.data, "utf8"),
      Buffer.byteLength(record.partitionKey, "utf8"),
    );
    if (round.put.length > 0 && bytes + size > PUT_RECORDS_MAX_BYTES) break;
    bytes += size;
    round.put.push({ entry, record });
  }
  return round;
}

/**
 * The record an entry puts now: a `pending` entry's event shaped and encoded; any other entry of a
 * namespace with exclude or mask options shaped again (see reshapeRecord), so options added or
 * tightened while it waited still apply; else the entry's record as it is. Null: nothing to publish.
 */
function recordToPut(
  entry: OutboxEntry,
  { config, bson }: DrainDeps["shaping"],
): { data: string; partitionKey: string } | null {
  if (entry.shaping === "pending") {
    const shaped = shapeChangeEvent(bson.ejson.parse(entry.data, { relaxed: false }) as ChangeEvent, config, bson);
    return shaped === null ? null : buildKinesisRecord(shaped, config, bson);
  }
  const dot = entry.ns.indexOf(".");
  const db = entry.ns.slice(0, dot);
  const coll = entry.ns.slice(dot + 1);
  if (!hasFieldEdits(db, coll, config, bson)) return entry;
  if (config.arrayEncoding !== "array" || config.nestedDocumentEncoding !== "document") {
    // Arrays and subdocuments written as JSON strings cannot be reached by a path: an entry shaped
    // when captured is put as it is; one from before the options cannot be shaped and waits.
    if (entry.shaping === "applied") return entry;
    throw captureErrors.error(
      "outbox_entry_unshapeable",
      `this entry was written before capture options existed, with ARRAY_ENCODING/NESTED_DOCUMENT_ENCODING string forms, and cannot be shaped: snapshot ${entry.ns} and delete the entry`,
    );
  }
  const parsed = bson.ejson.parse(entry.data, { relaxed: false }) as Record<string, unknown>;
  const reshaped = reshapeRecord(parsed, db, coll, config, bson);
  if (reshaped === null) return entry;
  const data = isChangeEventRecord(reshaped)
    ? buildKinesisRecord(reshaped as unknown as ChangeEvent, config, bson).data
    : canonicalEjson(reshaped, bson);
  return { data, partitionKey: entry.partitionKey };
}

/** Entries that cannot be shaped now keep their place, with why (no put was tried, so no attempt is counted). */
async function markHeld(outbox: CollectionPort, held: Round["held"]): Promise<void> {
  await outbox.bulkWrite(
    held.map(({ entry, reason }) => ({
      updateOne: { filter: { _id: entry._id }, update: { $set: { lastError: reason.slice(0, 500) } } },
    })),
    { ordered: false },
  );
}
