import { canonicalEjson } from "../../canonical-ejson";
import { describeError } from "../../errors";
import { idKey } from "../../id-key";
import { chunksOf } from "../../chunk";
import { KinesisError, kinesisEntry, type KinesisRecordEntry } from "../../kinesis/port";
import {
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_ENTRIES,
  putAllRecords,
  putRecordsEntryBytes,
  RetryExhaustedError,
} from "../../kinesis/put-records";
import type { Document } from "../../ports";
import { PRODUCER_EXTRAS_FIELD } from "../../stream-format/record-field";
import { buildKinesisRecord, RecordTooLargeError, type KinesisRecord } from "../publish/kinesis-record";
import { enqueue } from "../outbox/outbox";
import { afterChunk, nextChunkQuery, type IdBounds, type ReadPoint } from "./read-order";
import { beginSequence, closingRecord, ReadSequence, type SequenceState } from "./reconcile";
import { shapeSnapshotRead, snapshotReadFilter } from "../shaping/shape-event";
import { splitNamespace, type SnapshotDeps, type Tally } from "./snapshot-signal";

/*
 * The work of a snapshot run on one collection or one planned range: read it in `_id` order in
 * chunks (read-order.ts), encode each chunk's `read` change events, put them with PutRecords
 * (failed entries retried, then outboxed), and checkpoint after every chunk's put, in order.
 * Reading and encoding the next chunk overlap the puts in flight (the stream is another process).
 */

/** How many chunks' PutRecords calls a run with one worker keeps in flight (several workers keep one each). */
export const PUTS_IN_FLIGHT = 4;

/** Where a collection's or a range's read stands, as its checkpoint keeps it. */
export interface ReadProgress extends SequenceState {
  lastId?: unknown;
  /** Set when the read stands at the start of a type group (see read-order.ts). */
  next?: number | null;
  count: number;
  done: boolean;
}

/** What every read of a snapshot carries: its read position, and for a reconcile its part's numbering. */
export interface ReadStamp {
  readonly clusterTime?: unknown;
  readonly sequence?: ReadSequence;
}

export interface ReadsToPublish {
  readonly signalId: unknown;
  readonly namespace: string;
  readonly bounds: IdBounds;
  /** Updated after every chunk's put, before `save` writes it. */
  readonly progress: ReadProgress;
  readonly stamp: ReadStamp;
  /**
   * Chunks put at once. A reconcile's numbers must be reserved for this many chunks before the
   * first put (beginSequence); after that every checkpoint reserves what is encoded.
   */
  readonly putsInFlight: number;
  /** Checked before every read: true stops the work (the deadline is near). */
  readonly stop: () => boolean;
  /** Writes the progress; false when the run may no longer write it (its lease was lost). */
  readonly save: () => Promise<boolean>;
}

/** Read chunk, its put, and what its checkpoint records. */
interface ChunkInFlight {
  readonly put: Promise<void>;
  readonly point: ReadPoint;
  readonly count: number;
  /** How far the part's sequence numbers went with this chunk. */
  readonly numbered: number;
}

/**
 * Publishes the reads from `progress` on: "done" when everything is read, put and checkpointed;
 * "stopped" at the deadline (every chunk read is put and checkpointed); "lost" when a checkpoint
 * found the lease gone (the puts already begun finish, nothing more is put or written).
 */
