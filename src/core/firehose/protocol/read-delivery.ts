import { maxDecodedLength, writeRecordData, type DecodedRecord, type DecodedRecordBytes } from "./decode-record";
import { parseDeliveryBody } from "./request";
import { isPlainText, scanDeliveryBody } from "./scan-delivery-body";

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
export function readDelivery(body: Buffer, decodeRun?: StrictUtf8Decoder, runBytes = TEXT_RUN_BYTES): Delivery {
  return readScannedDelivery(body, decodeRun, runBytes) || readParsedDelivery(body, decodeRun, runBytes);
}

/** The scanner's reading, or undefined when the body must go through JSON.parse. */
export function readScannedDelivery(
  body: Buffer,
  decodeRun?: StrictUtf8Decoder,
  runBytes = TEXT_RUN_BYTES,
): Delivery | undefined {
  const scanned = scanDeliveryBody(body);
  if (!scanned) return undefined;
  const { dataStarts, dataEnds } = scanned;
  // One Latin-1 string for the whole body, and each record's text a slice of it (which V8 makes
  // without copying), instead of 10,000 copied strings for the young generation to collect.
  const text = body.toString("latin1");
  const dataOf = (index: number): string => text.slice(dataStarts[index], dataEnds[index]);
  return decodeAll(scanned.requestId, dataStarts.length, dataOf, decodeRun, runBytes, {
    textLength: (index) => dataEnds[index] - dataStarts[index],
    readsAsJson: (index) => isPlainText(body, dataStarts[index], dataEnds[index]),
  });
}

/** JSON.parse's reading; its errors are the malformed-body answers. */
export function readParsedDelivery(body: Buffer, decodeRun?: StrictUtf8Decoder, runBytes = TEXT_RUN_BYTES): Delivery {
  const parsed = parseDeliveryBody(body.toString("utf8"));
  const dataOf = (index: number): unknown => {
    const record: unknown = parsed.records[index];
    return record !== null && typeof record === "object" ? (record as { data?: unknown }).data : undefined;
  };
  const textLength = (index: number): number => {
    const data = dataOf(index);
    return typeof data === "string" ? data.length : 0;
  };
  return decodeAll(parsed.requestId, parsed.records.length, dataOf, decodeRun, runBytes, {
    textLength,
    readsAsJson: () => true,
  })!;
}

/** Undefined when a record that is not base64 may read differently through JSON.parse. */
function decodeAll(
  requestId: string,
  recordCount: number,
  dataOf: (index: number) => unknown,
  decodeRun: StrictUtf8Decoder | undefined,
  runBytes: number,
  texts: { textLength: (index: number) => number; readsAsJson: (index: number) => boolean },
): Delivery | undefined {
  // Each record's bytes are followed by a NUL, which no valid JSON text contains: a run of records
  // decoded at once splits back into records at those NULs (see textsInRuns).
  let capacity = recordCount;
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
      if (outcome.kind === "rejected" && outcome.refusal.code === "not_base64" && !texts.readsAsJson(index))
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
