import { BridgeError } from "../errors";
import type { ValueReader } from "../ports";
import { readRouting, type Routing } from "./routing";

/** Firehose sends at most 64 MiB before compression; no host needs to accept more. */
export const FIREHOSE_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Every value the webhook reads (the export check verifies each is defined in values/). */
export const FIREHOSE_VALUE_NAMES = [
  "FIREHOSE_ACCESS_KEY", "FIREHOSE_ACCESS_KEY_PREVIOUS", "FIREHOSE_DATABASE", "FIREHOSE_COLLECTION",
  "FIREHOSE_DEAD_LETTER_COLLECTION", "FIREHOSE_NAMESPACE_MAP", "FIREHOSE_HEARTBEAT_COLLECTION", "CAPTURED_NAMESPACES",
  "HEARTBEAT_DATABASE", "HEARTBEAT_COLLECTION", "FIREHOSE_UNMAPPED_TARGET", "FIREHOSE_DELETES_COLLECTION",
] as const;

export interface FirehoseConfig {
  /** Accepted access keys: the current one and, during a rotation, the previous one. */
  readonly accessKeys: readonly string[];
  readonly database: string;
  readonly collection: string;
  readonly deadLetterCollection: string;
  /** Delete positions of mirrored documents (see apply-changes.ts), in `database`. */
  readonly deletesCollection: string;
  /** Largest body accepted, both as received and after gunzip. */
  readonly maxBodyBytes: number;
  readonly routing: Routing;
}

export const firehoseDefaults = {
  database: "monitors",
  collection: "firehose",
  deadLetterCollection: "firehose_dead_letters",
  deletesCollection: "firehose_deletes",
} as const;

/**
 * How long a delete position is kept (the TTL index on `deletedAt`). A change older than its
 * document's delete that arrives later than this could bring the document back, so it must exceed
 * the longest delay between a change and its delivery: Firehose retries for up to 2 hours, and
 * replays of its S3 backup are the operator's to time.
 */
export const DELETE_POSITION_RETENTION_S = 7 * 24 * 3600;

/**
 * Reads the webhook's settings by the names App Services values and environment variables share.
 * A missing access key is not an error here: the core answers every delivery with a clear
 * "misconfigured" error instead, so Firehose keeps the data and retries.
 */
export function readFirehoseConfig(read: ValueReader, maxBodyBytes = FIREHOSE_MAX_BODY_BYTES): FirehoseConfig {
  const accessKeys = ["FIREHOSE_ACCESS_KEY", "FIREHOSE_ACCESS_KEY_PREVIOUS"]
    .map((name) => read(name))
    .filter((value): value is string => typeof value === "string" && value.length > 0);
  const database = nameValue(read, "FIREHOSE_DATABASE", firehoseDefaults.database);
  const collection = nameValue(read, "FIREHOSE_COLLECTION", firehoseDefaults.collection);
  return {
    accessKeys,
    database,
    collection,
    deadLetterCollection: nameValue(read, "FIREHOSE_DEAD_LETTER_COLLECTION", firehoseDefaults.deadLetterCollection),
    deletesCollection: nameValue(read, "FIREHOSE_DELETES_COLLECTION", firehoseDefaults.deletesCollection),
    maxBodyBytes,
    routing: readRouting(read, { db: database, coll: collection }),
  };
}

const NAME = /^[^\0$]{1,120}$/;

function nameValue(read: ValueReader, name: string, fallback: string): string {
  const value = read(name);
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new BridgeError("misconfigured", `${name} must be a database or collection name (1-120 characters, no "$" or NUL)`);
  }
  return value;
}
