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
