/**
 * What each setting means, for docs/configuration.md (`npm run docs`). The names, defaults, accepted
 * values and readers come from the code (the settings tables, the commands' --help, values/); only
 * the meaning is written here. `npm run docs -- --check` fails when a setting has no meaning here or a
 * meaning names no setting. Links are relative to docs/.
 */
export const SETTING_MEANINGS: Readonly<Record<string, string>> = {
  // The webhook (src/core/firehose/config.ts)
  FIREHOSE_ACCESS_KEY:
    "the key Firehose sends in `X-Amz-Firehose-Access-Key`; without it every delivery is answered 500 ([access keys](webhook.md#access-keys))",
  FIREHOSE_ACCESS_KEY_PREVIOUS:
    "the previous key, also accepted during a rotation ([rotating the key](operating.md#rotating-the-firehose-access-key))",
  FIREHOSE_DATABASE:
    "database of the default target and of the webhook's own collections (dead letters, delete positions, reconciles, heartbeats)",
  FIREHOSE_COLLECTION: "the default target: plain documents, and change events no map or template routes elsewhere",
  FIREHOSE_DEAD_LETTER_COLLECTION: "records that could not be stored ([dead letters](webhook.md#dead-letters))",
  FIREHOSE_DELETES_COLLECTION: "delete positions of the mirror, kept 7 days ([the protocol](design.md#protocol))",
  FIREHOSE_RECONCILE_COLLECTION:
    "reconciles' read marks, closings and sweeps, kept 7 days ([the sweep](design.md#the-sweep))",
  FIREHOSE_HEARTBEAT_COLLECTION:
    "the latest heartbeat the webhook received per app, with its lag: the end-to-end liveness ([metrics](webhook.md#metrics))",
  FIREHOSE_NAMESPACE_MAP: "routes change events by source namespace ([namespaces](webhook.md#namespaces))",
  FIREHOSE_UNMAPPED_TARGET:
    "where change events no map entry routes go: unset or `default`, the default target; or a template such as `{db}.{coll}` ([namespaces](webhook.md#namespaces))",
  CAPTURED_NAMESPACES:
    "generated from the capture list: the captured collections; no webhook target may be one (it would loop), and a database-level trigger's reconcile re-reads them",
  HEARTBEAT_DATABASE:
    "database of the heartbeat collection, and the default database of the outbox, status and signal collections",
  HEARTBEAT_COLLECTION:
    "the heartbeat documents, one per app, upserted every minute and captured like data ([heartbeat](capture.md#heartbeat)); the webhook recognises their changes by this name",

  // Change capture (src/core/capture/config.ts)
  APP_NAME: "the app's name: the heartbeat document's `_id` and `app`, and the key of its status records",
  KINESIS_RECORD_FORMAT:
    "what a record holds: `envelope`, MongoDB's change event ([the record format](record-format.md#change-events)); `document`, the document alone ([documents alone](record-format.md#documents-alone))",
  ARRAY_ENCODING: "`array_string` writes arrays as JSON strings, for consumers that need one type per field",
  NESTED_DOCUMENT_ENCODING:
    "`string` writes nested documents as JSON strings, for consumers that need one type per field",
  KINESIS_MAX_RECORD_BYTES:
    "the largest record put; a larger one loses its update description and pre-image, then its document ([size limit](record-format.md#size-limit))",
  KINESIS_MAX_ATTEMPTS:
    "attempts per put before the event goes to the outbox; throttling, 5xx and network errors are retried ([the outbox](capture.md#failures-and-the-outbox))",
  KINESIS_RETRY_BASE_MS: "the first backoff between attempts; it doubles each time, with full jitter",
  KINESIS_RETRY_MAX_MS: "the longest backoff between attempts",
  KINESIS_OUTBOX_DATABASE: "database of the outbox and status collections",
  KINESIS_OUTBOX_COLLECTION:
    "events whose put failed, waiting in order for `drainOutbox` ([the outbox](capture.md#failures-and-the-outbox))",
  KINESIS_STATUS_COLLECTION:
    "per app, the newest heartbeat put on the stream (`<app>:heartbeatOnStream`) and the capture check's findings (`<app>:captureHealth`)",
  SIGNAL_DATABASE: "database of the signal collection",
  SIGNAL_COLLECTION: "a document inserted here starts a snapshot or a reconcile ([snapshots](capture.md#snapshots))",
  SNAPSHOT_CHUNK_SIZE: "documents read and put per chunk of a snapshot; progress is checkpointed after each chunk",
  SNAPSHOT_PARALLELISM:
    "workers per snapshot, each on an `_id` range; a signal's `data.parallelism` wins ([parallel backfill](capture.md#parallel-backfill))",
  CAPTURE_OPTIONS:
    "generated from the capture list: each collection's exclude, mask and match ([capture options](capture.md#capture-options-exclude-mask-match))",
  CAPTURE_MASK_KEY:
    "the HMAC key of masked fields, at least 32 characters; without it, masking collections' events wait in the outbox ([masking](capture.md#masking))",

  // Where the capture functions put records (src/core/capture/config.ts, kinesisSettings)
  KINESIS_STREAM_NAME: "the stream records are put on",
  AWS_REGION: "the stream's region; without it events wait in the outbox",
  AWS_ACCESS_KEY_ID:
    "credentials allowed `kinesis:PutRecord` and `kinesis:PutRecords` on the stream ([the stack](deploying.md#what-the-stack-holds)); without them events wait in the outbox",
  AWS_SECRET_ACCESS_KEY: "the secret of `AWS_ACCESS_KEY_ID`",
  AWS_SESSION_TOKEN:
    "the session token of temporary credentials; empty with an IAM user's long-lived keys ([what to have](deploying.md#what-to-have))",
  KINESIS_ENDPOINT:
    "the Kinesis API to call instead of AWS's `https://kinesis.<region>.amazonaws.com`, such as an emulator's",

  // Capture health (src/core/capture/health/health-config.ts)
  ADMIN_API_URL: "the App Services Admin API the heartbeat calls to list and resume triggers",
  ADMIN_API_PUBLIC_KEY:
    "an Atlas programmatic API key's public part, for the heartbeat's trigger check; the text `none` goes without ([the key](capture.md#setting-up-the-admin-api-key))",
  ADMIN_API_PRIVATE_KEY: "that key's private part; the text `none` goes without",
  ADMIN_API_GROUP_ID: "the Atlas project id; unset, the running app's own (`context.app.projectId`)",
  ADMIN_API_APP_ID: "the app's ObjectId (not its client app id); unset, the running app's own (`context.app.id`)",
  CAPTURE_AUTO_RESUME:
    "`true`: the heartbeat resumes suspended capture triggers and reconciles; `false`: it reports them with the steps ([healing](capture.md#healing-a-stopped-capture))",
  CAPTURE_STALL_AFTER_MS:
    "a heartbeat not on the stream this long after it was written means capture has stalled ([healing](capture.md#healing-a-stopped-capture))",

  // The Node hosts (src/adapters/node-http/server-settings.ts, src/adapters/mongodb/env-deps.ts)
  FIREHOSE_MAX_BODY_BYTES:
    "the largest delivery body, before and after gunzip, on the Node server and the Lambda (a Lambda behind a Function URL needs 6000000); the App Services function's is App Services' 18 MB ([limits](operating.md#limits-and-what-the-project-does-at-each))",
  FIREHOSE_MAX_INFLIGHT_BYTES:
    "request-body bytes held at once over all deliveries; past it a delivery gets 503 at once ([limits](webhook.md#limits-of-the-server))",
  FIREHOSE_MAX_CONNECTIONS: "open connections; further ones are closed as they arrive",
  FIREHOSE_HEADERS_TIMEOUT_MS: "time to send all headers (at most the request timeout); past it, 408",
  FIREHOSE_REQUEST_TIMEOUT_MS:
    "time to send the whole request; past it, 408 (Firehose waits up to 3 minutes for an answer)",
  FIREHOSE_IDLE_TIMEOUT_MS: "a connection sending and receiving nothing this long is closed",
  PORT: "the port the server listens on; 0 picks a free one",
  HOST: "the address the server listens on",
  METRICS_TOKEN:
    "when set, `GET /metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, anyone who reaches the port may read it ([metrics](webhook.md#metrics))",

  // Read outside the tables
  MONGODB_URI:
    "the cluster (a secret: never logged); without it `npm run serve` and `npm start` use the embedded store, `node build/webhook-server.cjs` refuses to start (unless `--embedded` or `--data <dir>` asks for the embedded store), `npm run status` and `npm run replay-firehose-backup` need `--data`, and the Lambda answers 500",
};