export async function publishReads(
  reads: ReadsToPublish,
  deps: SnapshotDeps,
  run: Tally,
): Promise<"done" | "stopped" | "lost"> {
  const { progress, stamp } = reads;
  const sequence = stamp.sequence;
  const [db, coll] = splitNamespace(reads.namespace);
  const chunkSize = deps.config.snapshotChunkSize;
  // The capture list's match goes into every chunk's query: the database applies it (read-order.ts's
  // bounds hold whatever the filter, since they only look at the documents a query returns).
  const match = snapshotReadFilter(db, coll, deps.config, deps.bson);
  const inFlight: ChunkInFlight[] = [];
  // The oldest chunk's put finishes, then its checkpoint; a chunk's put begins only after the
  // checkpoint before it has reserved its numbers.
  const settleOldest = async (): Promise<boolean> => {
    const chunk = inFlight.shift() as ChunkInFlight;
    await chunk.put;
    progress.lastId = chunk.point.lastId;
    progress.next = chunk.point.next === undefined ? null : chunk.point.next;
    progress.count += chunk.count;
    if (sequence) Object.assign(progress, sequence.checkpoint(chunk.numbered, 0));
    return reads.save();
  };
  const settleAll = async (): Promise<boolean> => {
    while (inFlight.length > 0) if (!(await settleOldest())) return false;
    return true;
  };
  const abandon = async (): Promise<"lost"> => {
    await Promise.all(inFlight.map((chunk) => chunk.put.catch(() => undefined)));
    return "lost";
  };
  let point: ReadPoint = { lastId: progress.lastId, next: progress.next };
  let readAll = false;
  for (;;) {
    if (reads.stop()) return (await settleAll()) ? "stopped" : abandon();
    const query = readAll ? undefined : nextChunkQuery(reads.bounds, point, deps.bson);
    if (query === undefined) return (await settleAll()) ? "done" : abandon();
    const found = await deps.dataSource
      .db(db)
      .collection(coll)
      .find(withMatch(query.filter, match))
      .sort({ _id: 1 })
      .limit(chunkSize)
      .toArray();
    const step = afterChunk(reads.bounds, point, query, found, chunkSize, deps.bson);
    point = step.point;
    readAll = step.done;
    if (step.documents.length === 0) continue; // where the read stands moves with the next chunk's checkpoint
    const records = await encodeChunk(step.documents, db, coll, String(reads.signalId), deps, run, stamp);
    while (inFlight.length >= reads.putsInFlight) if (!(await settleOldest())) return abandon();
    const put = putChunk(records, db, coll, deps, run);
    put.catch(() => undefined); // awaited when settled; this only keeps it from counting as unhandled meanwhile
    inFlight.push({ put, point, count: step.documents.length, numbered: sequence ? sequence.encoded : 0 });
  }
}

/** A collection (one worker) or a planned range (see parallel-snapshot.ts) to publish to its end. */
export interface PartToPublish extends Omit<ReadsToPublish, "stamp"> {
  /** The snapshot's read position, carried by every read (reconcile.ts). */
  readonly position: unknown;
  /** For a reconcile: its id, which part of its collection this is, and of how many parts. */
  readonly reconcile?: { readonly id: string; readonly part: number; readonly parts: number };
  /** Where the part's numbers stood when this run took it (the saved progress, or the planned range). */
  readonly taken: SequenceState;
}

/**
 * Publishes a part from where it stands: a reconcile's numbers begun (and saved before anything is
 * put, so a run that dies leaves them reserved), its reads published, its closing put, then the part
 * saved as done. Returns what publishReads returned, or "lost" when a save found the part taken.
 */
export async function publishPart(
  part: PartToPublish,
  deps: SnapshotDeps,
  run: Tally,
  closings: Tally,
): Promise<"done" | "stopped" | "lost"> {
  const { progress, reconcile } = part;
  let sequence: ReadSequence | undefined;
  if (reconcile) {
    const begun = beginSequence(part.taken, deps.config.snapshotChunkSize * part.putsInFlight);
    Object.assign(progress, begun);
    if (!(await part.save())) return "lost";
    sequence = new ReadSequence(reconcile.id, reconcile.part, begun);
  }
  const reads = { ...part, stamp: { clusterTime: part.position, sequence } };
  const outcome = await publishReads(reads, deps, run);
  if (outcome !== "done") return outcome;
  if (reconcile) {
    const [db, coll] = splitNamespace(part.namespace);
    const closing = {
      id: reconcile.id,
      db,
      coll,
      part: reconcile.part,
      parts: reconcile.parts,
      seqs: progress.seqs || [],
    };
    await putClosing(closing, part.position, deps, closings);
  }
  progress.done = true;
  await part.save();
  return "done";
}

function withMatch(filter: Document, match: Document | undefined): Document {
  if (!match) return filter;
  return Object.keys(filter).length === 0 ? match : { $and: [filter, match] };
}

