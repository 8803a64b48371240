import { createHash } from "crypto";

import { countMatching, type CollectionPort, type DataSourcePort, type Document } from "../../ports";
import type { FirehoseConfig } from "../config";
import type { DeadLetterReasonCode, Refusal } from "./dead-letter-reasons";
import { firehoseErrors } from "../errors";

/**
 * The dead-letter port: the one place that knows how a refused record is stored and read back. The
 * webhook core records through it, the status report, the local runtime and the tests read through
 * it. Its collection is the FIREHOSE_DEAD_LETTER_COLLECTION setting (config.ts, whose default is the
 * only place the name is written); a different store is a different `deadLetterStore`.
 */

/** A dead letter as stored (docs/webhook.md#dead-letters): one refused record of one delivery. */
export interface DeadLetter {
  /** `<requestId>:<index>`: a retried delivery replaces its own letters instead of adding more. */
  readonly _id: string;
  readonly requestId: string;
  /** The record's position in its delivery. */
  readonly index: number;
  /** Stable, for code and queries (DEAD_LETTER_REASONS); letters older than the codes have none. */
  readonly reasonCode: DeadLetterReasonCode;
  /** For people; may add detail to the code's sentence. */
  readonly reason: string;
  /**
   * The record's raw base64 as Firehose sent it (null if it had none), to replay after a fix; at
   * most MAX_DEAD_LETTER_DATA characters, the start of it when it was longer (see dataTruncated).
   */
  readonly data: string | null;
  /** Set only when `data` holds the start of a longer text: that text's length and SHA-256 (hex, of its UTF-8). */
  readonly dataTruncated?: { readonly length: number; readonly sha256: string };
  readonly sourceArn: string | null;
  readonly receivedAt: Date;
}

/** A record refused while its delivery was applied: where it was, why, and what Firehose sent. */
export interface RefusedRecord {
  readonly index: number;
  readonly refusal: Refusal;
  readonly data: unknown;
}

/** The delivery a refused record came in. */
export interface DeliveryOrigin {
  readonly requestId: string;
  readonly sourceArn?: string;
  readonly receivedAt: Date;
}

/**
 * The most of a record's data a dead letter keeps: 1 MiB of base64. A letter must itself fit
 * MongoDB's 16 MiB document limit (a 17 MiB record's letter once failed, and with it the batch,
 * on every retry), and a whole batch's letters are written together. Firehose's own copy of a
 * record (its S3 backup's rawData) has the same text, which the SHA-256 identifies.
 */
export const MAX_DEAD_LETTER_DATA = 1024 * 1024;
/** A letter's reason is ours and short; a server's message in it is cut to keep it so. */
const MAX_REASON = 1000;

export function deadLetter({ index, refusal, data }: RefusedRecord, origin: DeliveryOrigin): DeadLetter {
  const text = typeof data === "string" ? data : data === undefined ? null : JSON.stringify(data);
  const letter: DeadLetter = {
    _id: `${origin.requestId}:${index}`,
    requestId: origin.requestId,
    index,
    reasonCode: refusal.code,
    reason: refusal.message.length > MAX_REASON ? `${refusal.message.slice(0, MAX_REASON)}…` : refusal.message,
    data: text !== null && text.length > MAX_DEAD_LETTER_DATA ? text.slice(0, MAX_DEAD_LETTER_DATA) : text,
    sourceArn: origin.sourceArn === undefined ? null : origin.sourceArn,
    receivedAt: origin.receivedAt,
  };
  if (text === null || text.length <= MAX_DEAD_LETTER_DATA) return letter;
  return {
    ...letter,
    dataTruncated: { length: text.length, sha256: createHash("sha256").update(text, "utf8").digest("hex") },
  };
}

/** Dead letters received in a period, counted by reason code, most frequent first. */
export interface DeadLetterCounts {
  readonly total: number;
  readonly byReasonCode: { reasonCode: string; count: number }[];
  /** More letters than the limit were received; only the limit's worth were counted. */
  readonly truncated: boolean;
}

export interface DeadLetterFilter {
  readonly requestId?: string;
  readonly reasonCode?: DeadLetterReasonCode;
}

export interface DeadLetterStore {
  /** Stores the letters, each replacing any with its _id. Throws BridgeError "store_failed": retry the batch. */
  record(letters: readonly DeadLetter[]): Promise<void>;
  /** Letters received at or after `since`, by reason code; at most `limit` are read. */
  countByReason(since: Date, limit: number): Promise<DeadLetterCounts>;
  /** The letters that match (all by default), by request id, then index. */
  list(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  count(filter?: DeadLetterFilter): Promise<number>;
}

/** The dead letters of a deployment: the configured collection, through the database port of any host. */
export function deadLetterStore(
  dataSource: DataSourcePort,
  config: Pick<FirehoseConfig, "database" | "deadLetterCollection">,
): DeadLetterStore {
  return new CollectionDeadLetters(dataSource.db(config.database).collection(config.deadLetterCollection));
}

class CollectionDeadLetters implements DeadLetterStore {
  constructor(private readonly collection: CollectionPort) {}

  async record(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const operations = letters.map((letter) => ({
      replaceOne: { filter: { _id: letter._id }, replacement: letter as unknown as Document, upsert: true },
    }));
    try {
      await this.collection.bulkWrite(operations, { ordered: false });
    } catch (error) {
      throw firehoseErrors.error("store_failed", "dead-letter write failed; retry the batch", { cause: error });
    }
  }

  async countByReason(since: Date, limit: number): Promise<DeadLetterCounts> {
    const letters = await this.collection
      .find({ receivedAt: { $gte: since } })
      .limit(limit + 1)
      .toArray();
    const counted = letters.slice(0, limit);
    const counts = new Map<string, number>();
    for (const letter of counted) {
      const code = typeof letter.reasonCode === "string" ? letter.reasonCode : reasonWithoutDetail(letter.reason);
      counts.set(code, (counts.get(code) || 0) + 1);
    }
    const byReasonCode = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([reasonCode, count]) => ({ reasonCode, count }));
    return { total: counted.length, byReasonCode, truncated: letters.length > limit };
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const letters = await this.collection.find(query(filter)).sort({ requestId: 1, index: 1 }).toArray();
    return letters as unknown as DeadLetter[];
  }

  count(filter: DeadLetterFilter = {}): Promise<number> {
    return countMatching(this.collection, query(filter));
  }
}

function query(filter: DeadLetterFilter): Document {
  const out: Document = {};
  if (filter.requestId !== undefined) out.requestId = filter.requestId;
  if (filter.reasonCode !== undefined) out.reasonCode = filter.reasonCode;
  return out;
}

/**
 * Letters written before reason codes existed have only `reason`, whose detail follows a ":" or "("
 * ("database refused the document (code 121): …"); without it, like letters count together.
 */
function reasonWithoutDetail(reason: unknown): string {
  if (typeof reason !== "string" || reason === "") return "(none)";
  return reason.split(/[:(]/)[0].trim().slice(0, 80) || reason.slice(0, 80);
}
