import { canonicalEjson } from "../../canonical-ejson";
import type { BsonPort } from "../../bson-port";
import { describeError, failed, ok, type Result } from "../../errors";
import type { CollectionPort, Document } from "../../ports";
import { closingPartitionKey, closingRecordDocument, type ClosingFields } from "../../stream-format/reconcile-records";
import type { KinesisRecord } from "../publish/kinesis-record";
import { partitionKeyFor } from "../publish/partition-key";
import { captureErrors } from "../errors";

/*
 * The producer's side of snapshots' read position and of reconciles (see stream-format/reconcile-records.ts for
 * the records, firehose/reconcile/sweep.ts for what the webhook does with them).
 *
 * Read position. At its first claim a snapshot takes the cluster's current time R0 ($$CLUSTER_TIME,
 * at least the timestamp of every write the primary has committed) and keeps it in the signal
 * (`readPosition`); every read of the snapshot carries `clusterTime: R0`. The webhook ranks a read
 * just above every change at or before R0, which the read already contains, and below every change
 * after R0. One R0 for the whole snapshot is enough because every change after R0 is delivered (the
 * premise of a reconcile: capture runs again before the reconcile starts): a read that ranks below a
 * change made between R0 and the moment the document was read loses to a change that is delivered
 * and newer. Reads come from the primary (the data source's readPreference), so no read can miss a
 * write committed before R0.
 *
 * Sequence numbers. A reconcile's reads are numbered per part, 0, 1, 2, … over the records actually
 * built (a document filtered out or too large to put takes no number), so the webhook can tell when
 * it has applied all of them. A run checkpoints how far its numbers went (`seqs`, ranges of numbers
 * used) and how far they may go before its next checkpoint (`reserved`). A run that takes over a
 * part whose previous run died starts a new range at `reserved`, so a number the dead run may have
 * put for one document is never reused for another (the webhook could otherwise count the dead
 * run's read in place of a read it has not applied yet).
 */

/** The signal field that keeps a snapshot's read position. */
export const READ_POSITION_FIELD = "readPosition";

/**
 * The snapshot's read position: the one kept in the signal, or (first claim) the cluster's time now,
 * written into the signal once. Falls back to `startedBy` (the clusterTime of the signal's insert,
 * when its trigger started the run) where the server has no $$CLUSTER_TIME (a standalone server).
 * Returns a reason instead when there is neither.
 */
export async function takeReadPosition(
  signals: CollectionPort,
  signal: Document,
  startedBy: unknown,
  bson: BsonPort,
): Promise<Result<unknown>> {
  const kept = signal[READ_POSITION_FIELD];
  if (bson.bsonType(kept) === "Timestamp") return ok(kept);
  let position: unknown;
  let why = "this host's collection has no aggregate";
  if (typeof signals.aggregate === "function") {
    try {
      const [row] = await signals
        .aggregate([{ $match: { _id: signal._id } }, { $limit: 1 }, { $project: { _id: 0, at: "$$CLUSTER_TIME" } }])
        .toArray();
      if (row && bson.bsonType(row.at) === "Timestamp") position = row.at;
      else why = "the server gave no $$CLUSTER_TIME";
    } catch (error) {
      why = `$$CLUSTER_TIME failed: ${describeError(error).slice(0, 200)}`;
    }
  }
  if (position === undefined && bson.bsonType(startedBy) === "Timestamp") position = startedBy;
  if (position === undefined) {
    return failed(
      captureErrors.failure(
        "snapshot_read_position",
        `cannot take the snapshot's read position (${why}) and the run was not started by the signal's insert ` +
          "trigger; a replica set or sharded cluster is needed (change streams need one too)",
      ),
    );
  }
  await signals.updateOne(
    { _id: signal._id, [READ_POSITION_FIELD]: { $exists: false } },
    { $set: { [READ_POSITION_FIELD]: position } },
  );
  // Another run may have written its own first: the signal's is the one every read carries.
  const stored = await signals.findOne({ _id: signal._id });
  return ok(
    stored && bson.bsonType(stored[READ_POSITION_FIELD]) === "Timestamp" ? stored[READ_POSITION_FIELD] : position,
  );
}

/** A part's sequence numbers as checkpointed: ranges used, and how far a run may have gone. */
export interface SequenceState {
  seqs?: [number, number][];
  reserved?: number;
}

/**
 * A run begins work on a part: numbers continue where the checkpoint left them, or, if an earlier
 * run may have used numbers past it (it died), in a new range after those. The returned state must
 * be checkpointed before the run puts anything; `reserved` then covers one chunk.
 */
export function beginSequence(state: SequenceState, chunkSize: number): { seqs: [number, number][]; reserved: number } {
  const seqs = (state.seqs || []).map((range) => [range[0], range[1]] as [number, number]);
  const end = seqs.length > 0 ? seqs[seqs.length - 1][1] : 0;
  const start = Math.max(end, typeof state.reserved === "number" ? state.reserved : 0);
  if (seqs.length === 0 || start > end) seqs.push([start, start]);
  return { seqs, reserved: start + chunkSize };
}

/** The numbering of one part's reads during a run. */
export class ReadSequence {
  private next: number;
  constructor(
    readonly id: string,
    readonly part: number,
    private readonly state: { seqs: [number, number][]; reserved: number },
  ) {
    this.next = state.seqs[state.seqs.length - 1][1];
  }

  /** The mark the next read would carry. */
  peek(): Document {
    return { id: this.id, part: this.part, seq: this.next };
  }

  /** The next read was built: its number is used. */
  take(): void {
    this.next++;
  }

  /**
   * The checkpoint after a put: numbers used up to `upTo`, and reserved as far as what is already
   * encoded plus `ahead` (a chunk's worth when the run will encode and put another chunk before its
   * next checkpoint).
   */
  checkpoint(upTo: number, ahead: number): { seqs: [number, number][]; reserved: number } {
    const seqs = this.state.seqs.slice();
    seqs[seqs.length - 1] = [seqs[seqs.length - 1][0], upTo];
    return { seqs, reserved: this.next + ahead };
  }

  /** How far the numbers of what has been encoded go. */
  get encoded(): number {
    return this.next;
  }
}

/**
 * A part's closing record: put after its last read, it tells the webhook how many reads to wait
 * for before it removes what the source no longer has.
 */
export function closingRecord(
  fields: { id: string; db: string; coll: string; part: number; parts: number; seqs: [number, number][] },
  readPosition: unknown,
  wallTime: Date,
  bson: BsonPort,
): KinesisRecord {
  const ranges = fields.seqs.filter((range) => range[1] > range[0]);
  let sent = 0;
  for (const range of ranges) sent += range[1] - range[0];
  const reconcile: ClosingFields = { id: fields.id, part: fields.part, parts: fields.parts, sent, ranges };
  const record = closingRecordDocument(reconcile, { db: fields.db, coll: fields.coll }, readPosition, wallTime);
  const data = canonicalEjson(record, bson);
  const partitionKey = partitionKeyFor(
    closingPartitionKey(fields.id, `${fields.db}.${fields.coll}`, fields.part),
    bson,
  );
  return { partitionKey, data, degraded: [], bytes: Buffer.byteLength(data, "utf8") + Buffer.byteLength(partitionKey) };
}
