import type { BodyStrategy } from "./delivery-body";

/**
 * The delivery body as Firehose writes it — `{"requestId":"…","timestamp":…,"records":[{"data":"…"},…]}`
 * — read straight from its bytes: the request id, the timestamp, and where each record's base64
 * text starts and ends.
 *
 * Why not JSON.parse: a 10,000-record body is 14 MB; decoding it into one string and parsing it
 * costs about a third of the per-record work, and its 10,000 long base64 strings stay alive for the
 * whole request, which makes every garbage collection in between copy them. Here each record's
 * base64 text is a slice of one Latin-1 copy of the body (see readDelivery).
 *
 * Anything outside this strict form (escapes, other keys, duplicate keys, other value types, a body
 * that is not JSON) returns undefined and the body goes to the next strategy, the full parse
 * (parse-delivery-body.ts), so the scanner can change how fast a body is read, never what it means.
 * Record data is not checked here: its base64 decoding (read-delivery.ts) rejects any byte outside
 * the alphabet, and a rejected record whose text is not plain (readsAsJson) falls back likewise.
 */
export interface ScannedDeliveryBody {
  readonly requestId: string;
  readonly timestamp?: number;
  /** Byte offsets of each record's data string contents, between the quotes: [start, end). */
  readonly dataStarts: number[];
  readonly dataEnds: number[];
}

const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const TILDE = 0x7e;

export function scanDeliveryBody(bytes: Buffer): ScannedDeliveryBody | undefined {
  const length = bytes.length;
  let pos = 0;
  // Offsets of the last string token's contents.
  let tokenStart = 0;
  let tokenEnd = 0;

  /** The next byte that is not JSON whitespace (pos left on it), or -1 at the end. */
  function peek(): number {
    while (pos < length) {
      const byte = bytes[pos];
      if (byte !== SPACE && byte !== LINE_FEED && byte !== CARRIAGE_RETURN && byte !== TAB) return byte;
      pos++;
    }
    return -1;
  }
  function take(byte: number): boolean {
    if (peek() !== byte) return false;
    pos++;
    return true;
  }
  /** A string token; an escaped quote ends it early, which the grammar or the base64 step then refuses. */
  function takeString(): boolean {
    if (!take(QUOTE)) return false;
    const end = bytes.indexOf(QUOTE, pos);
    if (end === -1) return false;
    tokenStart = pos;
    tokenEnd = end;
    pos = end + 1;
    return true;
  }
  function tokenIs(text: string): boolean {
    if (tokenEnd - tokenStart !== text.length) return false;
    for (let i = 0; i < text.length; i++) if (bytes[tokenStart + i] !== text.charCodeAt(i)) return false;
    return true;
  }
  function takeDigits(): boolean {
    const start = pos;
    while (pos < length && bytes[pos] >= ZERO && bytes[pos] <= NINE) pos++;
    return pos > start;
  }
  /** A JSON number token, by the JSON grammar, as the double JSON.parse would give. */
  function takeNumber(): number | undefined {
    if (peek() === -1) return undefined;
    const start = pos;
    if (bytes[pos] === MINUS) pos++;
    if (bytes[pos] === ZERO) pos++;
    else if (!takeDigits()) return undefined;
    if (bytes[pos] === DOT) {
      pos++;
      if (!takeDigits()) return undefined;
    }
    if (bytes[pos] === 0x65 /* e */ || bytes[pos] === 0x45 /* E */) {
      pos++;
      if (bytes[pos] === 0x2b /* + */ || bytes[pos] === MINUS) pos++;
      if (!takeDigits()) return undefined;
    }
    return Number(bytes.toString("latin1", start, pos));
  }

  let requestId: string | undefined;
  let timestamp: number | undefined;
  let dataStarts: number[] | undefined;
  let dataEnds: number[] | undefined;

  if (!take(OPEN_BRACE)) return undefined;
  do {
    if (!takeString() || !take(COLON)) return undefined;
    if (tokenIs("requestId") && requestId === undefined) {
      if (!takeString() || !isPlainText(bytes, tokenStart, tokenEnd)) return undefined;
      requestId = bytes.toString("latin1", tokenStart, tokenEnd);
    } else if (tokenIs("timestamp") && timestamp === undefined) {
      timestamp = takeNumber();
      if (timestamp === undefined) return undefined;
    } else if (tokenIs("records") && dataStarts === undefined) {
      dataStarts = [];
      dataEnds = [];
      if (!take(OPEN_BRACKET)) return undefined;
      if (peek() === CLOSE_BRACKET) pos++;
      else {
        do {
          if (!take(OPEN_BRACE) || !takeString() || !tokenIs("data") || !take(COLON) || !takeString()) return undefined;
          dataStarts.push(tokenStart);
          dataEnds.push(tokenEnd);
          if (!take(CLOSE_BRACE)) return undefined;
        } while (take(COMMA));
        if (!take(CLOSE_BRACKET)) return undefined;
      }
    } else {
      return undefined;
    }
  } while (take(COMMA));
  if (!take(CLOSE_BRACE) || peek() !== -1) return undefined;
  if (requestId === undefined || requestId.length === 0 || dataStarts === undefined || dataEnds === undefined)
    return undefined;
  return { requestId, timestamp, dataStarts, dataEnds };
}

/**
 * Printable ASCII without a backslash: the bytes of a JSON string token that are exactly the string
 * JSON.parse gives for it, read as Latin-1.
 */
export function isPlainText(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte < SPACE || byte > TILDE || byte === BACKSLASH) return false;
  }
  return true;
}

/**
 * The fast scan as a reading strategy. One Latin-1 string for the whole body, and each record's text
 * a slice of it (which V8 makes without copying), instead of 10,000 copied strings for the young
 * generation to collect. A scanned record's text is the JSON string only when every byte is printable
 * ASCII other than a backslash (isPlainText): valid base64 always is.
 */
export const scannedBody: BodyStrategy = (body) => {
  const scanned = scanDeliveryBody(body);
  if (!scanned) return undefined;
  const { dataStarts, dataEnds } = scanned;
  const text = body.toString("latin1");
  return {
    requestId: scanned.requestId,
    recordCount: dataStarts.length,
    dataOf: (index) => text.slice(dataStarts[index], dataEnds[index]),
    textLength: (index) => dataEnds[index] - dataStarts[index],
    readsAsJson: (index) => isPlainText(body, dataStarts[index], dataEnds[index]),
  };
};
