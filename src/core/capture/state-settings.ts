import { collectionName, databaseName, setting, text } from "../settings";
import { heartbeatSettings } from "../stream-format/heartbeat";

/**
 * Where capture keeps its state: the app's name (the heartbeat's and the status records' key), the
 * outbox and the status collection. Part of the capture settings (config.ts); the heartbeat reads
 * these and the heartbeat's namespace and nothing else, so it loads no capture options.
 */
export const appSettings = {
  appName: setting("APP_NAME", text, "atlas-kinesis-bridge"),
};

export const outboxSettings = {
  outboxDatabase: setting("KINESIS_OUTBOX_DATABASE", databaseName, (read) => read(heartbeatSettings.heartbeatDatabase)),
  outboxCollection: setting("KINESIS_OUTBOX_COLLECTION", collectionName, "kinesis_outbox"),
  statusCollection: setting("KINESIS_STATUS_COLLECTION", collectionName, "kinesis_status"),
};

/**
 * The heartbeat's settings: a subset of the capture settings, read by the same parsers. Marked pure
 * (an object spread is not, to the bundler), so that functions that never read them carry none of it.
 */
export const heartbeatFunctionSettings = /* @__PURE__ */ Object.assign(
  {},
  appSettings,
  heartbeatSettings,
  outboxSettings,
);
