import { createGunzip } from "zlib";
import { BridgeError, failure, toError, type Failure } from "../../errors";

/** Header values as hosts hand them over: plain strings (Node, Lambda) or arrays (App Services). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One Firehose delivery as every host can describe it, transport removed. */
export interface FirehoseDeliveryRequest {
  readonly method: string;
  readonly headers: HeaderBag;
  /** Raw body bytes, still compressed if Content-Encoding says so. */
  readonly body: Uint8Array | undefined;
}

export interface FirehoseRecord {
  readonly data?: unknown;
}

export interface FirehoseBody {
  readonly requestId: string;
  readonly timestamp?: number;
  readonly records: readonly FirehoseRecord[];
}

/** Header lookup by case-insensitive name; array values (App Services) yield their first element. */
export function headerLookup(headers: HeaderBag | undefined): (name: string) => string | undefined {
  const byLowerName = new Map<string, string>();
  if (headers && typeof headers === "object") {
    for (const name of Object.keys(headers)) {
      const raw = headers[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (typeof value === "string" && !byLowerName.has(name.toLowerCase())) byLowerName.set(name.toLowerCase(), value);
    }
  }
  return (name) => byLowerName.get(name.toLowerCase());
}

/**
 * Undoes Content-Encoding, refusing to inflate beyond `maxBytes` (a gzip bomb stops there, and the
 * stream is destroyed rather than drained). Only gzip is defined for Firehose.
 */
export async function decodeContent(
  body: Uint8Array,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding || "").trim().toLowerCase();
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length > maxBytes) throw toError(tooLarge(bytes.length, maxBytes, "received"));
  if (encoding === "" || encoding === "identity") return bytes;
  if (encoding !== "gzip") {
    throw new BridgeError(
      "content_encoding_unsupported",
      `unsupported Content-Encoding "${encoding.slice(0, 40)}"; only gzip is accepted`,
    );
  }
  return gunzipBounded(bytes, maxBytes);
}

function gunzipBounded(input: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    gunzip.on("data", (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) {
        settled = true;
        gunzip.destroy();
        reject(toError(tooLarge(total, maxBytes, "decompressed (at least)")));
        return;
      }
      chunks.push(chunk);
    });
    gunzip.on("error", (error: Error) => {
      if (settled) return;
      settled = true;
      reject(new BridgeError("gzip_invalid", `gzip body cannot be decompressed: ${error.message}`));
    });
    gunzip.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    gunzip.end(input);
  });
}

/** `what`: how the size is known ("received", "declared", "decompressed (at least)"). */
export function tooLarge(size: number, maxBytes: number, what: string): Failure {
  return failure(
    "body_too_large",
    `request body is ${size} bytes ${what}, above this host's limit of ${maxBytes}; lower the delivery stream's buffering size`,
  );
}

/** Parses and checks the delivery body's shape. Individual records are checked later, one by one. */
export function parseDeliveryBody(text: string): FirehoseBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the body; record contents never go into a response or a log.
    throw new BridgeError("body_invalid", "body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BridgeError("body_invalid");
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body.requestId !== "string" || body.requestId.length === 0) {
    throw new BridgeError("body_invalid", "body.requestId must be a non-empty string");
  }
  if (!Array.isArray(body.records)) throw new BridgeError("body_invalid", "body.records must be an array");
  if (body.timestamp !== undefined && typeof body.timestamp !== "number") {
    throw new BridgeError("body_invalid", "body.timestamp must be a number of milliseconds");
  }
  return {
    requestId: body.requestId,
    timestamp: body.timestamp as number | undefined,
    records: body.records as FirehoseRecord[],
  };
}
