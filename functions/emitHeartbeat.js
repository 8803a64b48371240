// emitHeartbeat: App Services function generated from src/functions/emitHeartbeat.ts by `npm run build`.
// Do not edit here: edit the TypeScript source and rebuild (a test fails when this file drifts).
var __load = function () {
  var module = { exports: {} };
"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);
var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

// src/functions/emitHeartbeat.ts
var emitHeartbeat_exports = {};
__export(emitHeartbeat_exports, {
  default: () => emitHeartbeat2
});
module.exports = __toCommonJS(emitHeartbeat_exports);

// src/core/errors.ts
var ERRORS = {
  access_key_invalid: { kind: "unauthorized", message: "missing or invalid X-Amz-Firehose-Access-Key" },
  method_not_post: { kind: "method_not_allowed", message: "Firehose deliveries must be POST requests" },
  request_id_missing: { kind: "malformed_request", message: "missing X-Amz-Firehose-Request-Id header" },
  request_id_mismatch: {
    kind: "malformed_request",
    message: "body requestId does not match the X-Amz-Firehose-Request-Id header"
  },
  body_empty: { kind: "malformed_request", message: "request body is empty" },
  body_invalid: { kind: "malformed_request", message: "body must be a JSON object with requestId and records" },
  content_encoding_unsupported: { kind: "malformed_request", message: "only gzip Content-Encoding is accepted" },
  gzip_invalid: { kind: "malformed_request", message: "gzip body cannot be decompressed" },
  body_too_large: { kind: "body_too_large", message: "request body is above this host's limit" },
  access_key_not_configured: {
    kind: "misconfigured",
    message: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)"
  },
  setting_invalid: { kind: "misconfigured", message: "a setting is invalid" },
  mongodb_uri_missing: { kind: "misconfigured", message: "MONGODB_URI is not set" },
  data_source_missing: { kind: "misconfigured", message: "the App Services data source is not linked to this app" },
  capture_list_invalid: { kind: "misconfigured", message: "the capture list has errors" },
  capture_options_invalid: { kind: "misconfigured", message: "a capture option is invalid" },
  setup_failed: { kind: "not_ready", message: "receiver set-up failed" },
  store_failed: { kind: "unavailable", message: "database write failed; retry the batch" },
  store_unreachable: { kind: "unavailable", message: "the database did not answer a ping" },
  draining: { kind: "unavailable", message: "receiver is shutting down; retry" },
  inflight_budget: { kind: "unavailable", message: "receiver is at its in-flight byte budget; retry" },
  unexpected: { kind: "unavailable", message: "the receiver could not store the batch; retry" },
  kinesis_gave_up: { kind: "unavailable", message: "PutRecords gave up" },
  record_too_large: { kind: "refused", message: "the record is above the size limit even without its documents" },
  field_name_invalid: { kind: "refused", message: "a field name cannot be held by BSON as it is" },
  extended_json_invalid: { kind: "refused", message: "data is not valid Extended JSON" },
  string_invalid: { kind: "refused", message: "a string holds an unpaired UTF-16 surrogate" },
  nesting_too_deep: { kind: "refused", message: "the record nests too deep" },
  snapshot_signal_invalid: { kind: "refused", message: "the snapshot signal is invalid" },
  snapshot_read_position: {
    kind: "misconfigured",
    message: "the snapshot's read position cannot be taken (a replica set or sharded cluster is needed)"
  },
  snapshot_plan_failed: { kind: "unavailable", message: "planning the snapshot's ranges failed" },
  capture_check_handoff_invalid: {
    kind: "refused",
    message: "checkCaptureHealth takes the previous heartbeat's time (milliseconds, a date or null) and the outbox depth"
  },
  records_handoff_invalid: {
    kind: "refused",
    message: "applyFirehoseRecords takes a chunk of decoded records, as receiveFirehoseDelivery hands it on"
  },
  outbox_entry_unshapeable: {
    kind: "refused",
    message: "the outbox entry cannot be shaped by the capture options"
  }
};
var BridgeError = class extends Error {
  constructor(code, message, options) {
    const known = ERRORS[code];
    super(message === void 0 && known ? known.message : message);
    __publicField(this, "kind");
    __publicField(this, "code");
    this.name = "BridgeError";
    this.code = code;
    this.kind = options && options.kind || (known ? known.kind : "unavailable");
    if (options && options.cause !== void 0) this.cause = options.cause;
  }
};
function describeError(error) {
  const describe = (value) => value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? error.cause : void 0;
  const text2 = cause === void 0 ? describe(error) : `${describe(error)} (cause: ${describe(cause)})`;
  return text2.slice(0, 500);
}

