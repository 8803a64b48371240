import type { CollectionPort, Document } from "../../ports";

/**
 * An event that could not be put on the stream. App Services functions are never retried, so this
 * collection is what keeps such an event from being lost; the drainOutbox trigger drains it every minute.
 */
export interface OutboxEntry {
  /** The change's resume token `_data` (sortable, so the drain keeps event order), or a snapshot id. */
  _id: string;
  partitionKey: string;
  /**
   * The record's JSON text, exactly as it would have been put; or, when `unshaped`, the change event
   * as the trigger gave it (canonical Extended JSON), which the drain shapes and encodes.
   */
  data: string;
  operationType: string;
  ns: string;
  enqueuedAt: Date;
  attempts: number;
  lastError: string;
  /** Set when no retry can succeed (for example a record over the size limit). */
  permanent?: boolean;
  /**
   * Whether the capture options were applied to `data`: "applied" (every entry since options
   * exist), "pending" when they could not be (no mask key, unreadable options) and `data` is the
   * event itself, kept in the source cluster and never put as it is; absent in entries written
   * before options existed. The drain shapes "pending" entries and re-shapes the others.
   */
  shaping?: "applied" | "pending";
}

/** Idempotent by _id: enqueueing the same event twice (a re-run trigger) keeps one entry. */
export async function enqueue(outbox: CollectionPort, entry: OutboxEntry): Promise<void> {
  // Every writer shapes its records before they get here (shape-event.ts), unless it says otherwise.
  const replacement = { ...entry, shaping: entry.shaping || "applied" };
  await outbox.bulkWrite(
    [{ replaceOne: { filter: { _id: entry._id }, replacement: replacement as unknown as Document, upsert: true } }],
    {
      ordered: true,
    },
  );
}

export async function hasPendingFor(outbox: CollectionPort, partitionKey: string): Promise<boolean> {
  return (await outbox.findOne({ partitionKey })) !== null;
}

/** A synthetic, time-ordered outbox id for events that carry no resume token. */
export function syntheticOutboxId(prefix: string, now: number, random: () => number = Math.random): string {
  return `${prefix}:${now.toString(16).padStart(12, "0")}:${Math.floor(random() * 0xffffffff).toString(16)}`;
}
