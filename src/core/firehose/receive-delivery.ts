import type { BsonPort } from "../bson-port";
import { chunkEnd } from "../chunk";
import { describeError, statusForKind } from "../errors";
import type { Clock, DataSourcePort, Document, Logger } from "../ports";
import type { FirehoseConfig } from "./config";
import { parseRecord, type DocumentRecord } from "./protocol/decode-record";
import { readDeliveryRequest, type Delivery, type StrictUtf8Decoder } from "./protocol/read-delivery";
import type { DeliveryObserver, DeliveryReport } from "./delivery-report";
import { headerLookup, type FirehoseDeliveryRequest } from "./protocol/request";
import { firehoseResponse, type FirehoseDeliveryResponse } from "./protocol/response";
import type { Refusal } from "./dead-letters/dead-letter-reasons";
import { deadLetter, deadLetterStore, type RefusedRecord } from "./dead-letters/dead-letters";
import { emptyReconcileBatch, type ReconcileBatch } from "./reconcile/reconcile-batch";
import { settleReconciles } from "./reconcile/sweep";
import { firehoseErrors } from "./errors";

export interface FirehoseDeliveryDeps {
  readonly config: FirehoseConfig;
  readonly dataSource: DataSourcePort;
  readonly bson: BsonPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the host has one (Node), decodes many records' UTF-8 in one call; see read-delivery.ts. */
  readonly decodeUtf8Run?: StrictUtf8Decoder;
  /** Told what each delivery did (metrics); optional. */
  readonly observer?: DeliveryObserver;
  /** Plans and writes each chunk of decoded records: see ApplyRecords. */
  readonly applyRecords: ApplyRecords;
}

/**
 * The step that plans and writes one chunk of a delivery's decoded records. It is called once per
 * chunk, in order, and plans at once (while the previous chunk is still being written); the
 * function it returns writes, and is called once the previous chunk's writes are done. Every host
 * but App Services runs it in its own process (apply/apply-records.ts, applyRecordsInProcess); the
 * App Services webhook hands each chunk to the function applyFirehoseRecords
 * (records-handoff.ts; docs/webhook.md#on-app-services), which keeps each built function under
 * its size budget.
 */
export type ApplyRecords = (
  records: readonly DocumentRecord[],
  delivery: DeliveryInProgress,
  deps: ApplyDeps,
) => () => Promise<RecordsApplied>;

/** The delivery a chunk is of: its request id, and its reconcile notes (filled chunk by chunk, settled at the end). */
export interface DeliveryInProgress {
  readonly requestId: string;
  readonly reconcile: ReconcileBatch;
}

/** What one chunk's writes did. Refused records are dead-lettered after the delivery's writes. */
export interface RecordsApplied {
  stored: number;
  stale: number;
  superseded: number;
  heartbeats: number;
  basicJson: number;
  refused: { index: number; refusal: Refusal }[];
}

/**
 * Records decoded and written per step (see applyDelivery), bounded by count and by decoded bytes.
 * Small steps keep the documents alive at any moment few, which is what the garbage collector's
 * young-generation collections pay for (docs/benchmarks.md#2026-11-29-firehose-webhook says by how much), and 40 bulk
 * writes per 10,000 records is still a small number of round trips.
 */
export const WRITE_CHUNK_RECORDS = 250;
export const WRITE_CHUNK_BYTES = 2 * 1024 * 1024;

interface Outcome extends ApplyCounts {
  requestId: string;
  sourceArn?: string;
}

/**
 * The Firehose HTTP endpoint protocol, transport-free: one delivery in, one Firehose response out.
 * It answers 200 only after every record is durably written or dead-lettered; any other answer makes
 * Firehose retry the same batch (same request id), which the writes are built to absorb.
 */
export async function receiveFirehoseDelivery(
  request: FirehoseDeliveryRequest,
  deps: FirehoseDeliveryDeps,
): Promise<FirehoseDeliveryResponse> {
  const started = deps.clock.now();
  const header = headerLookup(request.headers);
  const outcome: Outcome = {
    requestId: header("x-amz-firehose-request-id") || "",
    sourceArn: header("x-amz-firehose-source-arn"),
    ...emptyCounts(),
  };
  let response: FirehoseDeliveryResponse;
  try {
    // Read (headers, admission, content decoding, body: protocol/read-delivery.ts), then applied.
    const delivery = await readDeliveryRequest(request, outcome, deps.config, deps.decodeUtf8Run);
    await applyDelivery(delivery, deps, outcome, outcome.sourceArn);
    response = firehoseResponse(200, outcome.requestId, deps.clock.now());
    deps.logger.info(logLine(outcome, 200, "accepted", deps.clock.now() - started));
  } catch (error) {
    // Unexpected errors may carry driver text; the response gets a stable message, the log the detail.
    const failure = firehoseErrors.as(error, "unexpected");
    const status = statusForKind[failure.kind];
    const line = {
      ...logLine(outcome, status, failure.kind, deps.clock.now() - started),
      code: failure.code,
      error: describeError(error),
    };
    if (status >= 500) deps.logger.error(line);
    else deps.logger.warn(line);
    response = firehoseResponse(status, outcome.requestId, deps.clock.now(), failure.message);
  }
  if (deps.observer)
    deps.observer.delivered(report(response.status, outcome, deps.clock.now() - started, request.body));
  return response;
}