// src/core/mongo-names.ts
var DATABASE_NAME_CHARS = ["/", "\\", ".", " ", '"', "$", "*", "<", ">", ":", "|", "?", "\0"];
var MAX_DATABASE_NAME_BYTES = 63;
var describeChar = (c) => c === " " ? "a space" : c === "\0" ? "a NUL character" : `"${c}"`;
var shown = (name) => `"${name.slice(0, 80).replace(/\0/g, "\\0")}"`;
function databaseNameProblem(name) {
  if (name === "") return "a database name cannot be empty";
  const bad = DATABASE_NAME_CHARS.find((c) => name.indexOf(c) !== -1);
  if (bad !== void 0)
    return `${shown(name)} is not a valid database name: it holds ${describeChar(bad)} (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_DATABASE_NAME_BYTES)
    return `${shown(name)} is not a valid database name: it is ${bytes} bytes long (at most ${MAX_DATABASE_NAME_BYTES})`;
  return void 0;
}
function collectionNameProblem(name) {
  if (name === "") return "a collection name cannot be empty";
  if (name.indexOf("$") !== -1) return `${shown(name)} is not a valid collection name: it holds "$"`;
  if (name.indexOf("\0") !== -1) return `${shown(name)} is not a valid collection name: it holds a NUL character`;
  if (name.indexOf("system.") === 0)
    return `${shown(name)} is not a valid collection name: the "system." prefix is MongoDB's own`;
  return void 0;
}

// src/core/settings.ts
function setting(name, parse, fallback) {
  return { name, parse, fallback };
}
function misconfigured(message) {
  return new BridgeError("setting_invalid", message);
}
function readSetting(read, entry) {
  const raw = read(entry.name);
  if (raw === void 0 || raw === null || raw === "") {
    return typeof entry.fallback === "function" ? entry.fallback((other) => readSetting(read, other)) : entry.fallback;
  }
  return entry.parse(raw, entry.name);
}
function readSettings(read, table) {
  const out = {};
  for (const key of Object.keys(table)) out[key] = readSetting(read, table[key]);
  return out;
}
var text = (raw, name) => {
  if (typeof raw !== "string") throw misconfigured(`${name} must be a string`);
  return raw;
};
var databaseName = (raw, name) => {
  const problem = databaseNameProblem(text(raw, name));
  if (problem !== void 0) throw misconfigured(`${name} ${problem}`);
  return raw;
};
var collectionName = (raw, name) => {
  const problem = collectionNameProblem(text(raw, name));
  if (problem !== void 0) throw misconfigured(`${name} ${problem}`);
  return raw;
};

// src/core/stream-format/heartbeat.ts
var heartbeatSettings = {
  heartbeatDatabase: setting("HEARTBEAT_DATABASE", databaseName, "streamkap"),
  heartbeatCollection: setting("HEARTBEAT_COLLECTION", collectionName, "streamkap_heartbeat")
};

// src/core/capture/state-settings.ts
var appSettings = {
  appName: setting("APP_NAME", text, "atlas-kinesis-bridge")
};
var outboxSettings = {
  outboxDatabase: setting("KINESIS_OUTBOX_DATABASE", databaseName, (read) => read(heartbeatSettings.heartbeatDatabase)),
  outboxCollection: setting("KINESIS_OUTBOX_COLLECTION", collectionName, "kinesis_outbox"),
  statusCollection: setting("KINESIS_STATUS_COLLECTION", collectionName, "kinesis_status")
};
var heartbeatFunctionSettings = { ...appSettings, ...heartbeatSettings, ...outboxSettings };

