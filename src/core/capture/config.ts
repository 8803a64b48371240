import type { ValueReader } from "../ports";
import { captureOptionsParser, NO_CAPTURE_OPTIONS, unreadableCaptureOptions } from "./shaping/capture-options";
import { heartbeatSettings } from "../stream-format/heartbeat";
import { appSettings, outboxSettings } from "./state-settings";
import {
  awsRegion,
  collectionName,
  databaseName,
  oneOf,
  optional,
  readSetting,
  readSettings,
  setting,
  settingNames,
  text,
  wholeNumber,
  httpUrl,
} from "../settings";

/**
 * KINESIS_RECORD_FORMAT: "envelope" is MongoDB's change event (the only meaning the word keeps: the
 * setting's value, unchanged), "document" the full document alone (docs/record-format.md#documents-alone).
 */
export type KinesisRecordFormat = "envelope" | "document";
export type ArrayEncoding = "array" | "array_string";
export type NestedDocumentEncoding = "document" | "string";

/** The most workers one backfill may use: App Services gives a function 25 sockets and 1,000 async operations. */
export const MAX_SNAPSHOT_PARALLELISM = 16;

/** Firehose's per-record cap (1,000 KiB); Kinesis allows 1 MiB by default. */
export const FIREHOSE_RECORD_LIMIT = 1_024_000;

/** The change-capture settings: name, parser, default. */
export const captureSettings = {
  ...appSettings,
  recordFormat: setting<KinesisRecordFormat>(
    "KINESIS_RECORD_FORMAT",
    oneOf<KinesisRecordFormat>(["envelope", "document"]),
    "envelope",
  ),
  arrayEncoding: setting<ArrayEncoding>("ARRAY_ENCODING", oneOf<ArrayEncoding>(["array", "array_string"]), "array"),
  nestedDocumentEncoding: setting<NestedDocumentEncoding>(
    "NESTED_DOCUMENT_ENCODING",
    oneOf<NestedDocumentEncoding>(["document", "string"]),
    "document",
  ),
  maxRecordBytes: setting("KINESIS_MAX_RECORD_BYTES", wholeNumber(1024, 10 * 1024 * 1024), FIREHOSE_RECORD_LIMIT),
  maxAttempts: setting("KINESIS_MAX_ATTEMPTS", wholeNumber(1, 10), 4),
  baseDelayMs: setting("KINESIS_RETRY_BASE_MS", wholeNumber(1, 10_000), 100),
  maxDelayMs: setting("KINESIS_RETRY_MAX_MS", wholeNumber(1, 60_000), 2_000),
  ...heartbeatSettings,
  ...outboxSettings,
  signalDatabase: setting("SIGNAL_DATABASE", databaseName, (read) => read(heartbeatSettings.heartbeatDatabase)),
  signalCollection: setting("SIGNAL_COLLECTION", collectionName, "streamkap_signal"),
  snapshotChunkSize: setting("SNAPSHOT_CHUNK_SIZE", wholeNumber(1, 500), 500),
  /** Workers per backfill (a signal's data.parallelism overrides it); see parallel-snapshot.ts. */
  snapshotParallelism: setting("SNAPSHOT_PARALLELISM", wholeNumber(1, MAX_SNAPSHOT_PARALLELISM), 1),
  /** Per-collection exclude/mask/match, generated from the capture list (shape-event.ts applies them). */
  captureOptions: setting("CAPTURE_OPTIONS", captureOptionsParser, NO_CAPTURE_OPTIONS),
  /** The HMAC key of masked fields (a secret; at least 32 characters). */
  maskKey: optional("CAPTURE_MASK_KEY", text),
};

/** Where the trigger functions put records: read by the App Services adapter (values) and the local tools (environment). */
export const kinesisSettings = {
  streamName: setting("KINESIS_STREAM_NAME", text, "realm"),
  region: optional("AWS_REGION", awsRegion),
  accessKeyId: optional("AWS_ACCESS_KEY_ID", text),
  secretAccessKey: optional("AWS_SECRET_ACCESS_KEY", text),
  sessionToken: optional("AWS_SESSION_TOKEN", text),
  endpoint: optional("KINESIS_ENDPOINT", httpUrl),
};

/** Every value the capture functions read (the export check verifies each is defined in values/). */
export const CAPTURE_VALUE_NAMES: readonly string[] = /* @__PURE__ */ settingNames(captureSettings, kinesisSettings);

export type CaptureConfig = ReturnType<typeof readCaptureConfig>;

/**
 * Defaults of the capture settings that are plain values (the generated export and the local runtime
 * use them). A function, so that the functions that never ask carry none of it.
 */
export function captureDefaults(): {
  heartbeatDatabase: string;
  heartbeatCollection: string;
  signalCollection: string;
} {
  return {
    heartbeatDatabase: heartbeatSettings.heartbeatDatabase.fallback as string,
    heartbeatCollection: heartbeatSettings.heartbeatCollection.fallback as string,
    signalCollection: captureSettings.signalCollection.fallback as string,
  };
}

/** Reads the change-capture settings from App Services values (or environment variables). */
export function readCaptureConfig(read: ValueReader) {
  return readSettings(read, captureSettings);
}

/**
 * The capture options and mask key alone, for a host whose other values failed to read: it must still
 * not publish (or outbox as publishable) what the options would have removed. Never throws: options
 * that cannot be read make every namespace refuse to be shaped, so its events wait in the outbox.
 */
export function readShapingSettings(read: ValueReader): Pick<CaptureConfig, "captureOptions" | "maskKey"> {
  let captureOptions;
  try {
    captureOptions = readSetting(read, captureSettings.captureOptions);
  } catch (error) {
    captureOptions = unreadableCaptureOptions(error instanceof Error ? error.message : String(error));
  }
  let maskKey: string | undefined;
  try {
    maskKey = readSetting(read, captureSettings.maskKey);
  } catch {
    maskKey = undefined;
  }
  return { captureOptions, maskKey };
}
