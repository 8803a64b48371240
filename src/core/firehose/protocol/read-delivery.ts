import { maxDecodedLength, writeRecordData, type DecodedRecord, type DecodedRecordBytes } from "./decode-record";
import { toError } from "../../errors";
import type { FirehoseConfig } from "../config";
import { admitDelivery } from "./admit-delivery";
import { decodeContent } from "./content-encoding";
import type { BodyStrategy, DeliveryBody } from "./delivery-body";
import { parsedBody } from "./parse-delivery-body";
import { headerLookup, type FirehoseDeliveryRequest } from "./request";
import { scannedBody } from "./scan-delivery-body";
import { firehoseErrors } from "../errors";

/**
 * Decodes a run of UTF-8 bytes to text in one call, throwing on any invalid sequence. Node hosts
 * have one (ICU's transcode, adapters/node/decode-utf8-run.ts), faster than decoding non-ASCII
 * records one by one (docs/benchmarks.md#2026-11-29-firehose-webhook); App Services has none, and the core then
 * decodes each record alone.
 */
export type StrictUtf8Decoder = (bytes: Buffer) => string;

/** A delivery body read, with every record's base64 decoded before anything is written. */
export interface Delivery extends DecodedRecordBytes {
  readonly requestId: string;
  readonly recordCount: number;
  /** The record's decoded bytes. */
  bytes(index: number): Buffer;
  /** The record's decoded size in bytes (0 when it has none). */
  byteLength(index: number): number;
}

/**
 * Reads a delivery request, every step in order, before anything is written: its headers and their
 * checks (admission, admit-delivery.ts), its content decoding (content-encoding.ts), its body (the
 * strategies below) and each record's base64. Any step that refuses throws a BridgeError whose kind
 * decides the answer. `answer.requestId` is the request id header's; when the header has none it is
 * set to the body's before the refusal, so the answer names the delivery.
 */
export async function readDeliveryRequest(
  request: FirehoseDeliveryRequest,
  answer: { requestId: string },
  config: Pick<FirehoseConfig, "accessKeys" | "maxBodyBytes">,
  decodeRun?: StrictUtf8Decoder,
): Promise<Delivery> {
  const admission = admitDelivery(request, config, { requireRequestId: false });
  if (!admission.ok) throw toError(admission.error);
  if (!request.body || request.body.length === 0) throw firehoseErrors.error("body_empty");
  const encoding = headerLookup(request.headers)("content-encoding");
  const delivery = readDelivery(await decodeContent(request.body, encoding, config.maxBodyBytes), decodeRun);
  if (answer.requestId === "") {
    answer.requestId = delivery.requestId;
    throw firehoseErrors.error("request_id_missing");
  }
  if (delivery.requestId !== answer.requestId) throw firehoseErrors.error("request_id_mismatch");
  return delivery;
}

/**
 * A decoded body (content encoding already undone) read by the first of the two strategies that is
 * sure of it: the fast scan of Firehose's own form (scannedBody), then the full parse (parsedBody),
 * which reads any JSON body and gives a malformed one its answer. Both give the same records.
 * Base64 is decoded for every record here, before the first write, so a switch from one strategy to
 * the next never happens halfway through a batch.
 *
 * All records decode into one buffer and are kept as offsets, rather than as 10,000 small buffers
 * that would all survive into the old generation of the garbage collector.
 */
export function readDelivery(body: Buffer, decodeRun?: StrictUtf8Decoder, runBytes = TEXT_RUN_BYTES): Delivery {
  const scanned = scannedBody(body);
  return (scanned && decodeAll(scanned, decodeRun, runBytes)) || decodeAll(parsedBody(body)!, decodeRun, runBytes)!;
}

/** One strategy's reading, or undefined when the body must go to the next. */
export function readDeliveryWith(
  strategy: BodyStrategy,
  body: Buffer,
  decodeRun?: StrictUtf8Decoder,
  runBytes = TEXT_RUN_BYTES,
): Delivery | undefined {
  const read = strategy(body);
  return read && decodeAll(read, decodeRun, runBytes);
}

