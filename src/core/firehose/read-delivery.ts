import { maxDecodedLength, NOT_BASE64, writeRecordData, type DecodedRecord, type DecodedRecordBytes } from "./decode-record";
import { parseDeliveryBody } from "./request";
import { isPlainText, scanDeliveryBody } from "./scan-delivery-body";

/** A delivery body read, with every record's base64 decoded before anything is written. */
export interface Delivery extends DecodedRecordBytes {
  readonly requestId: string;
  readonly recordCount: number;
  /** The record's decoded size in bytes (0 when it has none). */
  byteLength(index: number): number;
}

/**
 * Reads the body with the scanner when it has Firehose's own form and with JSON.parse otherwise
 * (which also produces every error message for a malformed body). Both give the same records:
 * a scanned record's text is its bytes read as Latin-1, which is the JSON string only when every
 * byte is printable ASCII other than a backslash. Valid base64 guarantees that; a record that fails
 * to decode and holds any other byte sends the whole body to JSON.parse. Base64 is decoded for
 * every record here, before the first write, so that switch never happens halfway through a batch.
 *
 * All records decode into one buffer and are kept as offsets, rather than as 10,000 small buffers
 * that would all survive into the old generation of the garbage collector.
 */
export function readDelivery(body: Buffer): Delivery {
  return readScannedDelivery(body) || readParsedDelivery(body);
}

/** The scanner's reading, or undefined when the body must go through JSON.parse. */
export function readScannedDelivery(body: Buffer): Delivery | undefined {
  const scanned = scanDeliveryBody(body);
  if (!scanned) return undefined;
  const { dataStarts, dataEnds } = scanned;
  // One Latin-1 string for the whole body, and each record's text a slice of it (which V8 makes
  // without copying), instead of 10,000 copied strings for the young generation to collect.
  const text = body.toString("latin1");
  const dataOf = (index: number): string => text.slice(dataStarts[index], dataEnds[index]);
  return decodeAll(scanned.requestId, dataStarts.length, dataOf, {
    textLength: (index) => dataEnds[index] - dataStarts[index],
    readsAsJson: (index) => isPlainText(body, dataStarts[index], dataEnds[index]),
  });
}

/** JSON.parse's reading; its errors are the malformed-body answers. */
export function readParsedDelivery(body: Buffer): Delivery {
  const parsed = parseDeliveryBody(body.toString("utf8"));
  const dataOf = (index: number): unknown => {
    const record: unknown = parsed.records[index];
    return record !== null && typeof record === "object" ? (record as { data?: unknown }).data : undefined;
  };
  const textLength = (index: number): number => {
    const data = dataOf(index);
    return typeof data === "string" ? data.length : 0;
  };
  return decodeAll(parsed.requestId, parsed.records.length, dataOf, { textLength, readsAsJson: () => true })!;
}

/** Undefined when a record that is not base64 may read differently through JSON.parse. */
function decodeAll(
  requestId: string,
  recordCount: number,
  dataOf: (index: number) => unknown,
  texts: { textLength: (index: number) => number; readsAsJson: (index: number) => boolean },
): Delivery | undefined {
  let capacity = 0;
  for (let index = 0; index < recordCount; index++) capacity += maxDecodedLength(texts.textLength(index));
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
      if (outcome.kind === "rejected" && outcome.reason === NOT_BASE64 && !texts.readsAsJson(index)) return undefined;
      settled.set(index, outcome);
    }
    ends.push(offset);
  }
  return {
    requestId,
    recordCount,
    settled: (index) => settled.get(index),
    text: (index) => bytes.toString("utf8", starts[index], ends[index]),
    bytes: (index) => bytes.subarray(starts[index], ends[index]),
    byteLength: (index) => ends[index] - starts[index],
    rawData: dataOf,
  };
}
