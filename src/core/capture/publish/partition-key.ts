import { canonicalEjson } from "../../canonical-ejson";
import { createHash } from "crypto";
import type { BsonPort } from "../../bson-port";

const MAX_PARTITION_KEY = 256;

/**
 * The Kinesis partition key of a document: its _id, so every change of one document lands on one
 * shard in order while different documents spread over shards. Strings are used as they are,
 * ObjectIds as hex, anything else as canonical Extended JSON; a key over Kinesis's 256 characters
 * (or an empty one) becomes the SHA-256 of that text.
 */
export function partitionKeyFor(id: unknown, bson: BsonPort): string {
  let key: string;
  if (typeof id === "string") key = id;
  else if (bson.bsonType(id) === "ObjectId") key = (id as { toHexString(): string }).toHexString();
  else key = canonicalEjson({ _id: id }, bson);
  if (key.length === 0 || key.length > MAX_PARTITION_KEY)
    key = `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
  return key;
}
