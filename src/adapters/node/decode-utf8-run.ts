import * as buffer from "node:buffer";
import type { StrictUtf8Decoder } from "../../core/firehose/protocol/read-delivery";

/**
 * A run of records' UTF-8 as text in one native call, for the webhook on Node hosts. Pure ASCII is
 * read as Latin-1 (a copy, kept by V8 as a one-byte string, which JSON.parse reads fastest); anything
 * else goes through ICU's transcode to UTF-16, which throws on every invalid sequence (checked
 * against V8's own decoder by a property test). Undefined on a Node built without ICU: the core then
 * decodes record by record.
 */
export const decodeUtf8Run: StrictUtf8Decoder | undefined =
  typeof buffer.transcode === "function"
    ? (bytes) =>
        buffer.isAscii(bytes) ? bytes.toString("latin1") : buffer.transcode(bytes, "utf8", "ucs2").toString("ucs2")
    : undefined;