/** The scanner's reading, or undefined when the body must go through JSON.parse. */
export function readScannedDelivery(body: Buffer, decodeRun?: StrictUtf8Decoder, runBytes = TEXT_RUN_BYTES) {
  return readDeliveryWith(scannedBody, body, decodeRun, runBytes);
}

/** JSON.parse's reading; its errors are the malformed-body answers. */
export function readParsedDelivery(body: Buffer, decodeRun?: StrictUtf8Decoder, runBytes = TEXT_RUN_BYTES): Delivery {
  return readDeliveryWith(parsedBody, body, decodeRun, runBytes)!;
}

/** Undefined when a record that is not base64 may read differently through JSON.parse. */
function decodeAll(
  body: DeliveryBody,
  decodeRun: StrictUtf8Decoder | undefined,
  runBytes: number,
): Delivery | undefined {
  const { requestId, recordCount, dataOf } = body;
  // Each record's bytes are followed by a NUL, which no valid JSON text contains: a run of records
  // decoded at once splits back into records at those NULs (see textsInRuns).
  let capacity = recordCount;
  for (let index = 0; index < recordCount; index++) capacity += maxDecodedLength(body.textLength(index));
  const bytes = Buffer.allocUnsafe(capacity);
  const starts: number[] = [];
  const ends: number[] = [];
  // Records the base64 step settled (empty or rejected), by index; most batches have none.
  const settled = new Map<number, DecodedRecord>();
  let offset = 0;
  for (let index = 0; index < recordCount; index++) {
    const outcome = writeRecordData(dataOf(index), index, bytes, offset);
    starts.push(offset);
    if (typeof outcome === "number") offset += outcome;
    else {
      if (outcome.kind === "rejected" && outcome.refusal.code === "not_base64" && !body.readsAsJson(index))
        return undefined;
      settled.set(index, outcome);
    }
    ends.push(offset);
    bytes[offset++] = 0;
  }
  return {
    requestId,
    recordCount,
    settled: (index) => settled.get(index),
    utf8Text: decodeRun
      ? textsInRuns(bytes, starts, ends, decodeRun, runBytes)
      : (index) => strictUtf8(bytes, starts[index], ends[index]),
    bytes: (index) => bytes.subarray(starts[index], ends[index]),
    byteLength: (index) => ends[index] - starts[index],
    rawData: dataOf,
  };
}

/** Decoded text goes in runs of records of up to about this many bytes (one record at least). */
export const TEXT_RUN_BYTES = 1024 * 1024;

/**
 * Record texts decoded a run of records at a time, for records read in index order. A run that is
 * not valid UTF-8, or holds a NUL inside a record, does not split into its records; its records are
 * then decoded one by one, which also finds the invalid ones.
 */
function textsInRuns(
  bytes: Buffer,
  starts: number[],
  ends: number[],
  decodeRun: StrictUtf8Decoder,
  runBytes: number,
): (index: number) => string | undefined {
  let first = 0;
  let texts: (string | undefined)[] = [];
  return (index) => {
    if (index < first || index >= first + texts.length) {
      let last = index;
      while (last + 1 < starts.length && ends[last + 1] - starts[index] <= runBytes) last++;
      first = index;
      texts = splitRun(bytes.subarray(starts[index], ends[last] + 1), last - index + 1, decodeRun);
    }
    const text = texts[index - first];
    return text !== undefined ? text : strictUtf8(bytes, starts[index], ends[index]);
  };
}

function splitRun(run: Buffer, records: number, decodeRun: StrictUtf8Decoder): (string | undefined)[] {
  let parts: string[] | undefined;
  try {
    parts = decodeRun(run).split("\0");
  } catch {
    parts = undefined;
  }
  // Every record ends with its NUL, so a clean run has one (empty) part more than it has records.
  if (parts === undefined || parts.length !== records + 1) return new Array<undefined>(records);
  parts.pop();
  return parts;
}

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
function strictUtf8(bytes: Buffer, start: number, end: number): string | undefined {
  const text = bytes.toString("utf8", start, end);
  // Invalid UTF-8 decodes to U+FFFD; re-encoding tells a genuine U+FFFD from a replaced byte.
  if (text.indexOf("\uFFFD") !== -1 && !Buffer.from(text, "utf8").equals(bytes.subarray(start, end))) return undefined;
  return text;
}
