// applyFirehoseRecords: App Services function generated from src/functions/applyFirehoseRecords.ts by `npm run build`.
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

// src/functions/applyFirehoseRecords.ts
var applyFirehoseRecords_exports = {};
__export(applyFirehoseRecords_exports, {
  default: () => applyFirehoseRecords
});
module.exports = __toCommonJS(applyFirehoseRecords_exports);

// src/core/bson-port.ts
function makeBsonPort(lib, ejson) {
  return {
    lib,
    ejson,
    bsonType(value) {
      if (value === null || typeof value !== "object") return void 0;
      const tag = value._bsontype;
      if (typeof tag !== "string") return void 0;
      return tag === "ObjectID" ? "ObjectId" : tag;
    }
  };
}

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
function errorsOf(table) {
  return {
    error: (code, message = table[code].message, options) => new BridgeError(code, message, { cause: options && options.cause, kind: table[code].kind }),
    failure: (code, message = table[code].message, cause) => cause === void 0 ? { kind: table[code].kind, code, message } : { kind: table[code].kind, code, message, cause },
    as: (error, code) => isBridgeError(error) ? error : new BridgeError(code, table[code].message, { cause: error, kind: table[code].kind })
  };
}
function isBridgeError(error) {
  return error instanceof BridgeError;
}

// src/core/mongo-names.ts
var DATABASE_NAME_CHARS = ["/", "\\", ".", " ", '"', "$", "*", "<", ">", ":", "|", "?", "\0"];
var MAX_DATABASE_NAME_BYTES = 63;
var MAX_NAMESPACE_BYTES = 255;
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
function namespaceProblem(db, coll) {
  const problem2 = databaseNameProblem(db) || collectionNameProblem(coll);
  if (problem2 !== void 0) return problem2;
  const bytes = Buffer.byteLength(`${db}.${coll}`);
  if (bytes > MAX_NAMESPACE_BYTES)
    return `${shown(`${db}.${coll}`)} is not a valid namespace: it is ${bytes} bytes long (at most ${MAX_NAMESPACE_BYTES})`;
  return void 0;
}

// src/core/settings.ts
function setting(name, parse, fallback) {
  return { name, parse, fallback };
}
function optional(name, parse) {
  return { name, parse, fallback: void 0 };
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
function settingNames(...tables) {
  const names = [];
  for (const table of tables)
    for (const key of Object.keys(table)) if (names.indexOf(table[key].name) === -1) names.push(table[key].name);
  return names;
}
var text = (raw, name) => {
  if (typeof raw !== "string") throw misconfigured(`${name} must be a string`);
  return raw;
};
var databaseName = (raw, name) => {
  const problem2 = databaseNameProblem(text(raw, name));
  if (problem2 !== void 0) throw misconfigured(`${name} ${problem2}`);
  return raw;
};
var collectionName = (raw, name) => {
  const problem2 = collectionNameProblem(text(raw, name));
  if (problem2 !== void 0) throw misconfigured(`${name} ${problem2}`);
  return raw;
};
var json = (raw, name) => {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw misconfigured(`${name} is not valid JSON`);
  }
};

// src/core/stream-format/heartbeat.ts
var heartbeatSettings = {
  heartbeatDatabase: setting("HEARTBEAT_DATABASE", databaseName, "streamkap"),
  heartbeatCollection: setting("HEARTBEAT_COLLECTION", collectionName, "streamkap_heartbeat")
};

// src/core/firehose/apply/routing.ts
function buildRouting(settings, defaultTarget) {
  const namespaceMap = /* @__PURE__ */ new Map();
  const map = settings.namespaceMap || {};
  for (const source of Object.keys(map)) {
    const target = map[source];
    namespaceMap.set(source, isNamespace(target) ? splitNamespace(target) : { db: defaultTarget.db, coll: target });
  }
  const { captured, unmappedTemplate } = settings;
  const targets = [
    ["the default target (FIREHOSE_DATABASE.FIREHOSE_COLLECTION)", defaultTarget],
    ...[...namespaceMap].map(([s, t]) => [`FIREHOSE_NAMESPACE_MAP["${s}"]`, t])
  ];
  if (unmappedTemplate !== void 0) {
    captured.forEach((source) => {
      if (source.endsWith(".*")) source = `${source.slice(0, -2)}.any_collection`;
      if (!namespaceMap.has(source))
        targets.push([
          `FIREHOSE_UNMAPPED_TARGET "${unmappedTemplate}" for ${source}`,
          applyTemplate(unmappedTemplate, splitNamespace(source))
        ]);
    });
  }
  for (const [what, target] of targets) {
    const name = `${target.db}.${target.coll}`;
    if (isCaptured(captured, target)) {
      throw new BridgeError(
        "setting_invalid",
        `${what} writes into ${name}, a captured collection: every write would be captured again, an endless loop`
      );
    }
  }
  return {
    defaultTarget,
    namespaceMap,
    unmappedTemplate,
    captured,
    heartbeatSource: `${settings.heartbeatDatabase}.${settings.heartbeatCollection}`,
    heartbeatTarget: { db: defaultTarget.db, coll: settings.firehoseHeartbeatCollection }
  };
}
var namespaceMapParser = (raw, name) => {
  const parsed = json(raw, name);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BridgeError("setting_invalid", `${name} must be a JSON object like {"app.orders": "replica.orders"}`);
  }
  const out = {};
  for (const [source, target] of Object.entries(parsed)) {
    if (!isNamespace(source) || typeof target !== "string" || target === "") {
      throw new BridgeError(
        "setting_invalid",
        `${name} entry "${source.slice(0, 80)}" must map "db.collection" to "db.collection" or "collection"`
      );
    }
    const invalid = isNamespace(target) ? targetProblem(splitNamespace(target)) : collectionNameProblem(target);
    if (invalid !== void 0)
      throw new BridgeError("setting_invalid", `${name} entry "${source.slice(0, 80)}": the target ${invalid}`);
    out[source] = target;
  }
  return out;
};
var templateParser = (raw, name) => {
  if (raw === "default") return void 0;
  if (typeof raw !== "string" || !isNamespace(raw) || !/\{(db|coll)\}/.test(raw)) {
    throw new BridgeError(
      "setting_invalid",
      `${name} must be "default" or a "database.collection" template with {db} and/or {coll}, like "mirror_{db}.{coll}"`
    );
  }
  const sample = targetProblem(applyTemplate(raw, { db: "db", coll: "coll" }));
  if (sample !== void 0)
    throw new BridgeError("setting_invalid", `${name} "${raw.slice(0, 80)}" does not make valid names: ${sample}`);
  return raw;
};
function targetFor(routing, source, cache) {
  const key = `${source.db}.${source.coll}`;
  const known = cache.get(key);
  if (known !== void 0) return known;
  let target = routing.namespaceMap.get(key) || routing.defaultTarget;
  if (!routing.namespaceMap.has(key) && routing.unmappedTemplate !== void 0) {
    const candidate = applyTemplate(routing.unmappedTemplate, source);
    const invalid = targetProblem(candidate);
    if (invalid !== void 0) target = { problem: "target_invalid", reason: invalid };
    else if (isCaptured(routing.captured, candidate)) {
      target = {
        problem: "target_captured",
        reason: `${candidate.db}.${candidate.coll} is a captured collection; writing it would be captured again`
      };
    } else target = candidate;
  }
  cache.set(key, target);
  return target;
}
function targetWithoutNamespace(routing) {
  if (routing.namespaceMap.size === 0 && routing.unmappedTemplate === void 0) return routing.defaultTarget;
  return {
    problem: "change_no_namespace",
    reason: "the change event has no ns, and FIREHOSE_NAMESPACE_MAP or FIREHOSE_UNMAPPED_TARGET make its target depend on it"
  };
}
function isCaptured(captured, target) {
  return captured.has(`${target.db}.${target.coll}`) || captured.has(`${target.db}.*`);
}
function applyTemplate(template, source) {
  const dot = template.indexOf(".");
  const fill = (part) => part.split("{db}").join(source.db).split("{coll}").join(source.coll);
  return { db: fill(template.slice(0, dot)), coll: fill(template.slice(dot + 1)) };
}
function targetProblem(target) {
  return namespaceProblem(target.db, target.coll);
}
function isNamespace(text2) {
  const dot = text2.indexOf(".");
  return dot > 0 && dot < text2.length - 1;
}
function splitNamespace(text2) {
  const dot = text2.indexOf(".");
  return { db: text2.slice(0, dot), coll: text2.slice(dot + 1) };
}

// src/core/stream-format/captured-namespaces.ts
var capturedParser = (raw, name) => {
  const list = typeof raw === "string" && !raw.trim().startsWith("[") ? raw.split(",").map((s) => s.trim()).filter(Boolean) : json(raw, name);
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new BridgeError("setting_invalid", `${name} must be a list of "db.collection" names`);
  }
  return new Set(list);
};
var capturedNamespacesSetting = setting("CAPTURED_NAMESPACES", capturedParser, () => /* @__PURE__ */ new Set());

