import { collectionName, databaseName, setting } from "../settings";

/**
 * Where the heartbeat documents live. Capture writes them there (and captures the collection, so a
 * heartbeat record reaches the stream every minute); the webhook recognises heartbeat records by
 * this namespace. Its own module, so the webhook reads it without loading any capture code.
 */
export const heartbeatSettings = {
  heartbeatDatabase: setting("HEARTBEAT_DATABASE", databaseName, "streamkap"),
  heartbeatCollection: setting("HEARTBEAT_COLLECTION", collectionName, "streamkap_heartbeat"),
};

/**
 * The heartbeat document, `_id` the app's name: what capture writes every minute and the webhook
 * reads from the heartbeat records (docs/record-format.md#heartbeats). A reader takes each field as
 * possibly missing: older producers and other writers may leave some out.
 */
export interface HeartbeatDocument {
  readonly app: string;
  /** When the beat was written. */
  readonly at: Date;
  readonly outboxDepth: number;
  /** The publisher's last successful put before the beat (null before the first). */
  readonly lastSuccessfulPutAt: Date | null;
}
