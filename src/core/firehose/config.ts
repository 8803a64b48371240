import { heartbeatSettings } from "../stream-format/heartbeat";
import type { ValueReader } from "../ports";
import { collectionName, databaseName, optional, readSettings, setting, settingNames, text } from "../settings";
import { buildRouting, namespaceMapParser, templateParser, type Routing } from "./apply/routing";
import { capturedNamespacesSetting } from "../stream-format/captured-namespaces";

/** Firehose sends at most 64 MiB before compression; no host needs to accept more. */
export const FIREHOSE_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** The webhook's settings: name, parser, default. Values (App Services) and environment variables alike. */
export const firehoseSettings = {
  accessKey: optional("FIREHOSE_ACCESS_KEY", text),
  previousAccessKey: optional("FIREHOSE_ACCESS_KEY_PREVIOUS", text),
  database: setting("FIREHOSE_DATABASE", databaseName, "monitors"),
  collection: setting("FIREHOSE_COLLECTION", collectionName, "firehose"),
  deadLetterCollection: setting("FIREHOSE_DEAD_LETTER_COLLECTION", collectionName, "firehose_dead_letters"),
  deletesCollection: setting("FIREHOSE_DELETES_COLLECTION", collectionName, "firehose_deletes"),
  reconcileCollection: setting("FIREHOSE_RECONCILE_COLLECTION", collectionName, "firehose_reconciles"),
  // The latest heartbeat the webhook received per app; named in full, as `heartbeatCollection` is the capture side's.
  firehoseHeartbeatCollection: setting("FIREHOSE_HEARTBEAT_COLLECTION", collectionName, "firehose_heartbeats"),
  namespaceMap: optional("FIREHOSE_NAMESPACE_MAP", namespaceMapParser),
  unmappedTemplate: setting("FIREHOSE_UNMAPPED_TARGET", templateParser, undefined),
  captured: capturedNamespacesSetting,
  ...heartbeatSettings,
};

/** Every value the webhook reads (the export check verifies each is defined in values/). */
export const FIREHOSE_VALUE_NAMES: readonly string[] = settingNames(firehoseSettings);

/** The access keys' values: only the function that reads a request reads them. */
const ACCESS_KEY_NAMES: readonly string[] = [firehoseSettings.accessKey.name, firehoseSettings.previousAccessKey.name];

/** Every value applyFirehoseRecords reads: the webhook's, but its access keys (it never sees a request). */
export const FIREHOSE_APPLY_VALUE_NAMES: readonly string[] = FIREHOSE_VALUE_NAMES.filter(
  (name) => ACCESS_KEY_NAMES.indexOf(name) === -1,
);

export interface FirehoseConfig {
  /** Accepted access keys: the current one and, during a rotation, the previous one. */
  readonly accessKeys: readonly string[];
  readonly database: string;
  readonly collection: string;
  readonly deadLetterCollection: string;
  /** Delete positions of mirrored documents (see apply-changes.ts), in `database`. */
  readonly deletesCollection: string;
  /** Reconciles' read marks, closings and sweeps (see reconcile.ts), in `database`. */
  readonly reconcileCollection: string;
  /** Largest body accepted, both as received and after gunzip. */
  readonly maxBodyBytes: number;
  readonly routing: Routing;
}

export const firehoseDefaults = {
  database: firehoseSettings.database.fallback as string,
  collection: firehoseSettings.collection.fallback as string,
  deadLetterCollection: firehoseSettings.deadLetterCollection.fallback as string,
  deletesCollection: firehoseSettings.deletesCollection.fallback as string,
  reconcileCollection: firehoseSettings.reconcileCollection.fallback as string,
} as const;

/**
 * How long a delete position is kept (the TTL index on `deletedAt`). A change older than its
 * document's delete that arrives later than this could bring the document back, so it must exceed
 * the longest delay between a change and its delivery: Firehose retries for up to 2 hours, and
 * replays of its S3 backup are the operator's to time.
 */
export const DELETE_POSITION_RETENTION_S = 7 * 24 * 3600;

/**
 * How long a reconcile's rows are kept (the TTL index on `at`): a reconcile whose reads take longer
 * than this to arrive never sweeps (it is safe, not complete; run it again).
 */
export const RECONCILE_RETENTION_S = 7 * 24 * 3600;

/**
 * Reads the webhook's settings by the names App Services values and environment variables share.
 * A missing access key is not an error here: the core answers every delivery with a clear
 * "misconfigured" error instead, so Firehose keeps the data and retries.
 */
export function readFirehoseConfig(read: ValueReader, maxBodyBytes = FIREHOSE_MAX_BODY_BYTES): FirehoseConfig {
  const values = readSettings(read, firehoseSettings);
  const accessKeys = [values.accessKey, values.previousAccessKey].filter((key): key is string => key !== undefined);
  return {
    accessKeys,
    database: values.database,
    collection: values.collection,
    deadLetterCollection: values.deadLetterCollection,
    deletesCollection: values.deletesCollection,
    reconcileCollection: values.reconcileCollection,
    maxBodyBytes,
    routing: buildRouting(values, { db: values.database, coll: values.collection }),
  };
}

/** The webhook's settings as applyFirehoseRecords reads them: the access keys are never read (none accepted). */
export function readFirehoseApplyConfig(read: ValueReader): FirehoseConfig {
  return readFirehoseConfig((name) => (ACCESS_KEY_NAMES.indexOf(name) === -1 ? read(name) : undefined));
}