// src/core/firehose/config.ts
var FIREHOSE_MAX_BODY_BYTES = 64 * 1024 * 1024;
var firehoseSettings = {
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
  unmappedTemplate: setting("FIREHOSE_UNMAPPED_TARGET", templateParser, void 0),
  captured: capturedNamespacesSetting,
  ...heartbeatSettings
};
var FIREHOSE_VALUE_NAMES = settingNames(firehoseSettings);
var ACCESS_KEY_NAMES = [firehoseSettings.accessKey.name, firehoseSettings.previousAccessKey.name];
var FIREHOSE_APPLY_VALUE_NAMES = FIREHOSE_VALUE_NAMES.filter(
  (name) => ACCESS_KEY_NAMES.indexOf(name) === -1
);
var firehoseDefaults = {
  database: firehoseSettings.database.fallback,
  collection: firehoseSettings.collection.fallback,
  deadLetterCollection: firehoseSettings.deadLetterCollection.fallback,
  deletesCollection: firehoseSettings.deletesCollection.fallback,
  reconcileCollection: firehoseSettings.reconcileCollection.fallback
};
var DELETE_POSITION_RETENTION_S = 7 * 24 * 3600;
var RECONCILE_RETENTION_S = 7 * 24 * 3600;
function readFirehoseConfig(read, maxBodyBytes = FIREHOSE_MAX_BODY_BYTES) {
  const values = readSettings(read, firehoseSettings);
  const accessKeys = [values.accessKey, values.previousAccessKey].filter((key) => key !== void 0);
  return {
    accessKeys,
    database: values.database,
    collection: values.collection,
    deadLetterCollection: values.deadLetterCollection,
    deletesCollection: values.deletesCollection,
    reconcileCollection: values.reconcileCollection,
    maxBodyBytes,
    routing: buildRouting(values, { db: values.database, coll: values.collection })
  };
}
function readFirehoseApplyConfig(read) {
  return readFirehoseConfig((name) => ACCESS_KEY_NAMES.indexOf(name) === -1 ? read(name) : void 0);
}

// src/core/ports.ts
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

// src/adapters/app-services/apply-records.ts
function applyRecordsFromContext(ctx) {
  return {
    config: readFirehoseApplyConfig((name) => ctx.values.get(name)),
    dataSource: atlasDataSource(ctx),
    bson: makeBsonPort(BSON, EJSON),
    clock: systemClock
  };
}

// src/core/numbers.ts
var MAX_SAFE = 9007199254740991;
function isInteger(value) {
  return isFinite(value) && Math.floor(value) === value;
}
function isSafeInteger(value) {
  return isInteger(value) && Math.abs(value) <= MAX_SAFE;
}

// src/core/firehose/dead-letters/dead-letter-reasons.ts
var DEAD_LETTER_REASONS = {
  no_data: "record has no base64 string in data",
  not_base64: "data is not valid base64",
  not_utf8: "data is not valid UTF-8",
  not_json: "data is not valid JSON",
  not_extended_json: "data is not valid Extended JSON",
  invalid_field_name: "a field name holds a NUL or an unpaired surrogate, or is _bsontype",
  invalid_string: "a string holds an unpaired UTF-16 surrogate, which UTF-8 (BSON) cannot hold",
  not_object: "data is not a JSON object",
  top_level_operator: "a top-level field starts with $",
  invalid_id: "_id cannot be an array, a regular expression or undefined",
  position_field_reserved: "the record brings _akb, the field the webhook keeps its position in",
  document_too_large: "the document is larger than MongoDB's 16 MiB BSON limit",
  document_too_deep: "the document nests deeper than MongoDB's 100 levels",
  change_no_operation: "the record has the marks of a change event but no operationType name",
  change_invalid_namespace: "the change event's ns is not {db, coll} with two non-empty strings",
  change_no_namespace: "the change event has no ns, and the namespace map or template needs one",
  change_invalid_resume_token: `the change event's resume token is not {_data: "<hex>"}`,
  change_no_document_key: "the change event has no valid documentKey._id",
  change_no_position: "the change event has no clusterTime (or, for a snapshot read, no wallTime)",
  change_invalid_document: "the change event's fullDocument is neither a document nor null",
  change_document_key_mismatch: "the change event's fullDocument._id is missing or differs from documentKey._id",
  change_invalid_update: "the update event's updateDescription is malformed (updatedFields, removedFields) or empty",
  change_unknown_operation: "the change event's operationType is not one this receiver knows",
  change_namespace_event: "drop, rename and other collection-level events are not applied to a mirror",
  change_no_document: "an insert, replace or read event without its fullDocument",
  change_document_dropped_for_size: "the producer dropped the document to fit the record size limit",
  change_update_target_missing: "an update without fullDocument for a document the target does not hold",
  heartbeat_no_document: "a heartbeat change event without its document",
  target_captured: "the event's target collection is captured, so writing it would loop",
  target_invalid: "the event's target namespace is not a valid database or collection name",
  database_refused: "the database refused the document for good (a code in mongo-error-codes.ts)",
  not_encodable: "the BSON encoder refused the document",
  record_failed: "processing the record failed unexpectedly (a defect of the webhook); replay it once fixed",
  reconcile_invalid: "a reconcile's closing record is malformed, or names a collection that is not mirrored"
};
function refusal(code, message = DEAD_LETTER_REASONS[code]) {
  return { kind: "refused", code, message };
}
function isRefusal(value) {
  return value.kind === "refused";
}

