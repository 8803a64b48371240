// receiveFirehoseDelivery: App Services function generated from src/functions/receiveFirehoseDelivery.ts by `npm run build`.
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

// src/functions/receiveFirehoseDelivery.ts
var receiveFirehoseDelivery_exports = {};
__export(receiveFirehoseDelivery_exports, {
  default: () => receiveFirehoseDelivery2
});
module.exports = __toCommonJS(receiveFirehoseDelivery_exports);

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
var statusForKind = {
  unauthorized: 401,
  malformed_request: 400,
  body_too_large: 400,
  method_not_allowed: 405,
  misconfigured: 500,
  not_ready: 500,
  unavailable: 503,
  refused: 400
};
var ERRORS = {
  setting_invalid: { kind: "misconfigured", message: "a setting is invalid" },
  mongodb_uri_missing: { kind: "misconfigured", message: "MONGODB_URI is not set" },
  data_source_missing: { kind: "misconfigured", message: "the App Services data source is not linked to this app" },
  kinesis_gave_up: { kind: "unavailable", message: "PutRecords gave up" }
};
function ok(value) {
  return { ok: true, value };
}
function failed(error) {
  return { ok: false, error };
}
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
function toError(failure) {
  if (failure instanceof BridgeError) return failure;
  return new BridgeError(failure.code, failure.message, { cause: failure.cause, kind: failure.kind });
}
function describeError(error) {
  const describe = (value) => value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? error.cause : void 0;
  const text2 = cause === void 0 ? describe(error) : `${describe(error)} (cause: ${describe(cause)})`;
  return text2.slice(0, 500);
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

// src/core/chunk.ts
function chunkEnd(start, total, limits, sizeAt) {
  let end = start;
  let bytes = 0;
  while (end < total && end - start < limits.maxCount) {
    const size = sizeAt(end);
    if (end > start && bytes + size > limits.maxBytes) break;
    bytes += size;
    end++;
  }
  return end;
}

// src/core/numbers.ts
function isInteger(value) {
  return isFinite(value) && Math.floor(value) === value;
}

// src/core/ejson/text-formats.ts
var INT32_MIN = -2147483648;
var INT32_MAX = 2147483647;
function shortIntegerValue(text2) {
  const length = text2.length;
  const negative = length > 0 && text2.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const digits = length - start;
  if (digits === 0 || digits > 15) return NaN;
  if (text2.charCodeAt(start) === 48 && (digits > 1 || negative)) return NaN;
  let value = 0;
  for (let i = start; i < length; i++) {
    const digit = text2.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
function int32Value(text2) {
  const value = shortIntegerValue(text2);
  return value >= INT32_MIN && value <= INT32_MAX ? value : NaN;
}
function isInt64Text(text2) {
  const length = text2.length;
  const negative = length > 0 && text2.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const digits = length - start;
  if (digits === 0 || digits > 19) return false;
  if (text2.charCodeAt(start) === 48 && (digits > 1 || negative)) return false;
  for (let i = start; i < length; i++) {
    const code = text2.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  if (digits < 19) return true;
  return (negative ? text2.slice(1) : text2) <= (negative ? "9223372036854775808" : "9223372036854775807");
}
var DECIMAL_DOUBLE = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
function doubleValue(text2) {
  if (text2 === "Infinity") return Infinity;
  if (text2 === "-Infinity") return -Infinity;
  if (text2 === "NaN") return NaN;
  if (!DECIMAL_DOUBLE.test(text2)) return void 0;
  const value = Number(text2);
  return isFinite(value) ? value : void 0;
}
var DECIMAL128 = /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$/i;
function isDecimal128Text(text2) {
  return DECIMAL128.test(text2);
}
var MILLIS_PER_DAY = 864e5;
var DATE_LIMIT_MS = 864e13;
function isoDateMillis(text2) {
  const length = text2.length;
  if (length < 20) return NaN;
  const year = fixedDigits(text2, 0, 4);
  const month = fixedDigits(text2, 5, 2);
  const day = fixedDigits(text2, 8, 2);
  const hour = fixedDigits(text2, 11, 2);
  const minute = fixedDigits(text2, 14, 2);
  const second = fixedDigits(text2, 17, 2);
  if ((year | month | day | hour | minute | second) < 0 || text2.charCodeAt(4) !== 45 || text2.charCodeAt(7) !== 45 || (text2.charCodeAt(10) | 32) !== 116 || text2.charCodeAt(13) !== 58 || text2.charCodeAt(16) !== 58 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return NaN;
  }
  let i = 19;
  let millis = 0;
  if (text2.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < length && isDigit(text2.charCodeAt(i))) {
      const digit = text2.charCodeAt(i) - 48;
      if (i - start < 3) millis += digit * (i - start === 0 ? 100 : i - start === 1 ? 10 : 1);
      else if (digit !== 0) return NaN;
      i++;
    }
    if (i === start) return NaN;
  }
  const offset = zoneOffsetMinutes(text2, i);
  if (offset !== offset) return NaN;
  return daysFromCivil(year, month, day) * MILLIS_PER_DAY + ((hour * 60 + minute - offset) * 60 + second) * 1e3 + millis;
}
function zoneOffsetMinutes(text2, at) {
  const code = text2.charCodeAt(at);
  if ((code | 32) === 122) return at + 1 === text2.length ? 0 : NaN;
  if (code !== 43 && code !== 45 || at + 6 !== text2.length || text2.charCodeAt(at + 3) !== 58) return NaN;
  const hours = fixedDigits(text2, at + 1, 2);
  const minutes = fixedDigits(text2, at + 4, 2);
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return NaN;
  return (code === 45 ? -1 : 1) * (hours * 60 + minutes);
}
function fixedDigits(text2, at, count) {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text2.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 48;
  }
  return value;
}
function isDigit(code) {
  return code >= 48 && code <= 57;
}
function daysInMonth(year, month) {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
function daysFromCivil(year, month, day) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
var BASE64_DIGITS = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".split("").forEach((c, i) => BASE64_DIGITS[c.charCodeAt(0)] = i);
function base64Digit(text2, index) {
  const code = text2.charCodeAt(index);
  return code < 128 ? BASE64_DIGITS[code] : -1;
}
function strictBase64Length(text2) {
  const length = text2.length;
  if (length % 4 !== 0) return -1;
  let padding = 0;
  if (length > 0 && text2.charCodeAt(length - 1) === 61) padding++;
  if (padding === 1 && text2.charCodeAt(length - 2) === 61) padding++;
  if (padding > 0) {
    const last = base64Digit(text2, length - padding - 1);
    if (last < 0 || (last & (padding === 2 ? 15 : 3)) !== 0) return -1;
  }
  return length / 4 * 3 - padding;
}
function isBase64Alphabet(text2) {
  let end = text2.length;
  while (end > 0 && text2.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) if (base64Digit(text2, i) < 0) return false;
  return true;
}
function decodeSmallBase64(text2, length) {
  if (length > ON_HEAP_BYTES) return void 0;
  const bytes = Buffer.alloc(length);
  let out = 0;
  for (let i = 0; i < text2.length; i += 4) {
    const a = base64Digit(text2, i);
    const b = base64Digit(text2, i + 1);
    const c = out + 1 < length ? base64Digit(text2, i + 2) : 0;
    const d = out + 2 < length ? base64Digit(text2, i + 3) : 0;
    if ((a | b | c | d) < 0) return null;
    const group = a << 18 | b << 12 | c << 6 | d;
    bytes[out++] = group >> 16;
    if (out < length) bytes[out++] = group >> 8 & 255;
    if (out < length) bytes[out++] = group & 255;
  }
  return bytes;
}
var ON_HEAP_BYTES = 64;
function subTypeValue(text2) {
  const length = text2.length;
  if (length < 1 || length > 2) return -1;
  const high = length === 2 ? hexDigit(text2.charCodeAt(0)) : 0;
  const low = hexDigit(text2.charCodeAt(length - 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}
function hexDigit(code) {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}
function vectorProblem(bytes) {
  if (bytes.length < 2) return "a vector (subtype 9) needs its dtype and padding bytes";
  const dtype = bytes[0];
  const padding = bytes[1];
  const INT8 = 3;
  const FLOAT32 = 39;
  const PACKED_BIT = 16;
  if ((dtype === INT8 || dtype === FLOAT32) && padding !== 0) return "an int8 or float32 vector has padding";
  if (dtype === FLOAT32 && (bytes.length - 2) % 4 !== 0) return "a float32 vector's bytes are not whole floats";
  if (dtype === PACKED_BIT && padding > 7) return "a packed-bit vector's padding is above 7";
  if (dtype === PACKED_BIT && padding !== 0 && bytes.length === 2) return "an empty packed-bit vector has padding";
  return void 0;
}
var UUID_TEXT = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
function uuidBytes(text2) {
  if (!UUID_TEXT.test(text2)) return void 0;
  const hex = text2.split("-").join("");
  if (hex.length !== 32 || text2.length !== 32 && text2.length !== 36) return void 0;
  return Buffer.from(hex, "hex");
}
function regexOptions(text2) {
  if (text2.length > 6) return void 0;
  let seen = "";
  for (let i = 0; i < text2.length; i++) {
    const option = text2.charAt(i);
    if ("ilmsux".indexOf(option) === -1 || seen.indexOf(option) !== -1) return void 0;
    seen += option;
  }
  return seen.split("").sort().join("");
}
function hasLoneSurrogate(text2) {
  for (let i = 0; i < text2.length; i++) {
    const code = text2.charCodeAt(i);
    if (code < 55296 || code > 57343) continue;
    if (code > 56319) return true;
    const next = text2.charCodeAt(i + 1);
    if (!(next >= 56320 && next <= 57343)) return true;
    i++;
  }
  return false;
}
function decodedLength(base64) {
  const length = base64.length;
  if (length % 4 !== 0) return -1;
  let padding = 0;
  if (length > 0 && base64.charCodeAt(length - 1) === 61) padding++;
  if (length > 1 && base64.charCodeAt(length - 2) === 61) padding++;
  return length / 4 * 3 - padding;
}

// src/core/ejson/errors.ts
var EJSON_ERRORS = {
  extended_json_invalid: { kind: "refused", message: "data is not valid Extended JSON" },
  field_name_invalid: { kind: "refused", message: "a field name cannot be held by BSON as it is" },
  string_invalid: { kind: "refused", message: "a string holds an unpaired UTF-16 surrogate" },
  nesting_too_deep: { kind: "refused", message: "the record nests too deep" }
};
var ejsonErrors = /* @__PURE__ */ errorsOf(EJSON_ERRORS);

// src/core/ejson/record-problems.ts
var RecordProblem = class {
  constructor(at, code, rule) {
    this.at = at;
    this.code = code;
    this.rule = rule;
  }
};
var WALK_DEPTH_LIMIT = 1e3;
function describeProblem(problem2, root) {
  const path = pathTo(root, problem2.at);
  switch (problem2.code) {
    case "extended_json_invalid":
      return ejsonErrors.error(problem2.code, `data is not valid Extended JSON at ${path}: ${problem2.rule}`);
    case "field_name_invalid":
      return ejsonErrors.error(problem2.code, `a field name in ${path} ${problem2.rule}`);
    case "string_invalid":
      return ejsonErrors.error(problem2.code, `a string in ${path} ${problem2.rule}`);
    case "nesting_too_deep":
      return ejsonErrors.error(problem2.code, problem2.rule);
  }
}
var MAX_PATH = 300;
var MAX_SEGMENT = 64;
function pathTo(root, target) {
  const segments = findSegments(root, target, 0);
  if (segments === void 0 || segments.length === 0) return "(top level)";
  const path = segments.map((segment) => {
    const shown2 = segment.length > MAX_SEGMENT ? `${segment.slice(0, MAX_SEGMENT)}…` : segment;
    return shown2 === "" ? '""' : shown2;
  }).join(".");
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}
function findSegments(value, target, depth) {
  if (value === target) return [];
  if (value === null || typeof value !== "object" || depth > WALK_DEPTH_LIMIT) return void 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findSegments(value[i], target, depth + 1);
      if (found) return [String(i)].concat(found);
    }
    return void 0;
  }
  if (typeof value._bsontype === "string") return void 0;
  for (const key of Object.keys(value)) {
    const found = findSegments(value[key], target, depth + 1);
    if (found) return [key].concat(found);
  }
  return void 0;
}
function checkNamesAndStrings(value, depth = 1) {
  if (value === null || typeof value !== "object") return;
  if (depth > WALK_DEPTH_LIMIT) throw tooDeep(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "string") checkString(item, value);
      else checkNamesAndStrings(item, depth + 1);
    }
    return;
  }
  const object = value;
  for (const key of Object.keys(object)) {
    if (key.indexOf("\0") !== -1) throw new RecordProblem(object, "field_name_invalid", "holds a NUL character");
    if (key === BSONTYPE) throw bsontypeField(object);
    if (hasLoneSurrogate(key))
      throw new RecordProblem(
        object,
        "field_name_invalid",
        "holds an unpaired UTF-16 surrogate, which UTF-8 cannot hold"
      );
    const item = object[key];
    if (typeof item === "string") checkString(item, object);
    else checkNamesAndStrings(item, depth + 1);
  }
}
function checkString(text2, container) {
  if (hasLoneSurrogate(text2))
    throw new RecordProblem(container, "string_invalid", "holds an unpaired UTF-16 surrogate, which UTF-8 cannot hold");
}
function tooDeep(at) {
  return new RecordProblem(at, "nesting_too_deep", `the record nests deeper than ${WALK_DEPTH_LIMIT} levels`);
}
var BSONTYPE = "_bsontype";
function bsontypeField(at) {
  return new RecordProblem(at, "field_name_invalid", "is _bsontype, which JavaScript BSON encoders read as a type");
}

// src/core/ejson/wrappers.ts
var WRAPPER_KEYS = /* @__PURE__ */ new Set([
  "$oid",
  "$symbol",
  "$numberInt",
  "$numberLong",
  "$numberDouble",
  "$numberDecimal",
  "$binary",
  "$code",
  "$scope",
  "$timestamp",
  "$regularExpression",
  "$dbPointer",
  "$date",
  "$minKey",
  "$maxKey",
  "$undefined",
  "$uuid"
]);
var OBJECT_ID = /^[0-9a-fA-F]{24}$/;
function problem(at, rule) {
  return new RecordProblem(at, "extended_json_invalid", rule);
}
function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
function exactKeys(value, keys, wrapper, at) {
  if (!isPlainObject(value)) throw problem(at, `${wrapper} is not an object with ${keys.join(" and ")}`);
  const present = Object.keys(value);
  if (present.length !== keys.length) throw problem(at, `${wrapper} must hold exactly ${keys.join(" and ")}`);
  for (let i = 0; i < keys.length; i++) {
    if (!(keys[i] in value)) throw problem(at, `${wrapper} must hold exactly ${keys.join(" and ")}`);
  }
  return value;
}
function readObjectId(inner, at, bson) {
  if (typeof inner !== "string" || !OBJECT_ID.test(inner)) throw problem(at, "$oid is not a string of 24 hex digits");
  return new bson.lib.ObjectId(inner);
}
function readInt32(inner, at) {
  const value = typeof inner === "string" ? int32Value(inner) : NaN;
  if (value !== value) throw problem(at, "$numberInt is not a decimal Int32 string (-2147483648 to 2147483647)");
  return value | 0;
}
function readInt64(inner, at, bson) {
  if (typeof inner === "string") {
    const value = shortIntegerValue(inner);
    if (value === value) return bson.lib.Long.fromNumber(value);
    if (isInt64Text(inner)) return bson.lib.Long.fromString(inner);
  }
  throw problem(at, "$numberLong is not a decimal Int64 string (-9223372036854775808 to 9223372036854775807)");
}
function readDouble(inner, at, bson) {
  const value = typeof inner === "string" ? doubleValue(inner) : void 0;
  if (value === void 0)
    throw problem(at, '$numberDouble is not a decimal string of a double (or "Infinity", "-Infinity", "NaN")');
  return new bson.lib.Double(value);
}
function readDate(inner, at) {
  let ms = NaN;
  if (typeof inner === "string") {
    ms = isoDateMillis(inner);
    if (ms !== ms) throw problem(at, "$date is not an RFC 3339 date-time (to the millisecond, with its zone)");
  } else if (isPlainObject(inner)) {
    const long = exactKeys(inner, ["$numberLong"], "$date", at).$numberLong;
    ms = typeof long === "string" ? shortIntegerValue(long) : NaN;
    if (ms !== ms) {
      if (typeof long !== "string" || !isInt64Text(long))
        throw problem(at, "$date.$numberLong is not a decimal Int64 string");
      ms = Number(long);
    }
  } else {
    throw problem(at, "$date is neither an RFC 3339 string nor {$numberLong}");
  }
  if (!(ms >= -DATE_LIMIT_MS && ms <= DATE_LIMIT_MS))
    throw problem(at, "$date is outside the range a JavaScript Date holds (±8.64e15 ms), so it cannot be written");
  return new Date(ms === 0 ? 0 : ms);
}
function readBinary(inner, at, bson) {
  const fields = exactKeys(inner, ["base64", "subType"], "$binary", at);
  const { base64, subType } = fields;
  const length = typeof base64 === "string" ? strictBase64Length(base64) : -1;
  if (length < 0) throw problem(at, "$binary.base64 is not padded base64 of the standard alphabet");
  const type = typeof subType === "string" ? subTypeValue(subType) : -1;
  if (type < 0) throw problem(at, "$binary.subType is not one or two hex digits");
  const text2 = base64;
  const bytes = decodeSmallBase64(text2, length) || isBase64Alphabet(text2) && Buffer.from(text2, "base64");
  if (!bytes) throw problem(at, "$binary.base64 is not padded base64 of the standard alphabet");
  if (type === 9) {
    const broken = vectorProblem(bytes);
    if (broken !== void 0) throw problem(at, broken);
  }
  return new bson.lib.Binary(bytes, type);
}
function readUuid(inner, at, bson) {
  const bytes = typeof inner === "string" ? uuidBytes(inner) : void 0;
  if (!bytes) throw problem(at, "$uuid is not a UUID (8-4-4-4-12 hex digits)");
  return new bson.lib.Binary(bytes, 4);
}
function readTimestamp(inner, at, bson) {
  const { t, i } = exactKeys(inner, ["t", "i"], "$timestamp", at);
  if (!isUint32(t) || !isUint32(i)) throw problem(at, "$timestamp.t and .i are not integers from 0 to 4294967295");
  if (!bson.lib.Timestamp) throw problem(at, "this host's BSON library has no Timestamp");
  return new bson.lib.Timestamp({ t, i });
}
function readRegularExpression(inner, at, bson) {
  const { pattern, options } = exactKeys(inner, ["pattern", "options"], "$regularExpression", at);
  if (typeof pattern !== "string" || pattern.indexOf("\0") !== -1)
    throw problem(at, "$regularExpression.pattern is not a string without NUL");
  const sorted = typeof options === "string" ? regexOptions(options) : void 0;
  if (sorted === void 0)
    throw problem(at, '$regularExpression.options is not a string of distinct letters from "ilmsux"');
  return new bson.lib.BSONRegExp(pattern, sorted);
}
function readDecimal(inner, at, bson) {
  if (typeof inner === "string") {
    const direct = decimalDirect(inner, bson.lib);
    if (direct !== void 0) return direct;
    if (isDecimal128Text(inner)) {
      try {
        return bson.lib.Decimal128.fromString(inner);
      } catch (e) {
        throw problem(at, "$numberDecimal is more than a Decimal128 holds exactly (34 digits, exponent -6176 to 6111)");
      }
    }
  }
  throw problem(at, "$numberDecimal is not a decimal string");
}
function readKey(inner, at, wrapper, bson) {
  if (inner !== 1) throw problem(at, `${wrapper} is not 1`);
  return wrapper === "$minKey" ? new bson.lib.MinKey() : new bson.lib.MaxKey();
}
function readUndefined(inner, at) {
  if (inner !== true) throw problem(at, "$undefined is not true");
  return null;
}
function readWithLibrary(wrapper, bson) {
  try {
    const parsed = bson.ejson.parse(`{"v":${JSON.stringify(wrapper)}}`, { relaxed: false });
    return parsed.v;
  } catch (e) {
    throw problem(wrapper, "this host's Extended JSON reader cannot build it");
  }
}
function checkSymbol(inner, at) {
  if (typeof inner !== "string") throw problem(at, "$symbol is not a string");
}
function checkCode(object, keys) {
  if (typeof object.$code !== "string") throw problem(object, "$code is not a string");
  if (keys.length === 2 && !isPlainObject(object.$scope)) throw problem(object, "$scope is not a document");
}
function checkDbPointer(inner, at) {
  const { $ref, $id } = exactKeys(inner, ["$ref", "$id"], "$dbPointer", at);
  if (typeof $ref !== "string" || $ref === "") throw problem(at, "$dbPointer.$ref is not a namespace string");
  const id = isPlainObject($id) && Object.keys($id).length === 1 ? $id.$oid : void 0;
  if (typeof id !== "string" || !OBJECT_ID.test(id)) throw problem(at, "$dbPointer.$id is not an {$oid} ObjectId");
}
function isUint32(value) {
  return typeof value === "number" && value >= 0 && value <= 4294967295 && Math.floor(value) === value;
}
var DECIMAL_EXPONENT_BIAS = 6176;
function decimalDirect(text2, lib) {
  const length = text2.length;
  const negative = length > 0 && text2.charCodeAt(0) === 45;
  let coefficient = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (let i = negative ? 1 : 0; i < length; i++) {
    const code = text2.charCodeAt(i);
    if (code === 46 && fractionDigits === -1 && digits > 0) {
      fractionDigits = 0;
      continue;
    }
    const digit = code - 48;
    if (digit < 0 || digit > 9 || ++digits > 15) return void 0;
    coefficient = coefficient * 10 + digit;
    if (fractionDigits !== -1) fractionDigits++;
  }
  if (digits === 0 || fractionDigits === 0) return void 0;
  const exponent = fractionDigits === -1 ? 0 : -fractionDigits;
  const bytes = Buffer.alloc(16);
  writeUint32LE(bytes, coefficient % 4294967296, 0);
  writeUint32LE(bytes, Math.floor(coefficient / 4294967296), 4);
  writeUint32LE(bytes, (negative ? 2147483648 : 0) + (DECIMAL_EXPONENT_BIAS + exponent) * 131072, 12);
  return new lib.Decimal128(bytes);
}
function writeUint32LE(bytes, value, offset) {
  bytes[offset] = value & 255;
  bytes[offset + 1] = value >>> 8 & 255;
  bytes[offset + 2] = value >>> 16 & 255;
  bytes[offset + 3] = value >>> 24 & 255;
}

// src/core/ejson/parse-extended-json.ts
function parseExtendedJson(text2, bson, measured) {
  const plain = JSON.parse(text2);
  try {
    if (text2.indexOf("\\u") !== -1) checkNamesAndStrings(plain);
    return reviveRecord(plain, bson, false, measured);
  } catch (error) {
    if (error instanceof RecordProblem) throw describeProblem(error, plain);
    if (error !== NEEDS_EXACT_INTEGERS) throw error;
  }
  const exact = JSON.parse(exactIntegerText(text2));
  try {
    return reviveRecord(exact, bson, true, measured);
  } catch (error) {
    throw error instanceof RecordProblem ? describeProblem(error, exact) : error;
  }
}
function reviveRecord(value, bson, exact, measured) {
  deepest = 1;
  const revived = isObject(value) ? reviveFields(value, void 0, 0, bson, exact, 1, true) : revive(value, bson, exact, 1);
  if (measured) measured.depth = deepest;
  return revived;
}
var NEEDS_EXACT_INTEGERS = { reason: "an integer JSON.parse may have rounded" };
var EXACT_LIMIT = 9007199254740992;
var INT64_LIMIT = 9223372036854776e3;
var LONG_DIGIT_RUN = /\d{16}/;
var deepest = 1;
function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
function revive(value, bson, exact, depth) {
  if (typeof value === "number") return reviveNumber(value, bson, exact);
  if (value === null || typeof value !== "object") return value;
  if (depth > deepest) {
    deepest = depth;
    if (depth > WALK_DEPTH_LIMIT) throw tooDeep(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" || typeof item === "number") {
        const revived = revive(item, bson, exact, depth + 1);
        if (revived !== item) value[i] = revived;
      }
    }
    return value;
  }
  return reviveFields(value, void 0, 0, bson, exact, depth);
}
function reviveFields(object, keys, from, bson, exact, depth, record = false) {
  const names = keys || Object.keys(object);
  for (let k = from; k < names.length; k++) {
    const key = names[k];
    const first = key.charCodeAt(0);
    if (first === 36 && !record) return reviveDollarObject(object, names, k, bson, exact, depth);
    if (first === 95 && key === BSONTYPE) throw bsontypeField(object);
    const item = object[key];
    if (typeof item === "number") {
      if ((item | 0) === item ? item === 0 : isInteger(item)) {
        const revived = reviveNumber(item, bson, exact);
        if (revived !== item) setOwn(object, key, revived);
      }
    } else if (typeof item === "object") {
      const revived = revive(item, bson, exact, depth + 1);
      if (revived !== item) setOwn(object, key, revived);
    }
  }
  return object;
}
function reviveDollarObject(object, keys, at, bson, exact, depth) {
  if (keys.length === 1) {
    const value = reviveWrapper(object, keys[0], bson, depth);
    if (value !== NOT_A_WRAPPER) return value;
  } else if (keys.length === 2 && "$code" in object && "$scope" in object) {
    return reviveCodeWithScope(object, keys, bson, exact, depth);
  } else {
    for (let k = at; k < keys.length; k++) {
      if (!WRAPPER_KEYS.has(keys[k])) continue;
      const wrapper = keys[k] === "$scope" ? "$scope (with $code)" : keys[k];
      throw problem(object, `${wrapper} must be the only key of its object, found ${keys.length} keys`);
    }
  }
  return reviveFields(object, keys, at, bson, exact, depth, true);
}
var NOT_A_WRAPPER = { reason: "a $-prefixed key that is no type wrapper" };
function reviveWrapper(object, key, bson, depth) {
  const inner = object[key];
  switch (key) {
    case "$oid":
      return readObjectId(inner, object, bson);
    case "$numberLong":
      return readInt64(inner, object, bson);
    case "$numberInt":
      return readInt32(inner, object);
    case "$numberDouble":
      return readDouble(inner, object, bson);
    case "$numberDecimal":
      return readDecimal(inner, object, bson);
    case "$date":
      return readDate(inner, object);
    case "$binary":
      return readBinary(inner, object, bson);
    case "$timestamp":
      return readTimestamp(inner, object, bson);
    case "$regularExpression":
      return readRegularExpression(inner, object, bson);
    case "$minKey":
    case "$maxKey":
      return readKey(inner, object, key, bson);
    case "$uuid":
      return readUuid(inner, object, bson);
    case "$undefined":
      return readUndefined(inner, object);
    case "$symbol":
      checkSymbol(inner, object);
      return readWithLibrary(object, bson);
    case "$code":
      checkCode(object, [key]);
      return readWithLibrary(object, bson);
    case "$dbPointer":
      checkDbPointer(inner, object);
      if (depth + 1 > deepest) deepest = depth + 1;
      return readWithLibrary(object, bson);
    case "$scope":
      throw problem(object, "$scope without $code");
  }
  return NOT_A_WRAPPER;
}
function reviveCodeWithScope(object, keys, bson, exact, depth) {
  checkCode(object, keys);
  let scope;
  try {
    scope = revive(JSON.parse(JSON.stringify(object.$scope)), bson, exact, depth + 1);
  } catch (error) {
    if (error instanceof RecordProblem) throw new RecordProblem(object, error.code, `in $scope, ${error.rule}`);
    throw error;
  }
  if (!isObject(scope) || scope instanceof Date || typeof scope._bsontype === "string")
    throw problem(object, "$scope is not a document");
  return readWithLibrary(object, bson);
}
function reviveNumber(value, bson, exact) {
  if ((value | 0) === value) return value === 0 && 1 / value < 0 ? new bson.lib.Double(value) : value;
  if (isInteger(value) && value <= INT64_LIMIT && value >= -INT64_LIMIT - 1) {
    if (!exact && (value >= EXACT_LIMIT || value <= -EXACT_LIMIT)) throw NEEDS_EXACT_INTEGERS;
    return bson.lib.Long.fromNumber(value);
  }
  return value;
}
function exactIntegerText(text2) {
  if (!LONG_DIGIT_RUN.test(text2)) return text2;
  const parts = [];
  let copied = 0;
  const length = text2.length;
  let i = 0;
  while (i < length) {
    const code = text2.charCodeAt(i);
    if (code === 34) {
      i = afterString(text2, i + 1);
      continue;
    }
    if (code !== 45 && !isDigitCode(code)) {
      i++;
      continue;
    }
    const start = i;
    if (code === 45) i++;
    const digitsStart = i;
    while (i < length && isDigitCode(text2.charCodeAt(i))) i++;
    const next = text2.charCodeAt(i);
    if (next === 46 || next === 101 || next === 69) {
      while (i < length && isNumberCode(text2.charCodeAt(i))) i++;
      continue;
    }
    if (i - digitsStart < 16) continue;
    const token = text2.slice(start, i);
    parts.push(text2.slice(copied, start), `{"${isInt64Text(token) ? "$numberLong" : "$numberDouble"}":"${token}"}`);
    copied = i;
  }
  if (parts.length === 0) return text2;
  parts.push(text2.slice(copied));
  return parts.join("");
}
function afterString(text2, from) {
  for (; ; ) {
    const quote = text2.indexOf('"', from);
    if (quote === -1) return text2.length;
    let backslashes = 0;
    for (let j = quote - 1; text2.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}
function isDigitCode(code) {
  return code >= 48 && code <= 57;
}
function isNumberCode(code) {
  return isDigitCode(code) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}
function setOwn(object, key, value) {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
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

// src/core/firehose/protocol/decode-record.ts
function writeRecordData(data, index, target, offset) {
  if (typeof data !== "string") return rejected(index, "no_data", data);
  if (data.length === 0) return { kind: "empty", index };
  const written = target.write(data, offset, target.length - offset, "base64");
  if (written !== decodedLength(data)) return rejected(index, "not_base64", data);
  return written;
}
function maxDecodedLength(length) {
  return Math.ceil(length / 4) * 3;
}
function parseRecord(records, index, bson) {
  const settled = records.settled(index);
  if (settled !== void 0) return settled;
  const text2 = records.utf8Text(index);
  if (text2 === void 0) return rejected(index, "not_utf8", records.rawData(index));
  const measured = { depth: 0 };
  let value;
  try {
    value = parseExtendedJson(text2, bson, measured);
  } catch (error) {
    const refused2 = parseRefusal(error);
    return rejected(index, refused2.code, records.rawData(index), refused2.message);
  }
  const problem2 = documentProblem(value, bson);
  if (problem2 !== void 0) return rejected(index, problem2.code, records.rawData(index), problem2.reason);
  return {
    kind: "document",
    index,
    document: value,
    depth: measured.depth,
    bytes: records.byteLength(index)
  };
}
function parseRefusal(error) {
  if (error instanceof SyntaxError) return { code: "not_json" };
  const code = isBridgeError(error) ? PARSE_REFUSALS[error.code] : void 0;
  if (code !== void 0) return { code, message: error.message };
  return { code: "record_failed", message: `reading the record failed: ${errorName(error)}` };
}
var PARSE_REFUSALS = {
  extended_json_invalid: "not_extended_json",
  field_name_invalid: "invalid_field_name",
  string_invalid: "invalid_string",
  nesting_too_deep: "document_too_deep"
};
function errorName(error) {
  return error instanceof Error ? error.name : typeof error;
}
function documentProblem(value, bson) {
  if (value === null || typeof value !== "object" || Array.isArray(value) || bson.bsonType(value) !== void 0) {
    return { code: "not_object" };
  }
  const document = value;
  for (const key in document) {
    if (key.charCodeAt(0) === 36)
      return { code: "top_level_operator", reason: `top-level field "${key.slice(0, 64)}" starts with "$"` };
  }
  return void 0;
}
function rejected(index, code, data, message) {
  return { kind: "rejected", index, refusal: refusal(code, message), data };
}

// src/core/firehose/protocol/access-key.ts
var import_crypto = require("crypto");
function constantTimeMatch(presented, accepted) {
  const presentedDigest = (0, import_crypto.createHash)("sha256").update(presented, "utf8").digest();
  let matched = 0;
  for (const secret of accepted) {
    const digest = (0, import_crypto.createHash)("sha256").update(secret, "utf8").digest();
    let difference = 0;
    for (let i = 0; i < digest.length; i++) difference |= digest[i] ^ presentedDigest[i];
    matched |= difference === 0 ? 1 : 0;
  }
  return matched === 1;
}

// src/core/firehose/delivery-report.ts
var NO_RECORDS = { stored: 0, dead_lettered: 0, empty: 0, superseded: 0, stale: 0 };

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

// src/core/firehose/protocol/request.ts
function headerLookup(headers) {
  const byLowerName = /* @__PURE__ */ new Map();
  if (headers && typeof headers === "object") {
    for (const name of Object.keys(headers)) {
      const raw = headers[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (typeof value === "string" && !byLowerName.has(name.toLowerCase())) byLowerName.set(name.toLowerCase(), value);
    }
  }
  return (name) => byLowerName.get(name.toLowerCase());
}
function tooLarge(size, maxBytes, what) {
  return firehoseErrors.failure(
    "body_too_large",
    `request body is ${size} bytes ${what}, above this host's limit of ${maxBytes}; lower the delivery stream's buffering size`
  );
}

// src/core/firehose/protocol/response.ts
var MAX_ERROR_MESSAGE = 8192;
function firehoseResponse(status, requestId, timestamp, errorMessage) {
  const body = errorMessage === void 0 ? { requestId, timestamp } : { requestId, timestamp, errorMessage: errorMessage.slice(0, MAX_ERROR_MESSAGE) };
  return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}
function setupFailureResponse(headers, error, deps, startedAt = deps.clock.now()) {
  const requestId = headerLookup(headers)("x-amz-firehose-request-id") || "";
  const reason = firehoseErrors.as(error, "setup_failed");
  deps.logger.error({
    msg: "firehose receiver set-up failed",
    requestId,
    code: reason.code,
    error: describeError(error)
  });
  const message = reason === error ? `${FIREHOSE_ERRORS.setup_failed.message}: ${reason.message}; retry` : `${reason.message}; retry`;
  const now = deps.clock.now();
  const answer = firehoseResponse(statusForKind[reason.kind], requestId, now, message);
  if (deps.observer)
    deps.observer.delivered({ status: answer.status, durationMs: now - startedAt, bodyBytes: 0, records: NO_RECORDS });
  return answer;
}

// src/core/firehose/protocol/admit-delivery.ts
function admitDelivery(head, config, options) {
  if (options.draining) return failed(firehoseErrors.failure("draining"));
  if (config.accessKeys.length === 0) return failed(firehoseErrors.failure("access_key_not_configured"));
  if ((head.method || "").toUpperCase() !== "POST") return failed(firehoseErrors.failure("method_not_post"));
  const header = headerLookup(head.headers);
  const presentedKey = header("x-amz-firehose-access-key");
  if (presentedKey === void 0 || !constantTimeMatch(presentedKey, config.accessKeys))
    return failed(firehoseErrors.failure("access_key_invalid"));
  const requestId = header("x-amz-firehose-request-id") || "";
  if (options.requireRequestId && requestId === "") return failed(firehoseErrors.failure("request_id_missing"));
  const declaredBytes = declaredLength(header("content-length"));
  if (declaredBytes !== void 0 && declaredBytes > config.maxBodyBytes)
    return failed(tooLarge(declaredBytes, config.maxBodyBytes, "declared"));
  let reservation;
  if (options.budget) {
    reservation = options.budget.reserve(deliveryCost(declaredBytes, header("content-encoding"), config.maxBodyBytes));
    if (!reservation) return failed(firehoseErrors.failure("inflight_budget"));
  }
  return ok({ requestId, declaredBytes, reservation });
}
function deliveryCost(declaredBytes, contentEncoding, maxBodyBytes) {
  return (declaredBytes || 0) + (/gzip/i.test(contentEncoding || "") ? maxBodyBytes : 0);
}
function declaredLength(value) {
  return value !== void 0 && /^\s*\d+\s*$/.test(value) ? Number(value) : void 0;
}

// src/core/firehose/protocol/content-encoding.ts
var import_zlib = require("zlib");
async function decodeContent(body, contentEncoding, maxBytes) {
  const encoding = (contentEncoding || "").trim().toLowerCase();
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length > maxBytes) throw toError(tooLarge(bytes.length, maxBytes, "received"));
  if (encoding === "" || encoding === "identity") return bytes;
  if (encoding !== "gzip") {
    throw firehoseErrors.error(
      "content_encoding_unsupported",
      `unsupported Content-Encoding "${encoding.slice(0, 40)}"; only gzip is accepted`
    );
  }
  return gunzipBounded(bytes, maxBytes);
}
function gunzipBounded(input, maxBytes) {
  return new Promise((resolve, reject) => {
    const gunzip = (0, import_zlib.createGunzip)();
    const chunks = [];
    let total = 0;
    let settled = false;
    gunzip.on("data", (chunk) => {
      if (settled) return;
      total += chunk.length;
      if (total > maxBytes) {
        settled = true;
        gunzip.destroy();
        reject(toError(tooLarge(total, maxBytes, "decompressed (at least)")));
        return;
      }
      chunks.push(chunk);
    });
    gunzip.on("error", (error) => {
      if (settled) return;
      settled = true;
      reject(firehoseErrors.error("gzip_invalid", `gzip body cannot be decompressed: ${error.message}`));
    });
    gunzip.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    gunzip.end(input);
  });
}

// src/core/firehose/protocol/parse-delivery-body.ts
var parsedBody = (bytes) => {
  let parsed;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw firehoseErrors.error("body_invalid", "body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw firehoseErrors.error("body_invalid");
  }
  const body = parsed;
  if (typeof body.requestId !== "string" || body.requestId.length === 0) {
    throw firehoseErrors.error("body_invalid", "body.requestId must be a non-empty string");
  }
  const records = body.records;
  if (!Array.isArray(records)) throw firehoseErrors.error("body_invalid", "body.records must be an array");
  if (body.timestamp !== void 0 && typeof body.timestamp !== "number") {
    throw firehoseErrors.error("body_invalid", "body.timestamp must be a number of milliseconds");
  }
  const dataOf = (index) => {
    const record = records[index];
    return record !== null && typeof record === "object" ? record.data : void 0;
  };
  return {
    requestId: body.requestId,
    recordCount: records.length,
    dataOf,
    textLength: (index) => {
      const data = dataOf(index);
      return typeof data === "string" ? data.length : 0;
    },
    readsAsJson: () => true
  };
};

// src/core/firehose/protocol/scan-delivery-body.ts
var TAB = 9;
var LINE_FEED = 10;
var CARRIAGE_RETURN = 13;
var SPACE = 32;
var QUOTE = 34;
var COMMA = 44;
var MINUS = 45;
var DOT = 46;
var ZERO = 48;
var NINE = 57;
var COLON = 58;
var OPEN_BRACKET = 91;
var BACKSLASH = 92;
var CLOSE_BRACKET = 93;
var OPEN_BRACE = 123;
var CLOSE_BRACE = 125;
var TILDE = 126;
function scanDeliveryBody(bytes) {
  const length = bytes.length;
  let pos = 0;
  let tokenStart = 0;
  let tokenEnd = 0;
  function peek() {
    while (pos < length) {
      const byte = bytes[pos];
      if (byte !== SPACE && byte !== LINE_FEED && byte !== CARRIAGE_RETURN && byte !== TAB) return byte;
      pos++;
    }
    return -1;
  }
  function take(byte) {
    if (peek() !== byte) return false;
    pos++;
    return true;
  }
  function takeString() {
    if (!take(QUOTE)) return false;
    const end = bytes.indexOf(QUOTE, pos);
    if (end === -1) return false;
    tokenStart = pos;
    tokenEnd = end;
    pos = end + 1;
    return true;
  }
  function tokenIs(text2) {
    if (tokenEnd - tokenStart !== text2.length) return false;
    for (let i = 0; i < text2.length; i++) if (bytes[tokenStart + i] !== text2.charCodeAt(i)) return false;
    return true;
  }
  function takeDigits() {
    const start = pos;
    while (pos < length && bytes[pos] >= ZERO && bytes[pos] <= NINE) pos++;
    return pos > start;
  }
  function takeNumber() {
    if (peek() === -1) return void 0;
    const start = pos;
    if (bytes[pos] === MINUS) pos++;
    if (bytes[pos] === ZERO) pos++;
    else if (!takeDigits()) return void 0;
    if (bytes[pos] === DOT) {
      pos++;
      if (!takeDigits()) return void 0;
    }
    if (bytes[pos] === 101 || bytes[pos] === 69) {
      pos++;
      if (bytes[pos] === 43 || bytes[pos] === MINUS) pos++;
      if (!takeDigits()) return void 0;
    }
    return Number(bytes.toString("latin1", start, pos));
  }
  let requestId;
  let timestamp;
  let dataStarts;
  let dataEnds;
  if (!take(OPEN_BRACE)) return void 0;
  do {
    if (!takeString() || !take(COLON)) return void 0;
    if (tokenIs("requestId") && requestId === void 0) {
      if (!takeString() || !isPlainText(bytes, tokenStart, tokenEnd)) return void 0;
      requestId = bytes.toString("latin1", tokenStart, tokenEnd);
    } else if (tokenIs("timestamp") && timestamp === void 0) {
      timestamp = takeNumber();
      if (timestamp === void 0) return void 0;
    } else if (tokenIs("records") && dataStarts === void 0) {
      dataStarts = [];
      dataEnds = [];
      if (!take(OPEN_BRACKET)) return void 0;
      if (peek() === CLOSE_BRACKET) pos++;
      else {
        do {
          if (!take(OPEN_BRACE) || !takeString() || !tokenIs("data") || !take(COLON) || !takeString()) return void 0;
          dataStarts.push(tokenStart);
          dataEnds.push(tokenEnd);
          if (!take(CLOSE_BRACE)) return void 0;
        } while (take(COMMA));
        if (!take(CLOSE_BRACKET)) return void 0;
      }
    } else {
      return void 0;
    }
  } while (take(COMMA));
  if (!take(CLOSE_BRACE) || peek() !== -1) return void 0;
  if (requestId === void 0 || requestId.length === 0 || dataStarts === void 0 || dataEnds === void 0)
    return void 0;
  return { requestId, timestamp, dataStarts, dataEnds };
}
function isPlainText(bytes, start, end) {
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte < SPACE || byte > TILDE || byte === BACKSLASH) return false;
  }
  return true;
}
var scannedBody = (body) => {
  const scanned = scanDeliveryBody(body);
  if (!scanned) return void 0;
  const { dataStarts, dataEnds } = scanned;
  const text2 = body.toString("latin1");
  return {
    requestId: scanned.requestId,
    recordCount: dataStarts.length,
    dataOf: (index) => text2.slice(dataStarts[index], dataEnds[index]),
    textLength: (index) => dataEnds[index] - dataStarts[index],
    readsAsJson: (index) => isPlainText(body, dataStarts[index], dataEnds[index])
  };
};

// src/core/firehose/protocol/read-delivery.ts
async function readDeliveryRequest(request, answer, config, decodeRun) {
  const admission = admitDelivery(request, config, { requireRequestId: false });
  if (!admission.ok) throw toError(admission.error);
  if (!request.body || request.body.length === 0) throw firehoseErrors.error("body_empty");
  const encoding = headerLookup(request.headers)("content-encoding");
  const delivery = readDelivery(await decodeContent(request.body, encoding, config.maxBodyBytes), decodeRun);
  if (answer.requestId === "") {
    answer.requestId = delivery.requestId;
    throw firehoseErrors.error("request_id_missing");
  }
  if (delivery.requestId !== answer.requestId) throw firehoseErrors.error("request_id_mismatch");
  return delivery;
}
function readDelivery(body, decodeRun, runBytes = TEXT_RUN_BYTES) {
  const scanned = scannedBody(body);
  return scanned && decodeAll(scanned, decodeRun, runBytes) || decodeAll(parsedBody(body), decodeRun, runBytes);
}
function decodeAll(body, decodeRun, runBytes) {
  const { requestId, recordCount, dataOf } = body;
  let capacity = recordCount;
  for (let index = 0; index < recordCount; index++) capacity += maxDecodedLength(body.textLength(index));
  const bytes = Buffer.allocUnsafe(capacity);
  const starts = [];
  const ends = [];
  const settled = /* @__PURE__ */ new Map();
  let offset = 0;
  for (let index = 0; index < recordCount; index++) {
    const outcome = writeRecordData(dataOf(index), index, bytes, offset);
    starts.push(offset);
    if (typeof outcome === "number") offset += outcome;
    else {
      if (outcome.kind === "rejected" && outcome.refusal.code === "not_base64" && !body.readsAsJson(index))
        return void 0;
      settled.set(index, outcome);
    }
    ends.push(offset);
    bytes[offset++] = 0;
  }
  return {
    requestId,
    recordCount,
    settled: (index) => settled.get(index),
    utf8Text: decodeRun ? textsInRuns(bytes, starts, ends, decodeRun, runBytes) : (index) => strictUtf8(bytes, starts[index], ends[index]),
    bytes: (index) => bytes.subarray(starts[index], ends[index]),
    byteLength: (index) => ends[index] - starts[index],
    rawData: dataOf
  };
}
var TEXT_RUN_BYTES = 1024 * 1024;
function textsInRuns(bytes, starts, ends, decodeRun, runBytes) {
  let first = 0;
  let texts = [];
  return (index) => {
    if (index < first || index >= first + texts.length) {
      let last = index;
      while (last + 1 < starts.length && ends[last + 1] - starts[index] <= runBytes) last++;
      first = index;
      texts = splitRun(bytes.subarray(starts[index], ends[last] + 1), last - index + 1, decodeRun);
    }
    const text2 = texts[index - first];
    return text2 !== void 0 ? text2 : strictUtf8(bytes, starts[index], ends[index]);
  };
}
function splitRun(run, records, decodeRun) {
  let parts;
  try {
    parts = decodeRun(run).split("\0");
  } catch (e) {
    parts = void 0;
  }
  if (parts === void 0 || parts.length !== records + 1) return new Array(records);
  parts.pop();
  return parts;
}
function strictUtf8(bytes, start, end) {
  const text2 = bytes.toString("utf8", start, end);
  if (text2.indexOf("�") !== -1 && !Buffer.from(text2, "utf8").equals(bytes.subarray(start, end))) return void 0;
  return text2;
}

// src/core/firehose/dead-letters/dead-letters.ts
var import_crypto2 = require("crypto");

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

// src/core/firehose/dead-letters/dead-letters.ts
var MAX_DEAD_LETTER_DATA = 1024 * 1024;
var MAX_REASON = 1e3;
function deadLetter({ index, refusal: refusal2, data }, origin) {
  const text2 = typeof data === "string" ? data : data === void 0 ? null : JSON.stringify(data);
  const letter = {
    _id: `${origin.requestId}:${index}`,
    requestId: origin.requestId,
    index,
    reasonCode: refusal2.code,
    reason: refusal2.message.length > MAX_REASON ? `${refusal2.message.slice(0, MAX_REASON)}…` : refusal2.message,
    data: text2 !== null && text2.length > MAX_DEAD_LETTER_DATA ? text2.slice(0, MAX_DEAD_LETTER_DATA) : text2,
    sourceArn: origin.sourceArn === void 0 ? null : origin.sourceArn,
    receivedAt: origin.receivedAt
  };
  if (text2 === null || text2.length <= MAX_DEAD_LETTER_DATA) return letter;
  return {
    ...letter,
    dataTruncated: { length: text2.length, sha256: (0, import_crypto2.createHash)("sha256").update(text2, "utf8").digest("hex") }
  };
}
function deadLetterStore(dataSource, config) {
  return new CollectionDeadLetters(dataSource.db(config.database).collection(config.deadLetterCollection));
}
var CollectionDeadLetters = class {
  constructor(collection) {
    this.collection = collection;
  }
  async record(letters) {
    if (letters.length === 0) return;
    const operations = letters.map((letter) => ({
      replaceOne: { filter: { _id: letter._id }, replacement: letter, upsert: true }
    }));
    try {
      await this.collection.bulkWrite(operations, { ordered: false });
    } catch (error) {
      throw firehoseErrors.error("store_failed", "dead-letter write failed; retry the batch", { cause: error });
    }
  }
  async countByReason(since, limit) {
    const letters = await this.collection.find({ receivedAt: { $gte: since } }).limit(limit + 1).toArray();
    const counted = letters.slice(0, limit);
    const counts = /* @__PURE__ */ new Map();
    for (const letter of counted) {
      const code = typeof letter.reasonCode === "string" ? letter.reasonCode : reasonWithoutDetail(letter.reason);
      counts.set(code, (counts.get(code) || 0) + 1);
    }
    const byReasonCode = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([reasonCode, count]) => ({ reasonCode, count }));
    return { total: counted.length, byReasonCode, truncated: letters.length > limit };
  }
  async list(filter = {}) {
    const letters = await this.collection.find(query(filter)).sort({ requestId: 1, index: 1 }).toArray();
    return letters;
  }
  count(filter = {}) {
    return countMatching(this.collection, query(filter));
  }
};
function query(filter) {
  const out = {};
  if (filter.requestId !== void 0) out.requestId = filter.requestId;
  if (filter.reasonCode !== void 0) out.reasonCode = filter.reasonCode;
  return out;
}
function reasonWithoutDetail(reason) {
  if (typeof reason !== "string" || reason === "") return "(none)";
  return reason.split(/[:(]/)[0].trim().slice(0, 80) || reason.slice(0, 80);
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

// src/core/firehose/apply/position-field.ts
var POSITION_FIELD = "_akb";
var POSITION_PATH = `${POSITION_FIELD}.pos`;
var NO_POSITION = Object.freeze({ [POSITION_PATH]: Object.freeze({ $exists: false }) });

// src/core/firehose/formats/change-parts.ts
var NO_PARTS = Object.freeze([]);

// src/core/firehose/reconcile/reconcile-batch.ts
function emptyReconcileBatch() {
  return { marks: /* @__PURE__ */ new Set(), closings: /* @__PURE__ */ new Map(), touched: /* @__PURE__ */ new Map(), accepted: 0 };
}
function addReconcileNotes(batch, notes) {
  for (const mark of notes.marks) batch.marks.add(mark);
  for (const row of notes.closings) batch.closings.set(row._id, row);
  for (const { reconcile, ns } of notes.touched) batch.touched.set(rowBase(reconcile, ns), { reconcile, ns });
  batch.accepted += notes.accepted;
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
function reconcileFloorId(target, source) {
  return `${target.db}.${target.coll}|reconcile:${source}`;
}

// src/core/firehose/reconcile/sweep.ts
async function settleReconciles(batch, deps) {
  if (batch.touched.size === 0) return [];
  const at = new Date(deps.now);
  const rows = [];
  batch.marks.forEach((_id) => rows.push({ replaceOne: { filter: { _id }, replacement: { _id, at }, upsert: true } }));
  batch.closings.forEach((row, _id) => {
    const { _id: _ignored, ...fields } = row;
    rows.push({ updateOne: { filter: { _id }, update: { $set: { ...fields, at } }, upsert: true } });
  });
  const refused2 = await bulkWriteKeepingRefusals(deps.reconciles, rows, "writing reconcile marks");
  if (refused2.length > 0) {
    throw firehoseErrors.error("store_failed", "writing reconcile marks failed; retry the batch", {
      cause: new Error(refused2[0].message.slice(0, 200))
    });
  }
  const sweeps = [];
  const pending = [];
  batch.touched.forEach((pair) => pending.push(pair));
  for (const pair of pending) {
    const sweep = await sweepIfComplete(pair.reconcile, pair.ns, deps);
    if (sweep) sweeps.push(sweep);
  }
  return sweeps;
}
async function sweepIfComplete(reconcile, ns, deps) {
  const base = rowBase(reconcile, ns);
  const summary = await deps.reconciles.findOne({ _id: `s|${base}` });
  if (summary && summary.status === "swept") return void 0;
  const parts = await deps.reconciles.find({ _id: { $gte: `p|${base}|`, $lt: `p|${base}}` } }).toArray();
  if (parts.length === 0) return void 0;
  const first = parts[0];
  for (const part of parts) {
    if (part.parts !== first.parts || part.readPosition !== first.readPosition || part.target !== first.target) {
      if (deps.logger)
        deps.logger.warn({ msg: "reconcile closings disagree; not sweeping", reconcile, ns, parts: parts.length });
      return void 0;
    }
  }
  if (parts.length < first.parts) return void 0;
  for (const part of parts) {
    for (const [from, to] of part.ranges) {
      if (to <= from) continue;
      const filter = {
        _id: { $gte: markId(base, part.part, from), $lt: markId(base, part.part, to) }
      };
      if (await countMatching(deps.reconciles, filter) < to - from) return void 0;
    }
  }
  const readPosition = first.readPosition;
  const targetName = first.target;
  const dot = targetName.indexOf(".");
  const target = { db: targetName.slice(0, dot), coll: targetName.slice(dot + 1) };
  await deps.deletes.updateOne(
    { _id: reconcileFloorId(target, ns) },
    {
      $max: { pos: readPosition },
      $set: { ns: targetName, source: ns, reconcile, deletedAt: new Date(deps.now) }
    },
    { upsert: true }
  );
  const result = await deps.dataSource.db(target.db).collection(target.coll).deleteMany({ [`${POSITION_FIELD}.ns`]: ns, [`${POSITION_FIELD}.pos`]: { $lt: readPosition } });
  const removed = deletedCount(result);
  const now = new Date(deps.now);
  await deps.reconciles.updateOne(
    { _id: `s|${base}` },
    {
      $set: { kind: "sweep", status: "swept", reconcile, ns, target: targetName, readPosition, sweptAt: now, at: now },
      $inc: { removed }
    },
    { upsert: true }
  );
  await deps.reconciles.deleteMany({ _id: { $gte: `m|${base}|`, $lt: `m|${base}}` } });
  const sweep = { reconcile, ns, target: targetName, readPosition, removed };
  if (deps.logger) deps.logger.info({ msg: "reconcile sweep", ...sweep });
  return sweep;
}
function deletedCount(result) {
  const count = result && result.deletedCount;
  return typeof count === "number" ? count : 0;
}

// src/core/firehose/receive-delivery.ts
var WRITE_CHUNK_RECORDS = 250;
var WRITE_CHUNK_BYTES = 2 * 1024 * 1024;
async function receiveFirehoseDelivery(request, deps) {
  const started = deps.clock.now();
  const header = headerLookup(request.headers);
  const outcome = {
    requestId: header("x-amz-firehose-request-id") || "",
    sourceArn: header("x-amz-firehose-source-arn"),
    ...emptyCounts()
  };
  let response;
  try {
    const delivery = await readDeliveryRequest(request, outcome, deps.config, deps.decodeUtf8Run);
    await applyDelivery(delivery, deps, outcome, outcome.sourceArn);
    response = firehoseResponse(200, outcome.requestId, deps.clock.now());
    deps.logger.info(logLine(outcome, 200, "accepted", deps.clock.now() - started));
  } catch (error) {
    const failure = firehoseErrors.as(error, "unexpected");
    const status = statusForKind[failure.kind];
    const line = {
      ...logLine(outcome, status, failure.kind, deps.clock.now() - started),
      code: failure.code,
      error: describeError(error)
    };
    if (status >= 500) deps.logger.error(line);
    else deps.logger.warn(line);
    response = firehoseResponse(status, outcome.requestId, deps.clock.now(), failure.message);
  }
  if (deps.observer)
    deps.observer.delivered(report(response.status, outcome, deps.clock.now() - started, request.body));
  return response;
}
function report(status, outcome, durationMs, body) {
  const acknowledged = status === 200;
  const count = (n) => acknowledged ? n : 0;
  return {
    status,
    durationMs,
    bodyBytes: body ? body.length : 0,
    records: {
      stored: count(outcome.stored),
      dead_lettered: count(outcome.deadLettered),
      empty: count(outcome.empty),
      superseded: count(outcome.superseded),
      stale: count(outcome.stale)
    }
  };
}
function emptyCounts() {
  return {
    records: 0,
    stored: 0,
    stale: 0,
    heartbeats: 0,
    superseded: 0,
    empty: 0,
    deadLettered: 0,
    basicJson: 0,
    sweeps: 0,
    swept: 0
  };
}
async function applyDelivery(delivery, deps, counts = emptyCounts(), sourceArn) {
  counts.records = delivery.recordCount;
  const refused2 = [];
  const inProgress = { requestId: delivery.requestId, reconcile: emptyReconcileBatch() };
  let pending = Promise.resolve();
  const limits = { maxCount: WRITE_CHUNK_RECORDS, maxBytes: WRITE_CHUNK_BYTES };
  for (let start = 0, end = 0; start < delivery.recordCount; start = end) {
    end = chunkEnd(start, delivery.recordCount, limits, (index) => delivery.byteLength(index));
    const documents = decodeChunk(delivery, start, end, deps.bson, counts, refused2);
    const write = deps.applyRecords(documents, inProgress, deps);
    await pending;
    pending = Promise.resolve().then(write).then((applied) => {
      addApplied(counts, applied);
      for (const { index, refusal: refusal2 } of applied.refused)
        refused2.push({ index, refusal: refusal2, data: delivery.rawData(index) });
    });
  }
  await pending;
  await finishDelivery(refused2, inProgress, deps, counts, sourceArn);
  return counts;
}
function decodeChunk(delivery, start, end, bson, counts, refused2) {
  const documents = [];
  for (let index = start; index < end; index++) {
    const record = parseRecord(delivery, index, bson);
    if (record.kind === "rejected") refused2.push({ index, refusal: record.refusal, data: record.data });
    else if (record.kind === "empty") counts.empty++;
    else documents.push(record);
  }
  return documents;
}
function addApplied(counts, applied) {
  counts.stored += applied.stored;
  counts.stale += applied.stale;
  counts.superseded += applied.superseded;
  counts.heartbeats += applied.heartbeats;
  counts.basicJson += applied.basicJson;
}
async function finishDelivery(refused2, delivery, deps, counts, sourceArn) {
  const { config } = deps;
  refused2.sort((a, b) => a.index - b.index);
  const origin = { requestId: delivery.requestId, sourceArn, receivedAt: new Date(deps.clock.now()) };
  await deadLetterStore(deps.dataSource, config).record(refused2.map((record) => deadLetter(record, origin)));
  counts.deadLettered = refused2.length;
  counts.stored += delivery.reconcile.accepted;
  const sweeps = await settleReconciles(delivery.reconcile, {
    reconciles: deps.dataSource.db(config.database).collection(config.reconcileCollection),
    deletes: deps.dataSource.db(config.database).collection(config.deletesCollection),
    dataSource: deps.dataSource,
    now: deps.clock.now(),
    logger: deps.logger
  });
  for (const sweep of sweeps) {
    counts.sweeps++;
    counts.swept += sweep.removed;
  }
}
function logLine(outcome, status, result, durationMs) {
  return { msg: "firehose delivery", ...outcome, status, outcome: result, durationMs };
}

// src/core/firehose/records-handoff.ts
var COUNTS = ["stored", "stale", "superseded", "heartbeats", "basicJson"];
function recordsHandoff(requestId, records, bson) {
  return {
    requestId,
    records: records.map(({ index, document, depth, bytes }) => ({ index, document, depth, bytes })),
    probes: { double: new bson.lib.Double(1), long: bson.lib.Long.fromNumber(1) }
  };
}
function applyRecordsByCall(call) {
  return (records, delivery, deps) => {
    const handoff = recordsHandoff(delivery.requestId, records, deps.bson);
    return async () => {
      let result;
      try {
        result = await call(handoff);
      } catch (error) {
        throw firehoseErrors.error("store_failed", "applying the records failed; retry the batch", { cause: error });
      }
      const outcome = readOutcome(result, handoff);
      if (typeof outcome === "string")
        throw firehoseErrors.error(
          "store_failed",
          `applying the records gave no outcome (${outcome}); retry the batch`
        );
      addReconcileNotes(delivery.reconcile, outcome.notes);
      return outcome.applied;
    };
  };
}
var isObject2 = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
var isString = (value) => typeof value === "string";
var arrayOf = (value, item) => Array.isArray(value) && value.every(item);
function countOf(value) {
  const type = isObject2(value) ? value._bsontype : void 0;
  const number = typeof value === "number" ? value : type === "Int32" || type === "Double" ? Number(value) : NaN;
  return isInteger(number) && number >= 0 ? number : void 0;
}
function readOutcome(result, handoff) {
  if (!isObject2(result)) return `a ${result === null ? "null" : typeof result} instead of an object`;
  const counts = {};
  for (const name of COUNTS) {
    counts[name] = countOf(result[name]);
    if (counts[name] === void 0) return `${name} is not a count`;
  }
  const refused2 = refusedOf(result.refused, new Set(handoff.records.map((record) => record.index)));
  if (refused2 === void 0) return "refused is not a list of handed records and their reasons";
  const notes = result.reconcile;
  if (!isObject2(notes) || !arrayOf(notes.marks, isString) || !arrayOf(notes.closings, (row) => isObject2(row) && isString(row._id)) || !arrayOf(notes.touched, (pair) => isObject2(pair) && isString(pair.reconcile) && isString(pair.ns)) || countOf(notes.accepted) === void 0)
    return "reconcile is not a chunk's reconcile notes";
  const applied = { ...counts, refused: refused2 };
  return { applied, notes: { ...notes, accepted: countOf(notes.accepted) } };
}
function refusedOf(value, handed) {
  if (!Array.isArray(value)) return void 0;
  const refused2 = [];
  for (const entry of value) {
    if (!isObject2(entry)) return void 0;
    const index = countOf(entry.index);
    const { code, message } = entry;
    if (index === void 0 || !handed.has(index) || !isString(code) || !isString(message)) return void 0;
    if (!Object.prototype.hasOwnProperty.call(DEAD_LETTER_REASONS, code)) return void 0;
    refused2.push({ index, refusal: refusal(code, message) });
  }
  return refused2;
}

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

// src/adapters/app-services/firehose-endpoint.ts
var APPLY_RECORDS_FUNCTION = "applyFirehoseRecords";
var APP_SERVICES_MAX_REQUEST_BYTES = 18 * 1e3 * 1e3;
async function handleFirehoseEndpoint(ctx, request, response) {
  let answer;
  try {
    const functions = ctx.functions;
    if (!functions)
      throw firehoseErrors.error(
        "setup_failed",
        `context.functions is missing: the records cannot go to ${APPLY_RECORDS_FUNCTION}`
      );
    answer = await receiveFirehoseDelivery(
      {
        // App Services routes only the configured method (POST) here.
        method: request && request.httpMethod || "POST",
        headers: request && request.headers || {},
        body: bodyBytes(request && request.body)
      },
      {
        config: readFirehoseConfig((name) => ctx.values.get(name), APP_SERVICES_MAX_REQUEST_BYTES),
        dataSource: atlasDataSource(ctx),
        bson: makeBsonPort(BSON, EJSON),
        clock: systemClock,
        logger: consoleLogger,
        applyRecords: applyRecordsByCall((handoff) => functions.execute(APPLY_RECORDS_FUNCTION, handoff))
      }
    );
  } catch (error) {
    answer = setupFailureResponse(request && request.headers, error, { logger: consoleLogger, clock: systemClock });
  }
  response.setStatusCode(answer.status);
  response.setHeader("Content-Type", answer.headers["Content-Type"]);
  response.setBody(answer.body);
}
function bodyBytes(body) {
  if (!body) return void 0;
  const raw = body.buffer;
  if (raw instanceof Uint8Array) return raw;
  if (typeof body.toBase64 === "function") return Buffer.from(body.toBase64(), "base64");
  if (typeof body.text === "function") return Buffer.from(body.text(), "utf8");
  return void 0;
}

// src/functions/receiveFirehoseDelivery.ts
async function receiveFirehoseDelivery2(request, response) {
  await handleFirehoseEndpoint(context, request, response);
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
