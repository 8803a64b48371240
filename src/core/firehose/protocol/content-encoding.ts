import { createGunzip } from "zlib";
import { toError } from "../../errors";
import { tooLarge } from "./request";
import { firehoseErrors } from "../errors";

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
    throw firehoseErrors.error(
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
      reject(firehoseErrors.error("gzip_invalid", `gzip body cannot be decompressed: ${error.message}`));
    });
    gunzip.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    gunzip.end(input);
  });
}