// src/core/bson-order.ts
var TYPE_RANK = {
  minKey: -1,
  null: 5,
  number: 10,
  string: 15,
  object: 20,
  array: 25,
  binData: 30,
  objectId: 35,
  bool: 40,
  date: 45,
  timestamp: 47,
  regex: 50,
  dbPointer: 55,
  javascript: 60,
  javascriptWithScope: 65,
  maxKey: 127
};
var RANK_OF_TAG = {
  Int32: TYPE_RANK.number,
  Double: TYPE_RANK.number,
  Long: TYPE_RANK.number,
  Decimal128: TYPE_RANK.number,
  ObjectId: TYPE_RANK.objectId,
  BSONSymbol: TYPE_RANK.string,
  Symbol: TYPE_RANK.string,
  Binary: TYPE_RANK.binData,
  Timestamp: TYPE_RANK.timestamp,
  MinKey: TYPE_RANK.minKey,
  MaxKey: TYPE_RANK.maxKey,
  BSONRegExp: TYPE_RANK.regex,
  DBRef: TYPE_RANK.object,
  DBPointer: TYPE_RANK.dbPointer
};
function typeRank(value, bson) {
  if (value === null || value === void 0) return TYPE_RANK.null;
  const type = typeof value;
  if (type === "number" || type === "bigint") return TYPE_RANK.number;
  if (type === "string") return TYPE_RANK.string;
  if (type === "boolean") return TYPE_RANK.bool;
  if (type !== "object") return TYPE_RANK.null;
  const tag = bson.bsonType(value);
  if (tag !== void 0) {
    if (tag === "Code")
      return value.scope ? TYPE_RANK.javascriptWithScope : TYPE_RANK.javascript;
    const rank = RANK_OF_TAG[tag];
    return rank === void 0 ? TYPE_RANK.object : rank;
  }
  if (Array.isArray(value)) return TYPE_RANK.array;
  if (value instanceof Date) return TYPE_RANK.date;
  if (value instanceof RegExp) return TYPE_RANK.regex;
  if (value instanceof Uint8Array) return TYPE_RANK.binData;
  return TYPE_RANK.object;
}
function cmp(x, y) {
  return x === y ? 0 : x < y ? -1 : 1;
}
function stringOf(value) {
  return typeof value === "string" ? value : String(value.valueOf());
}
function fieldsOf(value, bson) {
  if (bson.bsonType(value) === "DBRef") {
    const ref = value;
    const out2 = [
      ["$ref", ref.collection],
      ["$id", ref.oid]
    ];
    if (ref.db) out2.push(["$db", ref.db]);
    const extra = ref.fields || {};
    for (const key of Object.keys(extra)) out2.push([key, extra[key]]);
    return out2;
  }
  const record = value;
  const out = [];
  for (const key of Object.keys(record)) if (record[key] !== void 0) out.push([key, record[key]]);
  return out;
}
function binaryParts(value, bson) {
  if (bson.bsonType(value) === "Binary") {
    const binary = value;
    const length = typeof binary.position === "number" ? binary.position : binary.buffer.length;
    return { bytes: binary.buffer, length, subtype: binary.sub_type || 0 };
  }
  const bytes = value;
  return { bytes, length: bytes.length, subtype: 0 };
}
function objectIdHex(value) {
  return value.toHexString().toLowerCase();
}
function regexParts(value) {
  if (value instanceof RegExp) {
    const options = (value.ignoreCase ? "i" : "") + (value.multiline ? "m" : "") + (value.global ? "s" : "");
    return { pattern: value.source, options };
  }
  const regex = value;
  return { pattern: regex.pattern, options: regex.options.split("").sort().join("") };
}
var TWO_32 = 4294967296;
var TWO_53 = 9007199254740992;
var TWO_63 = 9223372036854776e3;
var KIND_DOUBLE = 1;
var KIND_LONG = 2;
var KIND_DECIMAL = 3;
function numberKind(value, bson) {
  if (typeof value === "number") return KIND_DOUBLE;
  if (typeof value === "bigint") return KIND_DECIMAL;
  const tag = bson.bsonType(value);
  if (tag === "Int32" || tag === "Double") return KIND_DOUBLE;
  if (tag === "Long") return KIND_LONG;
  if (tag === "Decimal128") return KIND_DECIMAL;
  return 0;
}
function doubleOf(value) {
  return typeof value === "number" ? value : value.valueOf();
}
function longApprox(long) {
  return long.high * TWO_32 + (long.low >>> 0);
}
function compareLongs(a, b) {
  return cmp(a.high, b.high) || cmp(a.low >>> 0, b.low >>> 0);
}
function longPartsOfInteger(d) {
  const high = Math.floor(d / TWO_32);
  return { high, low: d - high * TWO_32 };
}
var ZERO = { negative: false, digits: "", point: 0 };
var NAN = { special: "NaN", negative: false, digits: "", point: 0 };
var INFINITY = { special: "Infinity", negative: false, digits: "", point: 0 };
var NEGATIVE_INFINITY = { special: "-Infinity", negative: true, digits: "", point: 0 };
function exactOfDecimalString(text2) {
  if (text2 === "NaN" || text2 === "-NaN") return NAN;
  if (text2 === "Infinity" || text2 === "+Infinity" || text2 === "Inf") return INFINITY;
  if (text2 === "-Infinity" || text2 === "-Inf") return NEGATIVE_INFINITY;
  let body = text2;
  let negative = false;
  if (body.charAt(0) === "-" || body.charAt(0) === "+") {
    negative = body.charAt(0) === "-";
    body = body.slice(1);
  }
  let exponent = 0;
  const e = body.search(/[eE]/);
  if (e !== -1) {
    exponent = parseInt(body.slice(e + 1), 10);
    body = body.slice(0, e);
  }
  const dot = body.indexOf(".");
  let digits = body;
  let point = body.length;
  if (dot !== -1) {
    digits = body.slice(0, dot) + body.slice(dot + 1);
    point = dot;
  }
  return normalise(negative, digits, point + exponent);
}
function normalise(negative, digits, point) {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return { negative, digits: digits.slice(start, end), point: point - start };
}
function exactOfDouble(d) {
  if (d !== d) return NAN;
  if (d === Infinity) return INFINITY;
  if (d === -Infinity) return NEGATIVE_INFINITY;
  if (d === 0) return ZERO;
  const negative = d < 0;
  const magnitude = negative ? -d : d;
  if (isInteger(magnitude) && magnitude <= TWO_53) {
    const text3 = String(magnitude);
    return normalise(negative, text3, text3.length);
  }
  const { mantissa, exponent } = binaryParts64(magnitude);
  const limbs = [mantissa % LIMB, Math.floor(mantissa / LIMB) % LIMB, Math.floor(mantissa / (LIMB * LIMB))];
  if (exponent >= 0) {
    multiplyByPower(limbs, 2, exponent);
    const text3 = limbsToString(limbs);
    return normalise(negative, text3, text3.length);
  }
  multiplyByPower(limbs, 5, -exponent);
  const text2 = limbsToString(limbs);
  return normalise(negative, text2, text2.length + exponent);
}
var LIMB = 1e7;
function binaryParts64(d) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = hi >>> 20 & 2047;
  const fraction = (hi & 1048575) * TWO_32 + lo;
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction + 4503599627370496, exponent: biased - 1075 };
}
function multiplyByPower(limbs, base, power) {
  const step = base === 2 ? 20 : 9;
  let left = power;
  while (left > 0) {
    const now = left < step ? left : step;
    let factor = 1;
    for (let k = 0; k < now; k++) factor *= base;
    let carry = 0;
    for (let i = 0; i < limbs.length; i++) {
      const product = limbs[i] * factor + carry;
      carry = Math.floor(product / LIMB);
      limbs[i] = product - carry * LIMB;
    }
    while (carry > 0) {
      const next = Math.floor(carry / LIMB);
      limbs.push(carry - next * LIMB);
      carry = next;
    }
    left -= now;
  }
}
function limbsToString(limbs) {
  let text2 = "";
  for (let i = limbs.length - 1; i >= 0; i--) {
    const part = String(limbs[i]);
    text2 += text2 === "" ? part : "0000000".slice(part.length) + part;
  }
  return text2 === "" ? "0" : text2;
}
function compareDecimals(a, b) {
  const sa = standing(a);
  const sb = standing(b);
  if (sa !== sb || sa !== 1 && sa !== -1) return cmp(sa, sb);
  const magnitude = cmp(a.point, b.point) || (a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0);
  return sa < 0 ? 0 - magnitude : magnitude;
}
function standing(value) {
  if (value.special !== void 0) return value.special === "NaN" ? -3 : value.special === "Infinity" ? 2 : -2;
  return value.digits === "" ? 0 : value.negative ? -1 : 1;
}
function numberKey(value, bson) {
  const kind = numberKind(value, bson);
  if (kind === KIND_DOUBLE) return String(doubleOf(value));
  if (kind === KIND_LONG) {
    const long = value;
    const approx = longApprox(long);
    if (approx < TWO_53 && approx > -TWO_53) return String(approx);
    if (approx < TWO_63 && approx >= -TWO_63 && compareLongs(long, longPartsOfInteger(approx)) === 0)
      return String(approx);
    return exactKey(exactOfDecimalString(String(value)));
  }
  const exact = exactOfDecimalString(String(value));
  if (exact.special !== void 0) return exact.special;
  if (exact.digits === "") return "0";
  const nearest = parseFloat(String(value));
  if (nearest !== 0 && isFinite(nearest) && compareDecimals(exact, exactOfDouble(nearest)) === 0)
    return String(nearest);
  return exactKey(exact);
}
function exactKey(exact) {
  return `x${exact.negative ? "-" : ""}0.${exact.digits}e${exact.point}`;
}
function valueKey(value, bson) {
  const rank = typeRank(value, bson);
  switch (rank) {
    case TYPE_RANK.null:
      return "N";
    case TYPE_RANK.number:
      return "n" + numberKey(value, bson);
    case TYPE_RANK.string:
      return "s" + JSON.stringify(stringOf(value));
    case TYPE_RANK.object:
    case TYPE_RANK.dbPointer: {
      const parts = fieldsOf(value, bson).map(([name, field]) => JSON.stringify(name) + ":" + valueKey(field, bson));
      return "{" + parts.join(",") + "}";
    }
    case TYPE_RANK.array:
      return "[" + value.map((item) => valueKey(item, bson)).join(",") + "]";
    case TYPE_RANK.binData: {
      const { bytes, length, subtype } = binaryParts(value, bson);
      let hex = "";
      for (let i = 0; i < length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      return `b${subtype}:${hex}`;
    }
    case TYPE_RANK.objectId:
      return "o" + objectIdHex(value);
    case TYPE_RANK.bool:
      return value ? "t" : "f";
    case TYPE_RANK.date:
      return "d" + value.getTime();
    case TYPE_RANK.timestamp: {
      const parts = value;
      return `T${parts.high >>> 0},${parts.low >>> 0}`;
    }
    case TYPE_RANK.regex: {
      const { pattern, options } = regexParts(value);
      return "r" + JSON.stringify(pattern) + JSON.stringify(options);
    }
    case TYPE_RANK.javascript:
      return "c" + JSON.stringify(String(value.code));
    case TYPE_RANK.javascriptWithScope: {
      const code = value;
      return "C" + JSON.stringify(String(code.code)) + valueKey(code.scope, bson);
    }
    default:
      return rank === TYPE_RANK.minKey ? "-" : "+";
  }
}

// src/core/id-key.ts
function idKey(id, bson) {
  if (typeof id === "string") return `s:${id}`;
  if (typeof id === "number") return `n:${id}`;
  const type = bson.bsonType(id);
  if (type === "ObjectId") return `o:${id.toHexString()}`;
  if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128")
    return `n:${numberKey(id, bson)}`;
  if (type === "BSONSymbol" || type === "Symbol") return `s:${String(id.valueOf())}`;
  return `k:${valueKey(id, bson)}`;
}
function matchesId(value, id, key, bson) {
  if (bson.bsonType(value) === "ObjectId" && bson.bsonType(id) === "ObjectId") {
    const equals = id.equals;
    if (typeof equals === "function") return equals.call(id, value);
  }
  return idKey(value, bson) === key;
}

// src/core/firehose/apply/position-field.ts
var POSITION_FIELD = "_akb";
var POSITION_PATH = `${POSITION_FIELD}.pos`;
var NO_POSITION = Object.freeze({ [POSITION_PATH]: Object.freeze({ $exists: false }) });
function olderThan(id, position) {
  const older = {};
  older[POSITION_PATH] = { $lt: position };
  return { _id: id, $or: [NO_POSITION, older] };
}

// src/core/firehose/formats/document-id.ts
var NOT_AN_ID = "cannot be an array, a regular expression or undefined";
function idProblem(id, bson) {
  if (id === null || typeof id !== "object" && id !== void 0) return void 0;
  if (id === void 0 || Array.isArray(id) || id instanceof RegExp) return NOT_AN_ID;
  if (id instanceof Date) return void 0;
  const type = bson.bsonType(id);
  if (type === "BSONRegExp") return NOT_AN_ID;
  if (type !== void 0) return void 0;
  for (const key in id) {
    if (key.charCodeAt(0) === 36) return `cannot be a document with a $-prefixed field ("${key.slice(0, 64)}")`;
  }
  return void 0;
}
function positionFieldRefusal(what) {
  return refusal(
    "position_field_reserved",
    `${what} brings ${POSITION_FIELD}, the field the webhook keeps each document's change position in`
  );
}

// src/core/firehose/formats/record-format.ts
function refused(refusal2) {
  return { kind: "refused", refusal: refusal2 };
}

// src/core/firehose/formats/change-parts.ts
var READ_POSITION_MARGIN_S = 60;
var DOCUMENT_OPERATIONS = ["insert", "replace", "update", "read", "delete"];
var NAMESPACE_OPERATIONS = [
  "drop",
  "rename",
  "dropDatabase",
  "invalidate",
  "create",
  "createIndexes",
  "dropIndexes",
  "modify",
  "shardCollection",
  "reshardCollection",
  "refineCollectionShardKey",
  "createSearchIndexes",
  "dropSearchIndexes",
  "updateSearchIndex"
];
function readChange(record, source, bson) {
  const operationType = record.operationType;
  if (typeof operationType !== "string" || operationType === "") {
    return refused(
      refusal("change_no_operation", `operationType is ${typeOfValue(operationType)}, not an operation name`)
    );
  }
  if (NAMESPACE_OPERATIONS.indexOf(operationType) !== -1) {
    return refused(
      refusal(
        "change_namespace_event",
        `"${operationType}" events are not applied to a mirror; apply them to the target yourself if intended`
      )
    );
  }
  if (DOCUMENT_OPERATIONS.indexOf(operationType) === -1) {
    return refused(
      refusal(
        "change_unknown_operation",
        `operationType "${operationType.slice(0, 40)}" is not one this receiver knows`
      )
    );
  }
  const ns = record.ns;
  if (ns !== void 0 && !isNamespace2(ns)) return refused(refusal("change_invalid_namespace"));
  const documentKey = record.documentKey;
  if (!isDocument(documentKey, bson) || !("_id" in documentKey)) return refused(refusal("change_no_document_key"));
  const id = documentKey._id;
  const idIssue = idProblem(id, bson);
  if (idIssue !== void 0) return refused(refusal("change_no_document_key", `documentKey._id ${idIssue}`));
  const token = source.token;
  const position = changePosition(record, typeof token === "string" ? token : "", bson);
  if (typeof position !== "string") return refused(position);
  if (typeof token !== "string") return refused(token);
  const key = idKey(id, bson);
  let fullDocument;
  if (operationType !== "delete") {
    const full = record.fullDocument;
    if (full !== void 0 && full !== null) {
      if (!isDocument(full, bson)) {
        return refused(
          refusal("change_invalid_document", `fullDocument is ${typeOfValue(full)}, not a document or null`)
        );
      }
      if (!("_id" in full) || !matchesId(full._id, id, key, bson))
        return refused(refusal("change_document_key_mismatch"));
      const stored = storedDocumentProblem(full);
      if (stored !== void 0) return refused(stored);
      fullDocument = full;
    }
  }
  let updateDescription;
  const description = record.updateDescription;
  const needsDescription = operationType === "update" && !fullDocument && source.degraded.indexOf("updateDescription") === -1;
  if (needsDescription && description !== void 0 && description !== null) {
    const problem2 = updateDescriptionProblem(description, bson);
    if (problem2 !== void 0) return refused(refusal("change_invalid_update", problem2));
    const paths = updatePathProblem(description);
    if (paths !== void 0) return refused(paths);
    updateDescription = description;
  }
  return {
    kind: "change",
    change: {
      // Checked by isNamespace: the record's own object serves (it is not changed after).
      ns,
      source: ns === void 0 ? void 0 : `${ns.db}.${ns.coll}`,
      operationType,
      id,
      key,
      position,
      fullDocument,
      updateDescription,
      degraded: source.degraded,
      basicJson: numberValue(record.clusterTime, bson) !== void 0
    }
  };
}
function isNamespace2(ns) {
  return ns !== null && typeof ns === "object" && typeof ns.db === "string" && ns.db !== "" && typeof ns.coll === "string" && ns.coll !== "";
}
function storedDocumentProblem(full) {
  if (full[POSITION_FIELD] !== void 0) return positionFieldRefusal("fullDocument");
  for (const name in full) {
    if (name.charCodeAt(0) === 36)
      return refusal("top_level_operator", `fullDocument's top-level field "${name.slice(0, 64)}" starts with "$"`);
  }
  return void 0;
}
function updatePathProblem({ updatedFields, removedFields }) {
  const paths = Object.keys(updatedFields).concat(removedFields);
  const seen = /* @__PURE__ */ Object.create(null);
  for (const path of paths) {
    const first = path.split(".")[0];
    if (first === POSITION_FIELD) return positionFieldRefusal("updateDescription");
    const broken = first === "_id" ? "changes _id, which MongoDB never changes" : path.split(".").indexOf("") !== -1 || path.indexOf("\0") !== -1 ? "has a path with an empty field name or a NUL" : first.charCodeAt(0) === 36 ? 'has a path starting with "$"' : seen[path] ? "sets or removes one path twice" : void 0;
    if (broken !== void 0) return refusal("change_invalid_update", `updateDescription ${broken}`);
    seen[path] = true;
  }
  for (const path of paths) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1)) {
      if (seen[path.slice(0, dot)])
        return refusal("change_invalid_update", "updateDescription changes a path and a path inside it");
    }
  }
  return void 0;
}
function updateDescriptionProblem(description, bson) {
  if (!isDocument(description, bson)) return `updateDescription is ${typeOfValue(description)}, not a document`;
  const { updatedFields, removedFields, truncatedArrays } = description;
  if (!isDocument(updatedFields, bson)) return `updateDescription.updatedFields is ${typeOfValue(updatedFields)}`;
  if (!Array.isArray(removedFields) || removedFields.some((field) => typeof field !== "string"))
    return `updateDescription.removedFields is ${typeOfValue(removedFields)}, not a list of field names`;
  if (truncatedArrays !== void 0 && !Array.isArray(truncatedArrays))
    return `updateDescription.truncatedArrays is ${typeOfValue(truncatedArrays)}, not a list`;
  if (Object.keys(updatedFields).length === 0 && removedFields.length === 0 && !(truncatedArrays || []).length)
    return "updateDescription changes nothing";
  return void 0;
}
function changePosition(record, resumeToken, bson) {
  const token = record.operationType === "read" ? "read" : resumeToken;
  const time = record.clusterTime;
  if (time !== void 0 && time !== null && bson.bsonType(time) === "Timestamp") {
    const { t, i } = timestampParts(time);
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  const millis = numberValue(time, bson);
  if (millis !== void 0 && millis >= 0) {
    const t = Math.floor(millis / 1e3);
    const fromToken = tokenTimestamp(token);
    const i = fromToken && fromToken.t === t ? fromToken.i : 0;
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  if (time !== void 0) {
    return refusal(
      "change_no_position",
      `clusterTime is ${typeOfValue(time)}, neither a Timestamp nor epoch milliseconds (basicJson)`
    );
  }
  if (record.operationType === "read") {
    const wall = record.wallTime instanceof Date ? record.wallTime.getTime() : numberValue(record.wallTime, bson);
    if (wall === void 0 || !isFinite(wall)) return refusal("change_no_position");
    const seconds = Math.floor(wall / 1e3) - READ_POSITION_MARGIN_S;
    return `${hex8(Math.max(0, seconds))}${hex8(0)}:read`;
  }
  return refusal("change_no_position");
}
function numberValue(value, bson) {
  if (typeof value === "number") return isFinite(value) ? value : void 0;
  const type = bson.bsonType(value);
  if (type === "Long") return value.toNumber();
  if (type === "Int32" || type === "Double") return value.valueOf();
  return void 0;
}
var RESUME_TOKEN = /^[0-9A-Fa-f]+$/;
function tokenData(token, field) {
  const data = token !== null && typeof token === "object" ? token._data : void 0;
  if (typeof data === "string" && RESUME_TOKEN.test(data)) return data;
  return refusal("change_invalid_resume_token", `${field} is not a resume token {_data: "<hex>"}`);
}
function tokenTimestamp(token) {
  if (token.length < 18 || token.slice(0, 2) !== "82") return void 0;
  const t = parseInt(token.slice(2, 10), 16);
  const i = parseInt(token.slice(10, 18), 16);
  return isFinite(t) && isFinite(i) ? { t, i } : void 0;
}
function timestampParts(value) {
  const ts = value;
  if (typeof ts.t === "number" && typeof ts.i === "number") return { t: ts.t, i: ts.i };
  return { t: ts.getHighBits() >>> 0, i: ts.getLowBits() >>> 0 };
}
function hex8(value) {
  return (value >>> 0).toString(16).padStart(8, "0");
}
function degradedList(list) {
  return Array.isArray(list) && list.length > 0 ? list.filter((part) => typeof part === "string") : NO_PARTS;
}
var NO_PARTS = Object.freeze([]);
function isDocument(value, bson) {
  return value !== null && typeof value === "object" && !Array.isArray(value) && bson.bsonType(value) === void 0 && !(value instanceof Date);
}
function typeOfValue(value) {
  if (value === void 0) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === "") return "an empty string";
  const type = typeof value === "object" ? bsonTypeName(value) : typeof value;
  return /^[aeiou]/i.test(type) ? `an ${type}` : `a ${type}`;
}
function bsonTypeName(value) {
  const tag = value._bsontype;
  return typeof tag === "string" ? tag : value instanceof Date ? "date" : "document";
}

// src/core/firehose/reconcile/reconcile-batch.ts
function emptyReconcileBatch() {
  return { marks: /* @__PURE__ */ new Set(), closings: /* @__PURE__ */ new Map(), touched: /* @__PURE__ */ new Map(), accepted: 0 };
}
function reconcileNotesOf(batch) {
  const closings = [];
  batch.closings.forEach((row) => closings.push(row));
  const touched = [];
  batch.touched.forEach((pair) => touched.push({ reconcile: pair.reconcile, ns: pair.ns }));
  return { marks: [...batch.marks], closings, touched, accepted: batch.accepted };
}
function noteReadMark(batch, mark) {
  const base = rowBase(mark.id, mark.ns);
  batch.marks.add(markId(base, mark.part, mark.seq));
  batch.touched.set(base, { reconcile: mark.id, ns: mark.ns });
}
function takeClosing(batch, closing, bson, routing, targets) {
  const { id, ns, part, parts, sent, ranges } = closing;
  const readPosition = changePosition({ operationType: "read", clusterTime: closing.clusterTime }, "", bson);
  const dot = ns.indexOf(".");
  const to = targetFor(routing, { db: ns.slice(0, dot), coll: ns.slice(dot + 1) }, targets);
  if ("problem" in to) return refusal(to.problem, to.reason);
  const base = rowBase(id, ns);
  const _id = `p|${base}|${part}`;
  const target = `${to.db}.${to.coll}`;
  batch.closings.set(_id, { _id, kind: "part", reconcile: id, ns, part, parts, sent, ranges, readPosition, target });
  batch.touched.set(base, { reconcile: id, ns });
  batch.accepted++;
  return void 0;
}
function rowBase(reconcile, ns) {
  return `${escapeRowPart(reconcile)}|${escapeRowPart(ns)}`;
}
function escapeRowPart(text2) {
  return text2.replace(/%/g, "%25").replace(/\|/g, "%7C");
}
function markId(base, part, seq) {
  return `m|${base}|${part}|${String(seq).padStart(15, "0")}`;
}

// src/core/firehose/errors.ts
var FIREHOSE_ERRORS = {
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
  setup_failed: { kind: "not_ready", message: "receiver set-up failed" },
  store_failed: { kind: "unavailable", message: "database write failed; retry the batch" },
  store_unreachable: { kind: "unavailable", message: "the database did not answer a ping" },
  draining: { kind: "unavailable", message: "receiver is shutting down; retry" },
  inflight_budget: { kind: "unavailable", message: "receiver is at its in-flight byte budget; retry" },
  unexpected: { kind: "unavailable", message: "the receiver could not store the batch; retry" },
  records_handoff_invalid: {
    kind: "refused",
    message: "applyFirehoseRecords takes a chunk of decoded records, as receiveFirehoseDelivery hands it on"
  }
};
var firehoseErrors = /* @__PURE__ */ errorsOf(FIREHOSE_ERRORS);

// src/core/firehose/records-handoff.ts
var isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
var isString = (value) => typeof value === "string";
function countOf(value) {
  const type = isObject(value) ? value._bsontype : void 0;
  const number = typeof value === "number" ? value : type === "Int32" || type === "Double" ? Number(value) : NaN;
  return isInteger(number) && number >= 0 ? number : void 0;
}
var RECORDS_HANDOFF_SHAPE = "applyFirehoseRecords takes one argument, {requestId, records: [{index, document, depth, bytes}], probes}: a chunk of a delivery's decoded records, as receiveFirehoseDelivery hands it on";
function readRecordsHandoff(args, bson) {
  const handoff = handoffOf(args, bson);
  if (typeof handoff === "string")
    throw firehoseErrors.error("records_handoff_invalid", `${RECORDS_HANDOFF_SHAPE}; ${handoff}`);
  return handoff;
}
function handoffOf(args, bson) {
  if (args.length !== 1) return `given ${args.length} arguments`;
  const handoff = args[0];
  if (!isObject(handoff))
    return `given ${handoff === null ? "null" : Array.isArray(handoff) ? "an array" : `a ${typeof handoff}`}`;
  if (!isString(handoff.requestId)) return "requestId is not a string";
  if (!Array.isArray(handoff.records)) return "records is not a list";
  const probes = handoff.probes;
  if (!isObject(probes) || bson.bsonType(probes.double) !== "Double" || bson.bsonType(probes.long) !== "Long")
    return "probes did not arrive as a BSON Double and a BSON Long, so the documents' BSON types would not have either";
  const records = [];
  for (let at = 0; at < handoff.records.length; at++) {
    const record = handoff.records[at];
    if (!isObject(record)) return `records[${at}] is not an object`;
    const index = countOf(record.index);
    if (index === void 0 || at > 0 && index <= records[at - 1].index)
      return `records[${at}].index is not a whole number above the one before`;
    if (!isObject(record.document)) return `records[${at}].document is not a document`;
    const depth = countOf(record.depth);
    const bytes = countOf(record.bytes);
    if (depth === void 0 || bytes === void 0) return `records[${at}].depth or .bytes is not a whole number`;
    records.push({ index, document: record.document, depth, bytes });
  }
  return { requestId: handoff.requestId, records, probes: { double: probes.double, long: probes.long } };
}

// src/core/firehose/apply/legacy-id-key.ts
function legacyIdKey(id, bson) {
  if (typeof id === "string" || typeof id === "number") return void 0;
  const type = bson.bsonType(id);
  if (type === "ObjectId" || type === "Double" || type === "Int32") return void 0;
  if (type === "Long") {
    const long = id;
    return isSafeInteger(long.toNumber()) ? void 0 : `n:${long.toString()}`;
  }
  return `j:${bson.ejson.stringify({ v: id }, { relaxed: false })}`;
}

// src/core/mongo-error-codes.ts
var MongoErrorCode = {
  BadValue: 2,
  FailedToParse: 9,
  Overflow: 15,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  InvalidDBRef: 55,
  EmptyFieldName: 56,
  DottedFieldName: 57,
  ImmutableField: 66,
  DocTooLargeForCapped: 116,
  DocumentValidationFailure: 121,
  CannotIndexParallelArrays: 171,
  ChangeStreamHistoryLost: 286,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11e3,
  /** OBSOLETE_KeyTooLong in error_codes.yml: servers before 4.2 (or at FCV 4.0) refuse an index key over 1024 bytes. */
  KeyTooLong: 17280,
  /** Not in error_codes.yml: an assertion code ("Resulting document after update is larger than 16777216") of servers before BSONObjectTooLarge took its place. */
  DocumentTooLarge: 17419,
  // Only the embedded store's refusals (src/embedded) use these:
  TypeMismatch: 14,
  NotSingleValueField: 54,
  NotExactValueField: 111
};
var PERMANENT_FOR_A_RECORD = /* @__PURE__ */ new Set([
  MongoErrorCode.BadValue,
  MongoErrorCode.Overflow,
  MongoErrorCode.PathNotViable,
  MongoErrorCode.ConflictingUpdateOperators,
  MongoErrorCode.DollarPrefixedFieldName,
  MongoErrorCode.InvalidIdField,
  MongoErrorCode.InvalidDBRef,
  MongoErrorCode.EmptyFieldName,
  MongoErrorCode.DottedFieldName,
  MongoErrorCode.ImmutableField,
  MongoErrorCode.DocTooLargeForCapped,
  MongoErrorCode.DocumentValidationFailure,
  MongoErrorCode.CannotIndexParallelArrays,
  MongoErrorCode.BSONObjectTooLarge,
  MongoErrorCode.DuplicateKey,
  MongoErrorCode.KeyTooLong,
  MongoErrorCode.DocumentTooLarge
]);

// src/core/firehose/apply/bulk-write-refusals.ts
async function bulkWriteKeepingRefusals(collection, operations, what) {
  if (operations.length === 0) return [];
  try {
    await collection.bulkWrite(operations, { ordered: false });
    return [];
  } catch (error) {
    const encoder = encoderErrorName(error);
    if (encoder !== void 0) return isolateEncoderRefusals(collection, operations, what, encoder);
    const failures = permanentWriteErrors(error);
    if (failures === void 0)
      throw firehoseErrors.error("store_failed", `${what} failed; retry the batch`, { cause: error });
    return failures;
  }
}
async function isolateEncoderRefusals(collection, operations, what, name) {
  if (operations.length === 1) return [{ opIndex: 0, by: "encoder", code: 0, message: name }];
  const half = operations.length >> 1;
  const first = await bulkWriteKeepingRefusals(collection, operations.slice(0, half), what);
  const second = await bulkWriteKeepingRefusals(collection, operations.slice(half), what);
  return first.concat(second.map((failure) => ({ ...failure, opIndex: failure.opIndex + half })));
}
var ENCODER_ERRORS = [
  "TypeError",
  "RangeError",
  "BSONError",
  "BSONVersionError",
  "BSONOffsetError",
  "MongoInvalidArgumentError"
];
function encoderErrorName(error) {
  if (!(error instanceof Error) || ENCODER_ERRORS.indexOf(error.name) === -1) return void 0;
  const reply = error;
  return reply.code === void 0 && reply.writeErrors === void 0 && reply.errorLabels === void 0 ? error.name : void 0;
}
function isDuplicateIdError(failure) {
  if (failure.code !== MongoErrorCode.DuplicateKey) return false;
  if (failure.keyPattern) return Object.keys(failure.keyPattern).join(",") === "_id";
  return ID_INDEX.test(failure.message);
}
var ID_INDEX = /index: _id_ /;
function permanentWriteErrors(error) {
  if (error === null || typeof error !== "object") return void 0;
  const candidate = error;
  if (candidate.writeConcernError) return void 0;
  const raw = candidate.writeErrors;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw] : [];
  if (list.length === 0) return void 0;
  const out = [];
  for (const writeError of list) {
    const { index, code } = writeError;
    if (typeof index !== "number" || typeof code !== "number" || !PERMANENT_FOR_A_RECORD.has(code)) return void 0;
    const keyPattern = writeError.keyPattern || writeError.err && writeError.err.keyPattern;
    out.push({
      opIndex: index,
      by: "server",
      code,
      message: typeof writeError.errmsg === "string" ? writeError.errmsg : "",
      keyPattern: keyPattern && typeof keyPattern === "object" ? keyPattern : void 0
    });
  }
  return out;
}