function report(status: number, outcome: Outcome, durationMs: number, body: Uint8Array | undefined): DeliveryReport {
  const acknowledged = status === 200;
  const count = (n: number) => (acknowledged ? n : 0);
  return {
    status,
    durationMs,
    bodyBytes: body ? body.length : 0,
    records: {
      stored: count(outcome.stored),
      dead_lettered: count(outcome.deadLettered),
      empty: count(outcome.empty),
      superseded: count(outcome.superseded),
      stale: count(outcome.stale),
    },
  };
}

/** What applying a delivery did, record by record (also the request's log line). */
export interface ApplyCounts {
  records: number;
  stored: number;
  stale: number;
  heartbeats: number;
  superseded: number;
  empty: number;
  deadLettered: number;
  /** Change events in basicJson (types lost by their producer), applied as they are. */
  basicJson: number;
  /** Reconcile sweeps this delivery completed, and the documents they removed (see reconcile.ts). */
  sweeps: number;
  swept: number;
}

export type ApplyDeps = Pick<FirehoseDeliveryDeps, "config" | "dataSource" | "bson" | "clock" | "applyRecords"> & {
  readonly logger?: Logger;
};

export function emptyCounts(): ApplyCounts {
  return {
    records: 0,
    stored: 0,
    stale: 0,
    heartbeats: 0,
    superseded: 0,
    empty: 0,
    deadLettered: 0,
    basicJson: 0,
    sweeps: 0,
    swept: 0,
  };
}

/**
 * The core's second step, after the protocol's checks: every record of a read delivery written or
 * dead-lettered. It needs no access key and no HTTP: the S3-backup replay calls it directly. Throws
 * a BridgeError ("unavailable") when the database fails; nothing is then acknowledged.
 *
 * Records are decoded, then planned and written (deps.applyRecords), in chunks one after another:
 * a later chunk's write of an _id lands after an earlier one (so the last record still wins), and
 * only two chunks of documents are alive at a time (one being written while the next is decoded),
 * which keeps memory and garbage-collection cost flat for 10,000-record batches. Dead letters are
 * written once every chunk is, and a reconcile's marks and closings after them (reconcile/sweep.ts).
 */
export async function applyDelivery(
  delivery: Delivery,
  deps: ApplyDeps,
  counts: ApplyCounts = emptyCounts(),
  sourceArn?: string,
): Promise<ApplyCounts> {
  counts.records = delivery.recordCount;
  const refused: RefusedRecord[] = [];
  const inProgress: DeliveryInProgress = { requestId: delivery.requestId, reconcile: emptyReconcileBatch() };
  let pending: Promise<void> = Promise.resolve();
  const limits = { maxCount: WRITE_CHUNK_RECORDS, maxBytes: WRITE_CHUNK_BYTES };
  for (let start = 0, end = 0; start < delivery.recordCount; start = end) {
    end = chunkEnd(start, delivery.recordCount, limits, (index) => delivery.byteLength(index));
    const documents = decodeChunk(delivery, start, end, deps.bson, counts, refused);
    const write = deps.applyRecords(documents, inProgress, deps);
    await pending;
    // Started once this loop waits (after the next chunk is decoded and planned), as before the split.
    pending = Promise.resolve()
      .then(write)
      .then((applied) => {
        addApplied(counts, applied);
        for (const { index, refusal } of applied.refused)
          refused.push({ index, refusal, data: delivery.rawData(index) });
      });
  }
  await pending;
  await finishDelivery(refused, inProgress, deps, counts, sourceArn);
  return counts;
}

/** The chunk's records decoded: its documents returned, the empty ones counted, the refused ones kept. */
function decodeChunk(
  delivery: Delivery,
  start: number,
  end: number,
  bson: BsonPort,
  counts: ApplyCounts,
  refused: RefusedRecord[],
): DocumentRecord[] {
  const documents: DocumentRecord[] = [];
  for (let index = start; index < end; index++) {
    const record = parseRecord(delivery, index, bson);
    if (record.kind === "rejected") refused.push({ index, refusal: record.refusal, data: record.data });
    else if (record.kind === "empty") counts.empty++;
    else documents.push(record);
  }
  return documents;
}

function addApplied(counts: ApplyCounts, applied: RecordsApplied): void {
  counts.stored += applied.stored;
  counts.stale += applied.stale;
  counts.superseded += applied.superseded;
  counts.heartbeats += applied.heartbeats;
  counts.basicJson += applied.basicJson;
}

/** After every chunk's writes: the dead letters, then the reconciles' marks, closings and sweeps. */
async function finishDelivery(
  refused: RefusedRecord[],
  delivery: DeliveryInProgress,
  deps: ApplyDeps,
  counts: ApplyCounts,
  sourceArn: string | undefined,
): Promise<void> {
  const { config } = deps;
  refused.sort((a, b) => a.index - b.index);
  const origin = { requestId: delivery.requestId, sourceArn, receivedAt: new Date(deps.clock.now()) };
  await deadLetterStore(deps.dataSource, config).record(refused.map((record) => deadLetter(record, origin)));
  counts.deadLettered = refused.length;
  counts.stored += delivery.reconcile.accepted;
  const sweeps = await settleReconciles(delivery.reconcile, {
    reconciles: deps.dataSource.db(config.database).collection(config.reconcileCollection),
    deletes: deps.dataSource.db(config.database).collection(config.deletesCollection),
    dataSource: deps.dataSource,
    now: deps.clock.now(),
    logger: deps.logger,
  });
  for (const sweep of sweeps) {
    counts.sweeps++;
    counts.swept += sweep.removed;
  }
}

function logLine(outcome: Outcome, status: number, result: string, durationMs: number): Document {
  return { msg: "firehose delivery", ...outcome, status, outcome: result, durationMs };
}
