import { canonicalEjson } from "../../canonical-ejson";
import type { BsonPort } from "../../bson-port";
import { BridgeError, describeError } from "../../errors";
import { KinesisError, kinesisEntry, type KinesisPort } from "../../kinesis/port";
import type { Clock, CollectionPort, Logger } from "../../ports";
import { withRetries, type Sleep } from "../../retry";
import type { CaptureConfig } from "../config";
import { lastSuccessfulPutId, recordHeartbeatOnStream } from "./put-status";
import { buildKinesisRecord, RecordTooLargeError, type ChangeEvent, type KinesisRecord } from "./kinesis-record";
import { enqueue, hasPendingFor, syntheticOutboxId, type OutboxEntry } from "../outbox/outbox";
import { partitionKeyFor } from "./partition-key";
import { shapeChangeEvent } from "../shaping/shape-event";

export interface PublishDeps {
  readonly config: CaptureConfig;
  readonly kinesis: KinesisPort;
  readonly outbox: CollectionPort;
  /** Where the last successful put is recorded (for the heartbeat), written once per heartbeat event. */
  readonly status: CollectionPort;
  readonly bson: BsonPort;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly logger: Logger;
  readonly random?: () => number;
}

export type PublishOutcome =
  | {
      readonly result: "put";
      readonly sequenceNumber: string;
      readonly shardId: string;
      readonly degraded: readonly string[];
    }
  | { readonly result: "outboxed"; readonly reason: string }
  /** The capture list's match leaves this change out (see shape-event.ts). */
  | { readonly result: "filtered" };

/**
 * Puts one change event on the stream, or, when that fails after bounded retries (or an earlier event
 * of the same document is still waiting), into the outbox, so no event is lost and per-document order
 * holds. Throws only if the outbox write itself fails, which App Services then logs as a failed run.
 */
export async function publishChangeToKinesis(captured: ChangeEvent, deps: PublishDeps): Promise<PublishOutcome> {
  const { config, bson, logger } = deps;
  const parking = parkingFor(captured, deps);
  let event: ChangeEvent;
  try {
    const shaped = shapeChangeEvent(captured, config, bson);
    if (shaped === null) return { result: "filtered" };
    event = shaped;
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    // The options cannot be applied now (no mask key, unreadable options): the event waits, as the
    // trigger gave it, in the outbox (in the source cluster), and the drain shapes it once they can.
    const documentKey = captured.documentKey || { _id: null };
    return parking.park(
      {
        partitionKey: partitionKeyFor(documentKey._id, bson),
        data: canonicalEjson({ ...captured }, bson),
        operationType: captured.operationType,
        attempts: 0,
        lastError: error.message,
        shaping: "pending",
      },
      "error",
      { msg: "change event sent to the outbox unshaped" },
    );
  }
  let record: KinesisRecord;
  try {
    record = buildKinesisRecord(event, config, bson);
  } catch (error) {
    if (!(error instanceof RecordTooLargeError)) throw error;
    // Nothing can be put; keep the event itself (not the oversized record) for an operator to handle.
    return parking.park(
      {
        partitionKey: "",
        data: canonicalEjson({ ...event }, bson),
        operationType: event.operationType,
        attempts: 0,
        lastError: error.message,
        permanent: true,
      },
      "error",
      { msg: "change event sent to the outbox", operationType: event.operationType, permanent: true },
    );
  }
  if (record.degraded.length > 0) {
    logger.warn({
      msg: "change event degraded to fit the record limit",
      outboxId: parking.outboxId,
      ns: parking.ns,
      dropped: record.degraded,
      bytes: record.bytes,
      limit: config.maxRecordBytes,
    });
  }
  const parkRecord = (reason: string, attempts: number) =>
    parking.park(
      {
        partitionKey: record.partitionKey,
        data: record.data,
        operationType: event.operationType,
        attempts,
        lastError: reason,
      },
      "warn",
      { msg: "change event sent to the outbox", operationType: event.operationType, attempts },
    );

  if (await hasPendingFor(deps.outbox, record.partitionKey)) {
    return parkRecord("an earlier event of this document is waiting in the outbox", 0);
  }
  let put: { SequenceNumber: string; ShardId: string };
  try {
    put = await withRetries(
      () => deps.kinesis.putRecord(kinesisEntry(record)),
      (error) => error instanceof KinesisError && error.retryable,
      config,
      deps.sleep,
      deps.random,
    );
  } catch (error) {
    const attempts = (error as { attempts?: number }).attempts || 1;
    return parkRecord(describeError(error), attempts);
  }
  if (event.ns && event.ns.db === config.heartbeatDatabase && event.ns.coll === config.heartbeatCollection) {
    await recordHeartbeatPut(event, deps);
  }
  return { result: "put", sequenceNumber: put.SequenceNumber, shardId: put.ShardId, degraded: record.degraded };
}

/**
 * Where an event that cannot be put now waits: `park` writes its outbox entry (under the event's
 * resume token, so a re-run trigger keeps one) and logs why, at `level`.
 */
function parkingFor(captured: ChangeEvent, deps: PublishDeps) {
  const outboxId = resumeTokenId(captured) || syntheticOutboxId("event", deps.clock.now(), deps.random);
  const ns = captured.ns ? `${captured.ns.db}.${captured.ns.coll}` : "";
  return {
    outboxId,
    ns,
    async park(
      entry: Omit<OutboxEntry, "_id" | "ns" | "enqueuedAt">,
      level: "warn" | "error",
      line: { msg: string } & Record<string, unknown>,
    ): Promise<PublishOutcome> {
      await enqueue(deps.outbox, { _id: outboxId, ns, enqueuedAt: new Date(deps.clock.now()), ...entry });
      deps.logger[level]({ ...line, outboxId, ns, reason: entry.lastError });
      return { result: "outboxed", reason: entry.lastError };
    },
  };
}

/**
 * After a heartbeat's put, bookkeeping only: the event is on the stream, so a failure here is logged
 * and must not outbox it again.
 */
async function recordHeartbeatPut(event: ChangeEvent, deps: PublishDeps): Promise<void> {
  const { logger } = deps;
  await recordSuccessfulPut(deps).catch((error) =>
    logger.warn({ msg: "could not record the last successful put", error: describeError(error) }),
  );
  // Which heartbeat reached the stream: the heartbeat's stream check compares it with what it wrote.
  const heartbeat = event.fullDocument as { _id?: unknown; at?: unknown } | null | undefined;
  if (heartbeat && typeof heartbeat._id === "string" && heartbeat.at instanceof Date)
    await recordHeartbeatOnStream(deps.status, heartbeat._id, heartbeat.at, deps.clock.now()).catch((error) =>
      logger.warn({ msg: "could not record the heartbeat put", error: describeError(error) }),
    );
}

/** The resume token's `_data`, the event's unique and sortable identity. */
export function resumeTokenId(event: ChangeEvent): string | undefined {
  const token = event._id as { _data?: unknown } | undefined;
  return token && typeof token._data === "string" ? token._data : undefined;
}

export async function recordSuccessfulPut(deps: Pick<PublishDeps, "status" | "clock" | "config">): Promise<void> {
  await deps.status.updateOne(
    { _id: lastSuccessfulPutId(deps.config.appName) },
    { $set: { at: new Date(deps.clock.now()) } },
    { upsert: true },
  );
}