// src/core/ports.ts
function countMatching(collection, filter = {}) {
  if (typeof collection.countDocuments === "function") return collection.countDocuments(filter);
  if (typeof collection.count === "function") return collection.count(filter);
  return collection.find(filter).toArray().then((documents) => documents.length);
}
var consoleLogger = {
  info: (event) => console.log(JSON.stringify({ level: "info", ...event })),
  warn: (event) => console.warn(JSON.stringify({ level: "warn", ...event })),
  error: (event) => console.error(JSON.stringify({ level: "error", ...event }))
};
var systemClock = { now: () => Date.now() };

// src/adapters/app-services/globals.ts
var DATA_SOURCE_NAME = "mongodb-atlas";
function atlasDataSource(ctx) {
  const service = ctx.services.get(DATA_SOURCE_NAME);
  if (!service)
    throw new BridgeError(
      "data_source_missing",
      `the App Services data source "${DATA_SOURCE_NAME}" is not linked to this app`
    );
  return service;
}

// src/adapters/app-services/heartbeat.ts
var CAPTURE_CHECK_FUNCTION = "checkCaptureHealth";
function heartbeatFromContext(ctx) {
  const config = readSettings((name) => ctx.values.get(name), heartbeatFunctionSettings);
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  const functions = ctx.functions;
  return {
    config,
    heartbeat: dataSource.db(config.heartbeatDatabase).collection(config.heartbeatCollection),
    outbox: outboxDb.collection(config.outboxCollection),
    status: outboxDb.collection(config.statusCollection),
    clock: systemClock,
    logger: consoleLogger,
    checkCapture: functions ? async (handoff) => summaryOf(await functions.execute(CAPTURE_CHECK_FUNCTION, ...captureCheckArguments(handoff))) : void 0
  };
}
function captureCheckArguments(handoff) {
  return [handoff.heartbeatWrittenAt ? handoff.heartbeatWrittenAt.getTime() : null, handoff.outboxDepth];
}
function summaryOf(result) {
  const report = result;
  if (!report || typeof report !== "object" || !report.stream || !Array.isArray(report.problems)) return void 0;
  return report;
}

// src/core/capture/publish/put-status.ts
var lastSuccessfulPutId = (app) => `${app}:lastSuccessfulPut`;

// src/core/capture/health/heartbeat.ts
async function emitHeartbeat(deps) {
  const started = deps.clock.now();
  const at = new Date(started);
  const app = deps.config.appName;
  const outboxDepth = await countMatching(deps.outbox);
  const last = await deps.status.findOne({ _id: lastSuccessfulPutId(app) });
  const previous = deps.checkCapture ? await deps.heartbeat.findOne({ _id: app }) : null;
  const beat = { app, at, outboxDepth, lastSuccessfulPutAt: last ? last.at : null };
  await deps.heartbeat.updateOne({ _id: app }, { $set: beat }, { upsert: true });
  let capture;
  if (deps.checkCapture) {
    const heartbeatWrittenAt = previous && previous.at instanceof Date ? previous.at : null;
    try {
      capture = await deps.checkCapture({ heartbeatWrittenAt, outboxDepth });
    } catch (error) {
      deps.logger.error({ msg: "capture check failed", app, error: describeError(error) });
    }
  }
  deps.logger.info({
    msg: "heartbeat",
    app,
    outboxDepth,
    ...capture ? { stream: capture.stream.state, adminApi: capture.adminApi, captureProblems: capture.problems.length } : {},
    durationMs: deps.clock.now() - started
  });
  return { at, outboxDepth, capture };
}

// src/functions/emitHeartbeat.ts
async function emitHeartbeat2() {
  return emitHeartbeat(heartbeatFromContext(context));
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