// src/core/firehose/apply/apply-changes.ts
function deletePositionId(target, key) {
  return `${target.db}.${target.coll}|${key}`;
}
function reconcileFloorId(target, source) {
  return `${target.db}.${target.coll}|reconcile:${source}`;
}
async function applyTargetWrites(collection, group, deletes) {
  const { writes } = group;
  if (writes.length === 0) return { stored: 0, stale: 0, refused: [] };
  await rememberDeletes(group, deletes);
  const written = await writeTargets(collection, writes);
  const { failed, refused: refused2 } = written;
  const upserts = writes.filter((write, i) => write.kind === "upsert" && !failed.has(i));
  const deltas = writes.filter((write, i) => write.kind === "delta" && !failed.has(i));
  if (upserts.length === 0 && deltas.length === 0)
    return { stored: writes.length - failed.size, stale: written.stale, refused: refused2 };
  const missingDeltas = await deltasWithoutDocument(collection, deltas, deletes.bson);
  const late = await undoDeletedAgain(collection, group, deletes, upserts, missingDeltas);
  return {
    stored: writes.length - failed.size - late.undone - missingDeltas.length,
    stale: written.stale + late.stale + late.undone,
    refused: refused2.concat(late.refused)
  };
}
async function rememberDeletes({ writes, target }, deletes) {
  const deleteRows = [];
  for (const write of writes) {
    if (write.kind !== "delete") continue;
    deleteRows.push({
      updateOne: {
        filter: { _id: deletePositionId(target, write.key) },
        update: {
          $max: { pos: write.position },
          $set: { ns: `${target.db}.${target.coll}`, id: write.id, deletedAt: new Date(deletes.now) }
        },
        upsert: true
      }
    });
  }
  const deleteRefusals = await bulkWriteKeepingRefusals(deletes.collection, deleteRows, "writing delete positions");
  if (deleteRefusals.length > 0) {
    throw firehoseErrors.error("store_failed", "writing delete positions failed; retry the batch", {
      cause: new Error(deleteRefusals[0].message.slice(0, 200))
    });
  }
}
async function writeTargets(collection, writes) {
  const failures = await bulkWriteKeepingRefusals(
    collection,
    writes.map((write) => write.operation),
    "database write"
  );
  const failed = /* @__PURE__ */ new Set();
  let stale = 0;
  const refused2 = [];
  for (const failure of failures) {
    failed.add(failure.opIndex);
    const write = writes[failure.opIndex];
    if (failure.by === "encoder") {
      const reason = `the BSON encoder refused the ${write.kind === "delta" ? "update" : "document"} (${failure.message})`;
      refused2.push({ index: write.index, refusal: refusal("not_encodable", reason) });
    } else if (write.kind !== "plain" && isDuplicateIdError(failure)) stale++;
    else {
      const reason = `database refused the document (code ${failure.code}): ${failure.message.slice(0, 300)}`;
      refused2.push({ index: write.index, refusal: refusal("database_refused", reason) });
    }
  }
  return { failed, stale, refused: refused2 };
}
async function undoDeletedAgain(collection, { target }, deletes, upserts, missingDeltas) {
  const rowId = (write) => deletePositionId(target, write.key);
  const checked = upserts.concat(missingDeltas);
  const otherRowIds = /* @__PURE__ */ new Map();
  const others = /* @__PURE__ */ new Set();
  for (const write of checked) {
    const ids = [];
    if (write.source !== void 0) ids.push(reconcileFloorId(target, write.source));
    const legacy = legacyIdKey(write.id, deletes.bson);
    if (legacy !== void 0 && legacy !== write.key) ids.push(deletePositionId(target, legacy));
    otherRowIds.set(write, ids);
    ids.forEach((id) => others.add(id));
  }
  const rowIds = checked.map(rowId);
  others.forEach((id) => rowIds.push(id));
  const rows = await deletes.collection.find({ _id: { $in: rowIds } }).toArray();
  const deletedAt = /* @__PURE__ */ new Map();
  for (const row of rows) if (typeof row.pos === "string") deletedAt.set(row._id, row.pos);
  const goneAfter = (write) => {
    let newest = deletedAt.get(rowId(write));
    for (const id of otherRowIds.get(write)) {
      const position = deletedAt.get(id);
      if (position !== void 0 && (newest === void 0 || position > newest)) newest = position;
    }
    return newest;
  };
  const undo = [];
  for (const write of upserts) {
    const position = goneAfter(write);
    if (position !== void 0 && position > write.position)
      undo.push({ deleteOne: { filter: { _id: write.id, [`${POSITION_FIELD}.pos`]: write.position } } });
  }
  let stale = 0;
  const refused2 = [];
  for (const write of missingDeltas) {
    const position = goneAfter(write);
    if (position !== void 0 && position > write.position) stale++;
    else
      refused2.push({
        index: write.index,
        refusal: refusal(
          "change_update_target_missing",
          "update without fullDocument for a document the target does not hold; publish full documents (fullDocument: updateLookup) or re-read it with a snapshot"
        )
      });
  }
  const undoRefusals = await bulkWriteKeepingRefusals(collection, undo, "removing a change older than its delete");
  if (undoRefusals.length > 0) {
    throw firehoseErrors.error("store_failed", "removing a change older than its delete failed; retry the batch", {
      cause: new Error(undoRefusals[0].message.slice(0, 200))
    });
  }
  return { undone: undo.length, stale, refused: refused2 };
}
async function deltasWithoutDocument(collection, deltas, bson) {
  if (deltas.length === 0) return [];
  const held = await collection.find({ _id: { $in: deltas.map((write) => write.id) } }).toArray();
  const present = /* @__PURE__ */ new Set();
  for (const document of held) present.add(idKey(document._id, bson));
  return deltas.filter((write) => !present.has(write.key));
}

