import { BridgeError } from "../errors";
import type { ValueReader } from "../ports";

export type RecordFormat = "envelope" | "document";
export type ArrayEncoding = "array" | "array_string";
export type NestedDocumentEncoding = "document" | "string";

/** Firehose's per-record cap (1,000 KiB); Kinesis allows 1 MiB by default. */
export const FIREHOSE_RECORD_LIMIT = 1_024_000;

/** Every value the capture functions read (the export check verifies each is defined in values/). */
export const CAPTURE_VALUE_NAMES = [
  "APP_NAME", "KINESIS_RECORD_FORMAT", "ARRAY_ENCODING", "NESTED_DOCUMENT_ENCODING", "KINESIS_MAX_RECORD_BYTES",
  "KINESIS_MAX_ATTEMPTS", "KINESIS_RETRY_BASE_MS", "KINESIS_RETRY_MAX_MS", "KINESIS_OUTBOX_DATABASE", "KINESIS_OUTBOX_COLLECTION",
  "KINESIS_STATUS_COLLECTION", "HEARTBEAT_DATABASE", "HEARTBEAT_COLLECTION", "SIGNAL_DATABASE", "SIGNAL_COLLECTION", "SNAPSHOT_CHUNK_SIZE",
  "KINESIS_STREAM_NAME", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "KINESIS_ENDPOINT",
] as const;

export interface CaptureConfig {
  readonly appName: string;
  readonly recordFormat: RecordFormat;
  readonly arrayEncoding: ArrayEncoding;
  readonly nestedDocumentEncoding: NestedDocumentEncoding;
  readonly maxRecordBytes: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly outboxDatabase: string;
  readonly outboxCollection: string;
  readonly statusCollection: string;
  readonly heartbeatDatabase: string;
  readonly heartbeatCollection: string;
  readonly signalDatabase: string;
  readonly signalCollection: string;
  readonly snapshotChunkSize: number;
}

export const captureDefaults = {
  recordFormat: "envelope",
  arrayEncoding: "array",
  nestedDocumentEncoding: "document",
  heartbeatDatabase: "streamkap",
  heartbeatCollection: "streamkap_heartbeat",
  signalCollection: "streamkap_signal",
  outboxCollection: "kinesis_outbox",
  statusCollection: "kinesis_status",
} as const;

/** Reads the change-capture settings from App Services values (or environment variables). */
export function readCaptureConfig(read: ValueReader): CaptureConfig {
  const heartbeatDatabase = text(read, "HEARTBEAT_DATABASE", captureDefaults.heartbeatDatabase);
  return {
    appName: text(read, "APP_NAME", "atlas-kinesis-bridge"),
    recordFormat: oneOf(read, "KINESIS_RECORD_FORMAT", ["envelope", "document"], captureDefaults.recordFormat),
    arrayEncoding: oneOf(read, "ARRAY_ENCODING", ["array", "array_string"], captureDefaults.arrayEncoding),
    nestedDocumentEncoding: oneOf(read, "NESTED_DOCUMENT_ENCODING", ["document", "string"], captureDefaults.nestedDocumentEncoding),
    maxRecordBytes: integer(read, "KINESIS_MAX_RECORD_BYTES", FIREHOSE_RECORD_LIMIT, 1024, 10 * 1024 * 1024),
    maxAttempts: integer(read, "KINESIS_MAX_ATTEMPTS", 4, 1, 10),
    baseDelayMs: integer(read, "KINESIS_RETRY_BASE_MS", 100, 1, 10_000),
    maxDelayMs: integer(read, "KINESIS_RETRY_MAX_MS", 2_000, 1, 60_000),
    outboxDatabase: text(read, "KINESIS_OUTBOX_DATABASE", heartbeatDatabase),
    outboxCollection: text(read, "KINESIS_OUTBOX_COLLECTION", captureDefaults.outboxCollection),
    statusCollection: text(read, "KINESIS_STATUS_COLLECTION", captureDefaults.statusCollection),
    heartbeatDatabase,
    heartbeatCollection: text(read, "HEARTBEAT_COLLECTION", captureDefaults.heartbeatCollection),
    signalDatabase: text(read, "SIGNAL_DATABASE", heartbeatDatabase),
    signalCollection: text(read, "SIGNAL_COLLECTION", captureDefaults.signalCollection),
    snapshotChunkSize: integer(read, "SNAPSHOT_CHUNK_SIZE", 500, 1, 500),
  };
}

function text(read: ValueReader, name: string, fallback: string): string {
  const value = read(name);
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string") throw new BridgeError("misconfigured", `${name} must be a string`);
  return value;
}

function oneOf<T extends string>(read: ValueReader, name: string, allowed: readonly T[], fallback: T): T {
  const value = text(read, name, fallback);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BridgeError("misconfigured", `${name} must be one of ${allowed.join(", ")}; got "${value.slice(0, 40)}"`);
  }
  return value as T;
}

function integer(read: ValueReader, name: string, fallback: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined || raw === null || raw === "") return fallback;
  const value = typeof raw === "number" ? raw : Number(raw);
  if (!(value >= min && value <= max) || Math.floor(value) !== value) {
    throw new BridgeError("misconfigured", `${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
