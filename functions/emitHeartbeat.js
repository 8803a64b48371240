// emitHeartbeat: App Services function generated from src/functions/emitHeartbeat.ts by `npm run build`.
// Do not edit here: edit the TypeScript source and rebuild (a test fails when this file drifts).
var __load = function () {
  var module = { exports: {} };
"use strict";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
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

// src/functions/emitHeartbeat.ts
var emitHeartbeat_exports = {};
__export(emitHeartbeat_exports, {
  default: () => emitHeartbeat2
});
module.exports = __toCommonJS(emitHeartbeat_exports);

// src/core/errors.ts
var ERRORS = {
  setting_invalid: { kind: "misconfigured", message: "a setting is invalid" },
  mongodb_uri_missing: { kind: "misconfigured", message: "MONGODB_URI is not set" },
  data_source_missing: { kind: "misconfigured", message: "the App Services data source is not linked to this app" },
  kinesis_gave_up: { kind: "unavailable", message: "PutRecords gave up" }
};
var BridgeError = class extends Error {
  constructor(code, message, options) {
    const known = ERRORS[code];
    super(message === void 0 && known ? known.message : message);
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
var heartbeatFunctionSettings = /* @__PURE__ */ Object.assign(
  {},
  appSettings,
  heartbeatSettings,
  outboxSettings
);

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