// src/core/ejson/text-formats.ts
var BASE64_DIGITS = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".split("").forEach((c, i) => BASE64_DIGITS[c.charCodeAt(0)] = i);

// src/core/firehose/protocol/decode-record.ts
function errorName(error) {
  return error instanceof Error ? error.name : typeof error;
}

// src/core/firehose/apply/document-limits.ts
var MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
var MAX_NESTING = 100;
var SIZE_CHECK_FROM_BYTES = 2 * 1024 * 1024;
function documentLimitProblem(record, operation, bson) {
  if (record.bytes <= SIZE_CHECK_FROM_BYTES && record.depth <= MAX_NESTING) return void 0;
  const written = writtenDocument(operation);
  if (written === void 0) return void 0;
  if (record.depth > MAX_NESTING) {
    const depth = written.update ? updateNesting(written.document) : nesting(written.document);
    if (depth > MAX_NESTING) {
      return refusal(
        "document_too_deep",
        `the ${written.update ? "update" : "document"} nests ${depth} levels deep; MongoDB holds ${MAX_NESTING}`
      );
    }
  }
  if (record.bytes > SIZE_CHECK_FROM_BYTES) {
    const size = bsonSize(written.document, bson);
    if (size > MAX_DOCUMENT_BYTES) {
      return refusal(
        "document_too_large",
        `the ${written.update ? "update" : "document"} is ${size} bytes as BSON; MongoDB holds ${MAX_DOCUMENT_BYTES}`
      );
    }
  }
  return void 0;
}
function writtenDocument(operation) {
  if ("replaceOne" in operation) return { document: operation.replaceOne.replacement, update: false };
  if ("updateOne" in operation) return { document: operation.updateOne.update, update: true };
  if ("insertOne" in operation) return { document: operation.insertOne.document, update: false };
  return void 0;
}
function nesting(value) {
  if (value === null || typeof value !== "object" || value instanceof Date) return 0;
  const type = value._bsontype;
  if (type === "Code") {
    const scope = value.scope;
    return scope === null || scope === void 0 ? 0 : 1 + nesting(scope);
  }
  if (typeof type === "string" && type !== "DBRef") return 0;
  let deepest = 0;
  const children = type === "DBRef" ? dbRefFields(value) : value;
  for (const key of Object.keys(children)) {
    const below = nesting(children[key]);
    if (below > deepest) deepest = below;
  }
  return 1 + deepest;
}
function updateNesting(update) {
  let deepest = 1;
  const set = update.$set;
  if (set) {
    for (const path of Object.keys(set)) {
      const depth = path.split(".").length + nesting(set[path]);
      if (depth > deepest) deepest = depth;
    }
  }
  return deepest;
}
function bsonSize(document, bson) {
  let size = 5;
  if (Array.isArray(document)) {
    for (let i = 0; i < document.length; i++) size += 2 + String(i).length + valueSize(document[i], bson);
    return size;
  }
  const fields = document;
  for (const key of Object.keys(fields)) size += 2 + utf8Length(key) + valueSize(fields[key], bson);
  return size;
}
function valueSize(value, bson) {
  switch (typeof value) {
    case "string":
      return 5 + utf8Length(value);
    case "number":
      return isInteger(value) && value >= -2147483648 && value <= 2147483647 && 1 / value !== -Infinity ? 4 : 8;
    case "boolean":
      return 1;
    case "undefined":
      return 0;
  }
  if (value === null) return 0;
  if (value instanceof Date) return 8;
  const type = bson.bsonType(value);
  if (type === void 0) return bsonSize(value, bson);
  return bsonValueSize(value, type, bson);
}
function bsonValueSize(value, type, bson) {
  switch (type) {
    case "ObjectId":
      return 12;
    case "Long":
    case "Timestamp":
    case "Double":
      return 8;
    case "Int32":
      return 4;
    case "Decimal128":
      return 16;
    case "MinKey":
    case "MaxKey":
      return 0;
    case "Binary": {
      const length = typeof value.position === "number" ? value.position : value.buffer.length;
      return 5 + (value.sub_type === 2 ? 4 : 0) + length;
    }
    case "BSONRegExp":
      return utf8Length(String(value.pattern)) + utf8Length(String(value.options)) + 2;
    case "BSONSymbol":
      return 5 + utf8Length(String(value.value));
    case "Code": {
      const code = 5 + utf8Length(String(value.code));
      return value.scope === null || value.scope === void 0 ? code : 4 + code + bsonSize(value.scope, bson);
    }
    case "DBRef":
      return bsonSize(dbRefFields(value), bson);
  }
  throw new Error(`no BSON size known for ${type}`);
}
function dbRefFields(value) {
  const ref = value;
  const out = { $ref: ref.collection, $id: ref.oid };
  if (typeof ref.db === "string" && ref.db !== "") out.$db = ref.db;
  const fields = ref.fields || {};
  for (const key of Object.keys(fields)) out[key] = fields[key];
  return out;
}
function utf8Length(text2) {
  return Buffer.byteLength(text2, "utf8");
}