/** A chunk's `read` change events as Kinesis records; one too large even alone goes to the outbox (permanent). */
async function encodeChunk(
  documents: Document[],
  db: string,
  coll: string,
  signalId: string,
  deps: SnapshotDeps,
  run: Tally,
  stamp: ReadStamp,
): Promise<{ record: KinesisRecord; id: string }[]> {
  const wallTime = new Date(deps.clock.now());
  const records: { record: KinesisRecord; id: string }[] = [];
  for (const document of documents) {
    const event = shapeSnapshotRead(document, db, coll, wallTime, deps.config, deps.bson);
    if (stamp.clusterTime !== undefined) event.clusterTime = stamp.clusterTime;
    if (stamp.sequence)
      event[PRODUCER_EXTRAS_FIELD] = { ...event[PRODUCER_EXTRAS_FIELD], reconcile: stamp.sequence.peek() };
    const id = `snapshot:${signalId}:${db}.${coll}:${idKey(document._id, deps.bson)}`;
    try {
      records.push({ record: buildKinesisRecord(event, deps.config, deps.bson), id });
      // Only a record that will be put takes a sequence number (not one too large even alone).
      if (stamp.sequence) stamp.sequence.take();
    } catch (error) {
      if (!(error instanceof RecordTooLargeError)) throw error;
      await enqueue(deps.outbox, {
        _id: id,
        partitionKey: "",
        data: canonicalEjson(event, deps.bson),
        operationType: "read",
        ns: `${db}.${coll}`,
        enqueuedAt: wallTime,
        attempts: 0,
        lastError: error.message,
        permanent: true,
      });
      run.outboxed++;
    }
  }
  return records;
}

/** Puts a chunk's records with PutRecords, split by count and request size. */
async function putChunk(
  records: { record: KinesisRecord; id: string }[],
  db: string,
  coll: string,
  deps: SnapshotDeps,
  run: Tally,
): Promise<void> {
  // Split by the PutRecords request size too, not only by count (a record knows its bytes: data plus key).
  const limits = { maxCount: PUT_RECORDS_MAX_ENTRIES, maxBytes: PUT_RECORDS_MAX_BYTES };
  const size = ({ record }: { record: KinesisRecord }) => {
    const keyBytes = Buffer.byteLength(record.partitionKey, "utf8");
    return putRecordsEntryBytes(record.bytes - keyBytes, keyBytes);
  };
  for (const batch of chunksOf(records, limits, size)) await putOrOutbox(batch, db, coll, deps, run);
}

/** Puts a part's closing record (retried, then outboxed like any record). */
export async function putClosing(
  closing: { id: string; db: string; coll: string; part: number; parts: number; seqs: [number, number][] },
  position: unknown,
  deps: SnapshotDeps,
  tally: Tally,
): Promise<void> {
  const record = closingRecord(closing, position, new Date(deps.clock.now()), deps.bson);
  const outboxId = `reconcile:${closing.id}:${closing.db}.${closing.coll}:${closing.part}`;
  await putOrOutbox([{ record, id: outboxId }], closing.db, closing.coll, deps, tally, "reconcile");
}

/** PutRecords with the shared sender (bounded, jittered retries of what failed); what it could not put goes to the outbox. */
async function putOrOutbox(
  batch: { record: KinesisRecord; id: string }[],
  db: string,
  coll: string,
  deps: SnapshotDeps,
  run: Tally,
  operationType = "read",
): Promise<void> {
  const entries: KinesisRecordEntry[] = batch.map(({ record }) => kinesisEntry(record));
  try {
    await putAllRecords(entries, {
      kinesis: deps.kinesis,
      policy: deps.config,
      sleep: deps.sleep,
      random: deps.random,
    });
    run.published += batch.length;
    return;
  } catch (error) {
    if (!(error instanceof RetryExhaustedError)) throw error;
    const lastError = error.cause instanceof KinesisError ? error.cause.code : describeError(error.cause);
    const left = batch.filter((_, i) => !error.delivered[i]);
    run.published += batch.length - left.length;
    for (const { record, id } of left) {
      await enqueue(deps.outbox, {
        _id: id,
        partitionKey: record.partitionKey,
        data: record.data,
        operationType,
        ns: `${db}.${coll}`,
        enqueuedAt: new Date(deps.clock.now()),
        attempts: error.attempts,
        lastError,
      });
      run.outboxed++;
    }
    deps.logger.warn({
      msg: "snapshot records sent to the outbox",
      ns: `${db}.${coll}`,
      count: left.length,
      reason: lastError,
    });
  }
}