// src/core/firehose/formats/legacy-change.ts
var LEGACY_CHANGE_KIND = "atlas-kinesis-bridge/change@1";
var legacyChange = {
  name: "legacy change record (atlas-kinesis-bridge/change@1)",
  recognise(record, bson) {
    if (record.kind !== LEGACY_CHANGE_KIND) return void 0;
    const token = record.resumeToken === void 0 ? "" : tokenData(record.resumeToken, "resumeToken");
    return readChange(record, { token, degraded: degradedList(record.degraded) }, bson);
  }
};

// src/core/stream-format/record-field.ts
var PRODUCER_EXTRAS_FIELD = "_akb";

// src/core/firehose/formats/mongodb-change-event.ts
var mongodbChangeEvent = {
  name: "MongoDB change event (canonical, relaxed or basic JSON)",
  recognise(record, bson) {
    if (!hasChangeEventMarks(record)) return void 0;
    const token = record._id === void 0 ? "" : tokenData(record._id, "_id");
    const extras = record[PRODUCER_EXTRAS_FIELD];
    const degraded = degradedList(extras !== null && typeof extras === "object" ? extras.degraded : void 0);
    return readChange(record, { token, degraded }, bson);
  }
};
function hasChangeEventMarks(record) {
  const id = record._id;
  const marks = (id !== null && typeof id === "object" && id._data !== void 0 ? 1 : 0) + (record.operationType !== void 0 ? 1 : 0) + (record.ns !== void 0 ? 1 : 0) + (record.documentKey !== void 0 ? 1 : 0) + (record.clusterTime !== void 0 ? 1 : 0) + (record.wallTime !== void 0 ? 1 : 0) + (record.fullDocument !== void 0 ? 1 : 0) + (record.fullDocumentBeforeChange !== void 0 ? 1 : 0) + (record.updateDescription !== void 0 ? 1 : 0);
  return marks >= 2;
}

// src/core/firehose/formats/plain-document.ts
var plainDocument = {
  name: "plain document",
  recognise(record, bson) {
    if (record._id !== void 0) {
      const problem2 = idProblem(record._id, bson);
      if (problem2 !== void 0) return refused(refusal("invalid_id", `_id ${problem2}`));
    }
    if (record[POSITION_FIELD] !== void 0) return refused(positionFieldRefusal("the document"));
    return { kind: "document", document: record };
  }
};

// src/core/stream-format/reconcile-records.ts
var RECONCILE_OPERATION = "reconcile";
function isClosingRecord(record) {
  return record.operationType === RECONCILE_OPERATION && isObject2(record.ns) && isObject2(record[PRODUCER_EXTRAS_FIELD]);
}
function readMarkOf(record, bson) {
  if (record.operationType !== "read") return void 0;
  const extras = record[PRODUCER_EXTRAS_FIELD];
  const mark = isObject2(extras) ? extras.reconcile : void 0;
  if (!isObject2(mark)) return void 0;
  const { id, part, seq } = mark;
  const ns = namespaceOf(record.ns);
  const partNumber = wholeNumber(part, bson);
  const seqNumber = wholeNumber(seq, bson);
  if (typeof id !== "string" || id === "" || ns === void 0 || partNumber === void 0 || seqNumber === void 0)
    return void 0;
  return { id, ns, part: partNumber, seq: seqNumber };
}
function readClosingRecord(record, bson) {
  const invalid = (why) => ({ invalid: why });
  const fields = record[PRODUCER_EXTRAS_FIELD].reconcile;
  if (!isObject2(fields)) return invalid(`no ${PRODUCER_EXTRAS_FIELD}.reconcile`);
  const { id, part, parts, sent, ranges } = fields;
  const ns = namespaceOf(record.ns);
  if (ns === void 0) return invalid("no ns.db / ns.coll");
  if (typeof id !== "string" || id === "" || id.length > 512) return invalid("id must be a non-empty string");
  const partNumber = wholeNumber(part, bson);
  const partCount = wholeNumber(parts, bson);
  const sentCount = wholeNumber(sent, bson);
  if (partCount === void 0 || partCount < 1) return invalid("parts must be a whole number of at least 1");
  if (partNumber === void 0 || partNumber >= partCount) return invalid("part must be a whole number below parts");
  if (sentCount === void 0) return invalid("sent must be a whole number");
  const seqRanges = readRanges(ranges === void 0 ? [[0, sentCount]] : ranges, bson);
  if (seqRanges === void 0) return invalid("ranges must be ascending [from, to] pairs of whole numbers");
  let total = 0;
  for (const range of seqRanges) total += range[1] - range[0];
  if (total !== sentCount) return invalid("sent must equal the numbers its ranges hold");
  if (bson.bsonType(record.clusterTime) !== "Timestamp") return invalid("clusterTime must be a Timestamp");
  return {
    id,
    ns,
    part: partNumber,
    parts: partCount,
    sent: sentCount,
    ranges: seqRanges,
    clusterTime: record.clusterTime
  };
}
function readRanges(value, bson) {
  if (!Array.isArray(value)) return void 0;
  const out = [];
  let end = 0;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) return void 0;
    const from = wholeNumber(pair[0], bson);
    const to = wholeNumber(pair[1], bson);
    if (from === void 0 || to === void 0 || from < end || to < from) return void 0;
    out.push([from, to]);
    end = to;
  }
  return out;
}
function namespaceOf(ns) {
  if (!isObject2(ns)) return void 0;
  const { db, coll } = ns;
  return typeof db === "string" && db !== "" && typeof coll === "string" && coll !== "" ? `${db}.${coll}` : void 0;
}
function wholeNumber(value, bson) {
  let n;
  if (typeof value === "number") n = value;
  else {
    const type = bson.bsonType(value);
    if (type === "Long") n = value.toNumber();
    else if (type === "Int32" || type === "Double") n = value.valueOf();
  }
  return n !== void 0 && n >= 0 && n <= 9007199254740991 && Math.floor(n) === n ? n : void 0;
}
function isObject2(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// src/core/firehose/formats/reconcile-closing.ts
var reconcileClosing = {
  name: "reconcile closing record",
  recognise(record, bson) {
    if (!isClosingRecord(record)) return void 0;
    const closing = readClosingRecord(record, bson);
    if ("invalid" in closing)
      return refused(refusal("reconcile_invalid", `reconcile closing record: ${closing.invalid}`));
    return { kind: "closing", closing };
  }
};

// src/core/firehose/formats/record-formats.ts
var RECORD_FORMATS = [
  reconcileClosing,
  legacyChange,
  mongodbChangeEvent,
  plainDocument
];
function recogniseRecord(record, bson, stream, formats = RECORD_FORMATS) {
  let recognition;
  for (let i = 0; i < formats.length && recognition === void 0; i++)
    recognition = formats[i].recognise(record, bson);
  if (recognition === void 0)
    throw new Error("no record format claimed the record; the last format must claim every record");
  if (recognition.kind === "change" && recognition.change.source === stream.heartbeatSource)
    recognition = { kind: "heartbeat", change: recognition.change };
  else if (recognition.kind === "closing" && recognition.closing.ns === stream.heartbeatSource)
    recognition = refused(
      refusal(
        "reconcile_invalid",
        "reconcile closing record: the heartbeat collection is not mirrored: nothing to reconcile"
      )
    );
  return recognition;
}

// src/core/firehose/apply/plan-writes.ts
function planWrites(records, requestId, bson, routing, now, reconcile) {
  const chosen = /* @__PURE__ */ new Map();
  const targetCache = /* @__PURE__ */ new Map();
  const rejected = [];
  let candidates = 0;
  let heartbeats = 0;
  let basicJson = 0;
  for (const record of records) {
    if (record.kind !== "document") continue;
    const mark = readMarkOf(record.document, bson);
    if (mark !== void 0) noteReadMark(reconcile, mark);
    let planned;
    try {
      const recognised = recogniseRecord(record.document, bson, routing);
      if ("change" in recognised && recognised.change.basicJson) basicJson++;
      planned = planRecord(recognised, record, requestId, routing, targetCache, now, bson, reconcile);
      if (planned !== void 0 && !isRefusal(planned)) {
        if (planned.write.kind === "heartbeat") heartbeats++;
        planned = documentLimitProblem(record, planned.write.operation, bson) || planned;
      }
    } catch (error) {
      planned = refusal("record_failed", `planning the record's write failed: ${errorName(error)}`);
    }
    if (planned === void 0) continue;
    if (isRefusal(planned)) {
      rejected.push({ index: record.index, refusal: planned });
      continue;
    }
    candidates++;
    let byId = chosen.get(planned.target);
    if (!byId) {
      byId = /* @__PURE__ */ new Map();
      chosen.set(planned.target, byId);
    }
    const list = byId.get(planned.write.key);
    if (list) list.push(planned.write);
    else byId.set(planned.write.key, [planned.write]);
  }
  const rounds = [];
  let kept = 0;
  chosen.forEach((byId, target) => {
    byId.forEach((list) => {
      const writes = survivors(list);
      kept += writes.length;
      writes.forEach((write, round) => {
        while (rounds.length <= round) rounds.push([]);
        let group = find(rounds[round], target);
        if (!group) {
          group = { target, writes: [] };
          rounds[round].push(group);
        }
        group.writes.push(write);
      });
    });
  });
  for (const round of rounds) for (const group of round) group.writes.sort((a, b) => a.index - b.index);
  return { rounds, superseded: candidates - kept, rejected, heartbeats, basicJson };
}
function planRecord(recognised, record, requestId, routing, targetCache, now, bson, reconcile) {
  switch (recognised.kind) {
    case "refused":
      return recognised.refusal;
    case "closing":
      return takeClosing(reconcile, recognised.closing, bson, routing, targetCache);
    case "heartbeat":
      return planHeartbeat(recognised.change, record.index, routing, now);
    case "change":
      return planChange(recognised.change, record.index, routing, targetCache);
  }
  let document = recognised.document;
  if (!("_id" in document)) document = { _id: `${requestId}:${record.index}`, ...document };
  const id = document._id;
  const operation = { replaceOne: { filter: { _id: id }, replacement: document, upsert: true } };
  return {
    target: routing.defaultTarget,
    write: { kind: "plain", index: record.index, id, key: idKey(id, bson), operation }
  };
}
function survivors(list) {
  if (list.length === 1) return list;
  if (list.some((write) => write.position === void 0)) return [list[list.length - 1]];
  const ordered = list.slice().sort(
    (a, b) => a.position < b.position ? -1 : a.position > b.position ? 1 : a.index - b.index
  );
  let start = 0;
  for (let i = ordered.length - 1; i >= 0; i--) {
    if (ordered[i].kind !== "delta") {
      start = i;
      break;
    }
  }
  const out = [];
  for (let i = start; i < ordered.length; i++) {
    const last = out[out.length - 1];
    if (last && last.position === ordered[i].position) {
      if (last.kind === "delta" || ordered[i].kind !== "delta") out[out.length - 1] = ordered[i];
    } else out.push(ordered[i]);
  }
  return out;
}
function find(groups, target) {
  for (const group of groups) if (group.target === target) return group;
  return void 0;
}
function planHeartbeat(change, index, routing, now) {
  const { id, key, position } = change;
  const beat = change.fullDocument;
  if (!beat) return refusal("heartbeat_no_document");
  const at = beat.at instanceof Date ? beat.at : null;
  const latest = {
    _id: id,
    app: beat.app === void 0 ? null : beat.app,
    lastHeartbeatAt: at,
    receivedAt: new Date(now),
    lagMs: at ? now - at.getTime() : null,
    outboxDepth: beat.outboxDepth === void 0 ? null : beat.outboxDepth,
    lastSuccessfulPutAt: beat.lastSuccessfulPutAt === void 0 ? null : beat.lastSuccessfulPutAt,
    [POSITION_FIELD]: { pos: position }
  };
  const operation = { replaceOne: { filter: olderThan(id, position), replacement: latest, upsert: true } };
  return { target: routing.heartbeatTarget, write: { kind: "heartbeat", index, id, key, position, operation } };
}
function planChange(change, index, routing, targetCache) {
  const { id, position, fullDocument: full } = change;
  const guard = olderThan(id, position);
  const source = change.source;
  const target = change.ns ? targetFor(routing, change.ns, targetCache) : targetWithoutNamespace(routing);
  if ("problem" in target) return refusal(target.problem, target.reason);
  if (change.operationType === "delete")
    return changeWrite("delete", target, index, change, source, { deleteOne: { filter: guard } });
  if (full) {
    const stamp = source === void 0 ? { pos: position } : { pos: position, ns: source };
    const replacement = { ...full, _id: id, [POSITION_FIELD]: stamp };
    return changeWrite("upsert", target, index, change, source, {
      replaceOne: { filter: guard, replacement, upsert: true }
    });
  }
  if (change.operationType === "update" && change.updateDescription && change.degraded.indexOf("updateDescription") === -1) {
    const truncated = change.updateDescription.truncatedArrays;
    if (Array.isArray(truncated) && truncated.length > 0) {
      return refusal(
        "change_no_document",
        "update event with truncatedArrays and without fullDocument; publish full documents (fullDocument: updateLookup)"
      );
    }
    return changeWrite("delta", target, index, change, source, {
      updateOne: { filter: guard, update: updateFrom(change.updateDescription, position, source) }
    });
  }
  if (change.degraded.indexOf("fullDocument") !== -1) {
    return refusal(
      "change_document_dropped_for_size",
      "the producer published this change without its document (over the record size limit); re-read it from the source with a snapshot"
    );
  }
  return refusal("change_no_document", `${change.operationType} event without fullDocument`);
}
function changeWrite(kind, target, index, change, source, operation) {
  return {
    target,
    write: { kind, index, id: change.id, key: change.key, position: change.position, source, operation }
  };
}
function updateFrom(description, position, source) {
  const set = {
    ...description.updatedFields || {},
    [POSITION_PATH]: position,
    ...source === void 0 ? {} : { [`${POSITION_FIELD}.ns`]: source }
  };
  const unset = {};
  const removed = description.removedFields;
  if (Array.isArray(removed)) {
    for (const field of removed) if (typeof field === "string") unset[field] = "";
  }
  return Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
}

// src/core/firehose/apply/apply-records.ts
function applyRecordsInProcess(records, delivery, deps) {
  const { config, dataSource, bson } = deps;
  const plan = planWrites(records, delivery.requestId, bson, config.routing, deps.clock.now(), delivery.reconcile);
  const applied = {
    stored: 0,
    stale: 0,
    superseded: plan.superseded,
    heartbeats: plan.heartbeats,
    basicJson: plan.basicJson,
    refused: plan.rejected.slice()
  };
  return async () => {
    const deletesCollection = dataSource.db(config.database).collection(config.deletesCollection);
    const deletes = { collection: deletesCollection, now: deps.clock.now(), bson };
    const applyGroup = async (group) => {
      const result = await applyTargetWrites(
        dataSource.db(group.target.db).collection(group.target.coll),
        group,
        deletes
      );
      applied.stored += result.stored;
      applied.stale += result.stale;
      for (const refused2 of result.refused) applied.refused.push(refused2);
    };
    for (const round of plan.rounds) await Promise.all(round.map(applyGroup));
    return applied;
  };
}
async function applyHandedRecords(args, deps) {
  const handoff = readRecordsHandoff(args, deps.bson);
  const records = handoff.records.map(({ index, document, depth, bytes }) => ({
    kind: "document",
    index,
    document,
    depth,
    bytes
  }));
  const delivery = { requestId: handoff.requestId, reconcile: emptyReconcileBatch() };
  const applied = await applyRecordsInProcess(records, delivery, deps)();
  return {
    stored: applied.stored,
    stale: applied.stale,
    superseded: applied.superseded,
    heartbeats: applied.heartbeats,
    basicJson: applied.basicJson,
    refused: applied.refused.map(({ index, refusal: refusal2 }) => ({ index, code: refusal2.code, message: refusal2.message })),
    reconcile: reconcileNotesOf(delivery.reconcile)
  };
}

// src/functions/applyFirehoseRecords.ts
async function applyFirehoseRecords(...args) {
  return applyHandedRecords(args, applyRecordsFromContext(context));
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
