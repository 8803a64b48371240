// checkCaptureHealth: App Services function generated from src/functions/checkCaptureHealth.ts by `npm run build`.
// Do not edit here: edit the TypeScript source and rebuild (a test fails when this file drifts).
var __load = function () {
  var module = { exports: {} };
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
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
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// src/functions/checkCaptureHealth.ts
var checkCaptureHealth_exports = {};
__export(checkCaptureHealth_exports, {
  default: () => checkCaptureHealth
});
module.exports = __toCommonJS(checkCaptureHealth_exports);

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
  const problem = databaseNameProblem(text(raw, name));
  if (problem !== void 0) throw misconfigured(`${name} ${problem}`);
  return raw;
};
var collectionName = (raw, name) => {
  const problem = collectionNameProblem(text(raw, name));
  if (problem !== void 0) throw misconfigured(`${name} ${problem}`);
  return raw;
};
var AWS_REGION_SHAPE = /^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$/;
var awsRegion = (raw, name) => {
  const value = text(raw, name);
  if (AWS_REGION_SHAPE.test(value)) return value;
  const fixed = value.trim().toLowerCase().replace(/([a-z])([0-9]+)$/, "$1-$2");
  const hint = fixed !== value && AWS_REGION_SHAPE.test(fixed) ? `; did you mean "${fixed}"?` : "";
  throw misconfigured(
    `${name} "${value.slice(0, 40)}" is not an AWS region name (such as "us-east-1" or "eu-central-2")${hint}`
  );
};
function oneOf(allowed) {
  return (raw, name) => {
    const value = text(raw, name);
    if (allowed.indexOf(value) === -1)
      throw misconfigured(`${name} must be one of ${allowed.join(", ")}; got "${value.slice(0, 40)}"`);
    return value;
  };
}
function wholeNumber(min, max) {
  return (raw, name) => {
    const value = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max) || Math.floor(value) !== value)
      throw misconfigured(`${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
}
var flag = (raw, name) => {
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw misconfigured(`${name} must be true or false`);
};
var credential = (raw, name) => {
  const value = text(raw, name);
  return value.trim().toLowerCase() === "none" ? void 0 : value;
};
var httpUrl = (raw, name) => {
  const value = text(raw, name);
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw misconfigured(`${name} "${value.slice(0, 80)}" is not an http(s) URL`);
  return value;
};
var json = (raw, name) => {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw misconfigured(`${name} is not valid JSON`);
  }
};

// src/core/stream-format/captured-namespaces.ts
var capturedParser = (raw, name) => {
  const list = typeof raw === "string" && !raw.trim().startsWith("[") ? raw.split(",").map((s2) => s2.trim()).filter(Boolean) : json(raw, name);
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new BridgeError("setting_invalid", `${name} must be a list of "db.collection" names`);
  }
  return new Set(list);
};
var capturedNamespacesSetting = setting("CAPTURED_NAMESPACES", capturedParser, () => /* @__PURE__ */ new Set());

// src/core/capture/health/health-config.ts
var ADMIN_API_DEFAULT_URL = "https://services.cloud.mongodb.com/api/admin/v3.0";
var DEFAULT_STALL_AFTER_MS = 45e3;
var captureHealthSettings = {
  adminApiUrl: setting("ADMIN_API_URL", httpUrl, ADMIN_API_DEFAULT_URL),
  adminApiPublicKey: setting("ADMIN_API_PUBLIC_KEY", credential, void 0),
  adminApiPrivateKey: setting("ADMIN_API_PRIVATE_KEY", credential, void 0),
  /** The Atlas project (group) id; default: context.app.projectId. */
  groupId: optional("ADMIN_API_GROUP_ID", text),
  /** The App's ObjectId (not its client app id); default: context.app.id. */
  appId: optional("ADMIN_API_APP_ID", text),
  autoResume: setting("CAPTURE_AUTO_RESUME", flag, false),
  stallAfterMs: setting("CAPTURE_STALL_AFTER_MS", wholeNumber(1e3, 36e5), DEFAULT_STALL_AFTER_MS),
  /** Which namespaces are captured (generated from the capture list): what a reconcile re-reads. */
  captured: capturedNamespacesSetting
};
var CAPTURE_HEALTH_VALUE_NAMES = settingNames(captureHealthSettings);
function readCaptureHealthConfig(read) {
  return readSettings(read, captureHealthSettings);
}

// src/core/capture/health/trigger-admin.ts
var AdminApiError = class extends Error {
  constructor(kind, message, status, errorCode) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.errorCode = errorCode;
    this.name = "AdminApiError";
  }
};
function readTriggerState(raw) {
  if (!raw || typeof raw !== "object") return void 0;
  const t2 = raw;
  if (typeof t2._id !== "string" || typeof t2.name !== "string") return void 0;
  const config = t2.config && typeof t2.config === "object" ? t2.config : {};
  const processors = t2.event_processors;
  const functionName = typeof t2.function_name === "string" ? t2.function_name : processors && processors.FUNCTION && processors.FUNCTION.config ? stringOrUndefined(processors.FUNCTION.config.function_name) : void 0;
  const error = errorText(t2.error) || errorText(t2.error_message) || errorText(t2.last_error);
  const status = stringOrUndefined(t2.status) || stringOrUndefined(t2.state);
  const statusSuspended = status !== void 0 && /suspend|fail|error|stopped|halt/i.test(status);
  const suspended2 = error !== void 0 || statusSuspended;
  const reason = error !== void 0 ? error : statusSuspended ? `status ${status}` : void 0;
  const code = stringOrUndefined(t2.error_code);
  return {
    id: t2._id,
    name: t2.name,
    type: typeof t2.type === "string" ? t2.type : "",
    functionName,
    database: stringOrUndefined(config.database),
    collection: stringOrUndefined(config.collection),
    state: suspended2 ? "suspended" : t2.disabled === true ? "disabled" : "running",
    reason: reason === void 0 ? void 0 : reason.slice(0, 300),
    historyLost: suspended2 && (isHistoryLost(reason) || isHistoryLost(code))
  };
}
function isHistoryLost(text2) {
  return text2 !== void 0 && /ChangeStreamHistoryLost|history (is |was )?lost|no longer (be )?in the oplog|resume point may no longer|\b(code|error)\W{0,3}286\b/i.test(
    text2
  );
}
function errorText(value) {
  if (typeof value === "string") return value.trim() === "" ? void 0 : value.trim();
  if (value && typeof value === "object") {
    const v = value;
    return errorText(v.message) || errorText(v.error);
  }
  return void 0;
}
function stringOrUndefined(value) {
  return typeof value === "string" && value !== "" ? value : void 0;
}
function readExecution(raw) {
  const e = raw && typeof raw === "object" ? raw : {};
  return { completedAt: apiTime(e.completed_at), clusterTime: apiTime(e.cluster_time) };
}
function readTriggerFailure(raw) {
  if (!raw || typeof raw !== "object") return void 0;
  const log = raw;
  if (log.type !== "TRIGGER_FAILURE" || typeof log.event_subscription_id !== "string") return void 0;
  const at = apiTime(log.completed) || apiTime(log.started);
  if (!at) return void 0;
  const error = (errorText(log.error) || stringOrUndefined(log.error_code) || "trigger failure (no error text)").slice(
    0,
    300
  );
  return {
    eventSubscriptionId: log.event_subscription_id,
    name: stringOrUndefined(log.event_subscription_name),
    at,
    error,
    historyLost: isHistoryLost(error) || isHistoryLost(stringOrUndefined(log.error_code))
  };
}
function apiTime(value) {
  if (value === null || value === void 0) return null;
  if (value instanceof Date) return isNaN(value.getTime()) ? null : value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return isNaN(ms) ? null : new Date(ms);
  }
  if (typeof value === "number") return isFinite(value) ? new Date(value < 1e11 ? value * 1e3 : value) : null;
  if (typeof value !== "object") return null;
  const v = value;
  if ("$date" in v) {
    const date = v.$date;
    if (date && typeof date === "object" && typeof date.$numberLong === "string")
      return apiTime(Number(date.$numberLong));
    return typeof date === "number" ? new Date(date) : apiTime(date);
  }
  const stamp = v.$timestamp && typeof v.$timestamp === "object" ? v.$timestamp : v;
  const seconds2 = typeof stamp.t === "number" ? stamp.t : typeof stamp.T === "number" ? stamp.T : void 0;
  return seconds2 === void 0 ? null : new Date(seconds2 * 1e3);
}

// src/adapters/admin-api/operations.ts
var ADMIN_API_OPERATIONS = {
  adminLogin: { method: "POST", path: "/auth/providers/mongodb-cloud/login" },
  adminListApplications: { method: "GET", path: "/groups/{groupId}/apps" },
  adminListFunctions: { method: "GET", path: "/groups/{groupId}/apps/{appId}/functions" },
  adminCreateFunction: { method: "POST", path: "/groups/{groupId}/apps/{appId}/functions" },
  adminGetFunction: { method: "GET", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminUpdateFunction: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminDeleteFunction: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminListTriggers: { method: "GET", path: "/groups/{groupId}/apps/{appId}/triggers" },
  adminCreateTrigger: { method: "POST", path: "/groups/{groupId}/apps/{appId}/triggers" },
  adminUpdateTrigger: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}" },
  adminDeleteTrigger: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}" },
  adminResumeTrigger: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}/resume" },
  adminListValues: { method: "GET", path: "/groups/{groupId}/apps/{appId}/values" },
  adminCreateValue: { method: "POST", path: "/groups/{groupId}/apps/{appId}/values" },
  adminGetValue: { method: "GET", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminUpdateValue: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminDeleteValue: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminGetAllSecrets: { method: "GET", path: "/groups/{groupId}/apps/{appId}/secrets" },
  adminCreateASecret: { method: "POST", path: "/groups/{groupId}/apps/{appId}/secrets" },
  adminModifyASecret: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/secrets/{secretId}" },
  adminListServices: { method: "GET", path: "/groups/{groupId}/apps/{appId}/services" },
  adminCreateService: { method: "POST", path: "/groups/{groupId}/apps/{appId}/services" },
  adminGetServiceConfig: { method: "GET", path: "/groups/{groupId}/apps/{appId}/services/{serviceId}/config" },
  adminUpdateServiceConfig: { method: "PATCH", path: "/groups/{groupId}/apps/{appId}/services/{serviceId}/config" },
  adminListDeploymentDrafts: { method: "GET", path: "/groups/{groupId}/apps/{appId}/drafts" },
  adminCreateDeploymentDraft: { method: "POST", path: "/groups/{groupId}/apps/{appId}/drafts" },
  adminDiscardDraft: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/drafts/{draftId}" },
  adminDeployDraft: { method: "POST", path: "/groups/{groupId}/apps/{appId}/drafts/{draftId}/deployment" },
  adminListDeployments: { method: "GET", path: "/groups/{groupId}/apps/{appId}/deployments" },
  adminGetDeployment: { method: "GET", path: "/groups/{groupId}/apps/{appId}/deployments/{deploymentId}" },
  adminGetLatestEventSubscriptionExecution: {
    method: "GET",
    path: "/groups/{groupId}/apps/{appId}/event_subscriptions/{eventSubscriptionId}/execution"
  },
  adminGetLogs: { method: "GET", path: "/groups/{groupId}/apps/{appId}/logs" }
};
function operationPath(operation, params) {
  return ADMIN_API_OPERATIONS[operation].path.replace(/\{([A-Za-z]+)\}/g, (_, name) => {
    const value = params[name];
    if (value === void 0 || value === "") throw new Error(`${operation}: the path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
}
function queryString(query) {
  if (!query) return "";
  const parts = [];
  Object.keys(query).forEach((key) => {
    const value = query[key];
    if (value !== void 0) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  });
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

// src/adapters/admin-api/admin-api-session.ts
var TOKEN_REUSE_MS = 25 * 6e4;
function createAdminApiSession(settings, http2, now = Date.now) {
  const base = settings.baseUrl.replace(/\/+$/, "");
  let session;
  const send = async (method, path, headers, body) => {
    try {
      return await http2.request(method, base + path, headers, body, settings.timeoutMs);
    } catch (error) {
      throw new AdminApiError(
        "unreachable",
        `${method} ${path.split("?")[0]}: ${error instanceof Error ? error.message : String(error)}`
      );
    }
  };
  const login = async () => {
    const path = operationPath("adminLogin", {});
    const answer = await send(
      "POST",
      path,
      { "Content-Type": "application/json", Accept: "application/json" },
      JSON.stringify({ username: settings.publicKey, apiKey: settings.privateKey })
    );
    if (answer.status !== 200) throw answerError(`POST ${path}`, answer, true);
    const token = parseJson(answer.body);
    if (!token || typeof token.access_token !== "string" || token.access_token === "")
      throw new AdminApiError("failed", "the login answered without an access_token", answer.status);
    session = { token: token.access_token, until: now() + TOKEN_REUSE_MS };
    return session.token;
  };
  const describe = (operation, params = {}) => `${methodOf(operation)} ${operationPath(operation, params)}`;
  return {
    describe,
    async call(operation, request = {}) {
      const path = operationPath(operation, request.params || {}) + queryString(request.query);
      const body = request.body === void 0 ? void 0 : JSON.stringify(request.body);
      const headers = (bearer) => {
        const out = { Authorization: `Bearer ${bearer}`, Accept: "application/json" };
        if (body !== void 0) out["Content-Type"] = "application/json";
        return out;
      };
      const token = session && session.until > now() ? session.token : await login();
      let answer = await send(methodOf(operation), path, headers(token), body);
      if (answer.status === 401) {
        session = void 0;
        answer = await send(methodOf(operation), path, headers(await login()), body);
      }
      return answer;
    }
  };
}
function methodOf(operation) {
  return ADMIN_API_OPERATIONS[operation].method;
}
function answerError(what, answer, isLogin = false) {
  const parsed = parseJson(answer.body);
  const error = parsed && typeof parsed.error === "string" ? parsed.error : "";
  const code = parsed && typeof parsed.error_code === "string" ? parsed.error_code : "";
  const text2 = (code && error ? `${code}: ${error}` : error || code || answer.body).slice(0, 300);
  const kind = answer.status === 401 || answer.status === 403 ? "unauthorized" : answer.status === 404 && !isLogin ? "not_found" : isHistoryLost(text2) ? "history_lost" : "failed";
  return new AdminApiError(kind, `${what} answered ${answer.status}${text2 ? `: ${text2}` : ""}`, answer.status, code);
}
function parseJson(text2) {
  try {
    return JSON.parse(text2);
  } catch (e) {
    return void 0;
  }
}

// src/adapters/admin-api/admin-api-client.ts
var MAX_LOG_PAGES = 5;
function createAdminApiClient(settings, http2, now = Date.now) {
  const session = createAdminApiSession(settings, http2, now);
  const app = { groupId: settings.groupId, appId: settings.appId };
  return {
    async listTriggers() {
      const answer = await session.call("adminListTriggers", { params: app });
      return jsonArray(session, answer, "adminListTriggers", app);
    },
    async resumeTrigger(triggerId, disableToken) {
      const params = { ...app, triggerId };
      const answer = await session.call("adminResumeTrigger", { params, body: { disable_token: disableToken } });
      if (answer.status < 200 || answer.status > 299)
        throw answerError(session.describe("adminResumeTrigger", params), answer);
    },
    async latestExecution(eventSubscriptionId) {
      const params = { ...app, eventSubscriptionId };
      const answer = await session.call("adminGetLatestEventSubscriptionExecution", { params });
      if (answer.status !== 200)
        throw answerError(session.describe("adminGetLatestEventSubscriptionExecution", params), answer);
      return parseJson(answer.body);
    },
    async triggerFailureLogs(since) {
      return readLogPages(session, app, since);
    }
  };
}
async function readLogPages(session, app, since) {
  const entries = [];
  let page = {};
  for (let n3 = 0; n3 < MAX_LOG_PAGES; n3++) {
    const answer = await session.call("adminGetLogs", {
      params: app,
      query: {
        type: "TRIGGER_FAILURE",
        errors_only: "true",
        start_date: since.toISOString(),
        ...page,
        limit: "100"
      }
    });
    if (answer.status !== 200) throw answerError(session.describe("adminGetLogs", app), answer);
    const body = parseJson(answer.body);
    const logs = body && Array.isArray(body.logs) ? body.logs : void 0;
    if (!body || !logs)
      throw new AdminApiError("failed", `${session.describe("adminGetLogs", app)} did not answer {logs: […]}`, 200);
    entries.push(...logs);
    if (logs.length < 100 || typeof body.nextEndDate !== "string") break;
    page = {
      end_date: body.nextEndDate,
      ...typeof body.nextSkip === "number" && body.nextSkip > 0 ? { skip: String(body.nextSkip) } : {}
    };
  }
  return entries;
}
function jsonArray(session, answer, operation, params) {
  const what = session.describe(operation, params);
  if (answer.status !== 200) throw answerError(what, answer);
  const list = parseJson(answer.body);
  if (!Array.isArray(list)) throw new AdminApiError("failed", `${what} did not answer a JSON array`, answer.status);
  return list;
}

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

// src/core/capture/shaping/field-paths.ts
function isFieldDocument(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value) || isDate(value)) return false;
  return typeof value._bsontype !== "string" && !ArrayBuffer.isView(value);
}
function isDate(value) {
  return Object.prototype.toString.call(value) === "[object Date]";
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

// src/core/capture/errors.ts
var CAPTURE_ERRORS = {
  capture_list_invalid: { kind: "misconfigured", message: "the capture list has errors" },
  capture_options_invalid: { kind: "misconfigured", message: "a capture option is invalid" },
  record_too_large: { kind: "refused", message: "the record is above the size limit even without its documents" },
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
  outbox_entry_unshapeable: {
    kind: "refused",
    message: "the outbox entry cannot be shaped by the capture options"
  }
};
var captureErrors = /* @__PURE__ */ errorsOf(CAPTURE_ERRORS);

// src/core/capture/shaping/capture-options.ts
function pathProblem(path) {
  const parts = path.split(".");
  if (parts.some((part) => part === "")) return `"${path}" is not a field path (an empty part)`;
  if (parts.some((part) => part.charAt(0) === "$")) return `"${path}" is not a field path (a part starts with $)`;
  if (parts.some((part) => /^[0-9]+$/.test(part)))
    return `"${path}" names an array position; a path applies to every element of the arrays it crosses, so leave the position out`;
  if (parts.some((part) => part.indexOf("\0") !== -1)) return `"${path}" holds a NUL character`;
  if (parts[0] === "_id") return `"${path}" is in the document key _id, which every record carries whole`;
  return void 0;
}
var NO_CAPTURE_OPTIONS = { byNamespace: {} };
function unreadableCaptureOptions(reason) {
  return { byNamespace: {}, unreadable: reason };
}
var lastRead;
var captureOptionsParser = (raw, name) => {
  const text2 = typeof raw === "string" ? raw : JSON.stringify(raw);
  if (lastRead && lastRead.text === text2 && lastRead.name === name) return lastRead.table;
  const table = parseCaptureOptions(raw, name);
  lastRead = { text: text2, name, table };
  return table;
};
function parseCaptureOptions(raw, name) {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw misconfigured(`${name} is not valid JSON`);
    }
  }
  if (!Array.isArray(value)) throw misconfigured(`${name} must be an array of {namespace, exclude, mask, match}`);
  const byNamespace = {};
  value.forEach((entry, i) => {
    const where = `${name}[${i}]`;
    if (!isFieldDocument(entry) || typeof entry.namespace !== "string" || !/^[^.]+\..+$/.test(entry.namespace))
      throw misconfigured(`${where} needs a "namespace" such as "app.users"`);
    const paths = (field) => {
      const list = entry[field] === void 0 ? [] : entry[field];
      if (!Array.isArray(list) || list.some((p) => typeof p !== "string" || pathProblem(p) !== void 0))
        throw misconfigured(`${where}.${field} must be an array of field paths`);
      return list;
    };
    if (entry.match !== void 0 && typeof entry.match !== "string")
      throw misconfigured(`${where}.match must be the filter's JSON text`);
    byNamespace[entry.namespace] = {
      exclude: paths("exclude"),
      mask: paths("mask"),
      ...entry.match !== void 0 ? { match: entry.match } : {}
    };
  });
  return { byNamespace };
}

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

// src/core/capture/config.ts
var MAX_SNAPSHOT_PARALLELISM = 16;
var FIREHOSE_RECORD_LIMIT = 1024e3;
var captureSettings = {
  ...appSettings,
  recordFormat: setting(
    "KINESIS_RECORD_FORMAT",
    oneOf(["envelope", "document"]),
    "envelope"
  ),
  arrayEncoding: setting("ARRAY_ENCODING", oneOf(["array", "array_string"]), "array"),
  nestedDocumentEncoding: setting(
    "NESTED_DOCUMENT_ENCODING",
    oneOf(["document", "string"]),
    "document"
  ),
  maxRecordBytes: setting("KINESIS_MAX_RECORD_BYTES", wholeNumber(1024, 10 * 1024 * 1024), FIREHOSE_RECORD_LIMIT),
  maxAttempts: setting("KINESIS_MAX_ATTEMPTS", wholeNumber(1, 10), 4),
  baseDelayMs: setting("KINESIS_RETRY_BASE_MS", wholeNumber(1, 1e4), 100),
  maxDelayMs: setting("KINESIS_RETRY_MAX_MS", wholeNumber(1, 6e4), 2e3),
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
  maskKey: optional("CAPTURE_MASK_KEY", text)
};
var kinesisSettings = {
  streamName: setting("KINESIS_STREAM_NAME", text, "realm"),
  region: optional("AWS_REGION", awsRegion),
  accessKeyId: optional("AWS_ACCESS_KEY_ID", text),
  secretAccessKey: optional("AWS_SECRET_ACCESS_KEY", text),
  sessionToken: optional("AWS_SESSION_TOKEN", text),
  endpoint: optional("KINESIS_ENDPOINT", httpUrl)
};
function readCaptureConfig(read) {
  return readSettings(read, captureSettings);
}
function readShapingSettings(read) {
  let captureOptions;
  try {
    captureOptions = readSetting(read, captureSettings.captureOptions);
  } catch (error) {
    captureOptions = unreadableCaptureOptions(error instanceof Error ? error.message : String(error));
  }
  let maskKey;
  try {
    maskKey = readSetting(read, captureSettings.maskKey);
  } catch (e) {
    maskKey = void 0;
  }
  return { captureOptions, maskKey };
}

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

// src/core/retry.ts
var realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

// src/adapters/app-services/capture-state.ts
function captureStateFromContext(ctx) {
  const read = (name) => ctx.values.get(name);
  let config;
  let configProblem;
  try {
    config = readCaptureConfig(read);
  } catch (error) {
    config = { ...readCaptureConfig(() => void 0), ...readShapingSettings(read) };
    configProblem = error instanceof Error ? error.message : String(error);
  }
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  return {
    config,
    configProblem,
    dataSource,
    outbox: outboxDb.collection(config.outboxCollection),
    status: outboxDb.collection(config.statusCollection),
    heartbeat: dataSource.db(config.heartbeatDatabase).collection(config.heartbeatCollection),
    signals: dataSource.db(config.signalDatabase).collection(config.signalCollection),
    bson: makeBsonPort(BSON, EJSON),
    clock: systemClock,
    sleep: realSleep,
    logger: consoleLogger
  };
}

// src/adapters/http/node-transport.ts
var http = __toESM(require("http"), 1);
var https = __toESM(require("https"), 1);
var import_url = require("url");
function createNodeTransport(maxSockets = 10) {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets })
  };
  const request = (method, url, headers, body, timeoutMs) => new Promise((resolve, reject) => {
    const target = new import_url.URL(url);
    const client = target.protocol === "https:" ? https : http;
    const req = client.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers: body === void 0 ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        agent: agents[target.protocol]
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode || 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      }
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
  return {
    request,
    post: (url, headers, body, timeoutMs) => request("POST", url, headers, body, timeoutMs)
  };
}

// src/adapters/app-services/transport.ts
var transport;
function sharedTransport() {
  transport = transport || createNodeTransport(25);
  return transport;
}

// src/adapters/app-services/capture-health.ts
var adminClients = {};
function captureHealthFromContext(ctx) {
  const read = (name) => ctx.values.get(name);
  let config;
  try {
    config = readCaptureHealthConfig(read);
  } catch (error) {
    return {
      config: readCaptureHealthConfig(() => void 0),
      adminProblem: `${error instanceof Error ? error.message : String(error)}; checking the stream only`
    };
  }
  const groupId = config.groupId || ctx.app && ctx.app.projectId || void 0;
  const appId = config.appId || ctx.app && ctx.app.id || void 0;
  const { adminApiPublicKey: publicKey, adminApiPrivateKey: privateKey } = config;
  if (publicKey === void 0 && privateKey === void 0) return { config, groupId, appId };
  if (publicKey === void 0 || privateKey === void 0 || !groupId || !appId) {
    const missing = [
      publicKey === void 0 ? "ADMIN_API_PUBLIC_KEY" : "",
      privateKey === void 0 ? "ADMIN_API_PRIVATE_KEY" : "",
      groupId ? "" : "ADMIN_API_GROUP_ID (no context.app.projectId either)",
      appId ? "" : "ADMIN_API_APP_ID (no context.app.id either)"
    ].filter(Boolean);
    return { config, groupId, appId, adminProblem: `the Admin API needs ${missing.join(", ")}` };
  }
  const key = [config.adminApiUrl, groupId, appId, publicKey, privateKey].join("\n");
  adminClients[key] = adminClients[key] || createAdminApiClient(
    { baseUrl: config.adminApiUrl, publicKey, privateKey, groupId, appId, timeoutMs: 1e4 },
    sharedTransport()
  );
  return { config, admin: adminClients[key], groupId, appId };
}
function captureCheckFromContext(ctx) {
  const state = captureStateFromContext(ctx);
  const { config: health, ...setup } = captureHealthFromContext(ctx);
  const deps = {
    ...setup,
    config: state.config,
    health,
    status: state.status,
    signals: state.signals,
    dataSource: state.dataSource,
    bson: state.bson,
    clock: state.clock,
    logger: state.logger
  };
  return { deps, heartbeat: state.heartbeat, outbox: state.outbox };
}
function captureCheckHandoff(args) {
  if (args.length === 0 || args.length === 1 && args[0] === void 0) return void 0;
  const [writtenAt, depth] = args;
  const at = writtenAt === null ? null : numberOf(writtenAt instanceof Date ? writtenAt.getTime() : writtenAt);
  const outboxDepth = numberOf(depth);
  if (at === void 0 || outboxDepth === void 0 || outboxDepth < 0 || outboxDepth % 1 !== 0)
    throw captureErrors.error(
      "capture_check_handoff_invalid",
      `checkCaptureHealth takes the previous heartbeat's time (milliseconds, a date or null) and the outbox depth (a whole number), not ${describeArguments(args)}`
    );
  return { heartbeatWrittenAt: at === null ? null : new Date(at), outboxDepth };
}
function numberOf(value) {
  const n3 = typeof value === "number" ? value : value !== null && typeof value === "object" ? value.valueOf() : value;
  return typeof n3 === "number" && isFinite(n3) ? n3 : void 0;
}
function describeArguments(args) {
  const text2 = args.map((a3) => a3 instanceof Date ? a3.toISOString() : JSON.stringify(a3) || String(a3)).join(", ");
  return text2.length > 200 ? `${text2.slice(0, 200)}…` : text2;
}

// src/core/capture/shaping/capture-list.ts
var import_crypto = require("crypto");

// node_modules/csv-parse/lib/api/index.js
var O = { utf8: Buffer.from([239, 187, 191]), utf16le: Buffer.from([255, 254]) };

// src/core/capture/shaping/capture-list.ts
var WHOLE_DATABASE = "*";
function captureTriggerName(db, coll) {
  const plain = coll === WHOLE_DATABASE ? `capture_${db}` : `capture_${db}_${coll}`;
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, "_");
  if (safe === plain && safe.length <= 64) return safe;
  const hash = (0, import_crypto.createHash)("sha256").update(`${db}.${coll}`).digest("hex").slice(0, 8);
  return `${safe.slice(0, 55)}_${hash}`;
}

// src/core/capture/health/heal-steps.ts
function reconcileSignal(collections) {
  return { type: "execute-snapshot", data: { "data-collections": collections, reconcile: true } };
}
function appUrl(ctx) {
  return `${ctx.adminApiUrl}/groups/${ctx.groupId || "<project id>"}/apps/${ctx.appId || "<app id>"}`;
}
function loginStep(ctx) {
  return `Admin API, log in: TOKEN=$(curl -s -X POST ${ctx.adminApiUrl}/auth/providers/mongodb-cloud/login -H 'Content-Type: application/json' -d '{"username":"<public key>","apiKey":"<private key>"}' | jq -r .access_token)`;
}
function atlasUi(ctx) {
  return `Atlas UI: project ${ctx.groupId || "<project id>"} → Triggers`;
}
function resumeSteps(ctx, trigger) {
  const steps = [
    `${atlasUi(ctx)} → ${trigger.name} (Status: Suspended) → Restart → ` + (trigger.historyLost ? "restart WITHOUT the resume token (it has left the oplog) → Resume Database Trigger" : "restart with the resume token → Resume Database Trigger; if it is suspended again with ChangeStreamHistoryLost, restart it without the token"),
    loginStep(ctx)
  ];
  if (!trigger.id)
    steps.push(
      `Admin API, find it: ID=$(curl -s ${appUrl(ctx)}/triggers -H "Authorization: Bearer $TOKEN" | jq -r '.[] | select(.name=="${trigger.name}") | ._id')`
    );
  steps.push(
    `Admin API, resume it: curl -X PUT ${appUrl(ctx)}/triggers/${trigger.id || "$ID"}/resume -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"disable_token": ${trigger.historyLost}}'` + (trigger.historyLost ? "" : ` (suspended again with ChangeStreamHistoryLost? send {"disable_token": true})`)
  );
  if (trigger.collections.length > 0)
    steps.push(
      reconcileStep(
        ctx,
        trigger.collections,
        trigger.historyLost ? "Then" : "If it was resumed without the token, then"
      )
    );
  if (!ctx.adminConfigured || !ctx.autoResume) steps.push(automateStep(ctx));
  return steps;
}
function enableSteps(ctx, trigger) {
  return [
    `${atlasUi(ctx)} → ${trigger.name} → Enabled on → Save (or "disabled": false in triggers/${trigger.name}.json, then deploy)`,
    ...trigger.collections.length > 0 ? [reconcileStep(ctx, trigger.collections, "Then, since its changes were not captured meanwhile,")] : []
  ];
}
function reconcileStep(ctx, collections, lead) {
  const signal = JSON.stringify(reconcileSignal(collections)).replace(/"(type|data)":/g, "$1: ");
  return `${lead} insert a reconcile signal (re-sends the documents and removes from the mirror what the gap deleted): db.getSiblingDB("${ctx.signalDatabase}").getCollection("${ctx.signalCollection}").insertOne(${signal})`;
}
function automateStep(ctx) {
  return ctx.adminConfigured ? "To let the heartbeat resume and reconcile by itself: set the value CAPTURE_AUTO_RESUME to true (the API key then needs the Project Owner role)" : "To let the heartbeat watch every trigger (and, with CAPTURE_AUTO_RESUME, resume and reconcile by itself): give the secrets adminApiPublicKey/adminApiPrivateKey an Atlas programmatic API key (docs/capture.md#setting-up-the-admin-api-key)";
}
function stalledStreamSteps(ctx, outboxDepth) {
  const heartbeat = `${ctx.heartbeatDatabase}.${ctx.heartbeatCollection}`;
  if (ctx.adminConfigured)
    return [
      outboxDepth > 0 ? "No capture trigger has failed (no TRIGGER_FAILURE logged, executions moving), but the outbox grows: Kinesis refuses puts (npm run status shows the outbox's errors: throttling, credentials)" : "No capture trigger has failed (no TRIGGER_FAILURE logged, executions moving): look at the heartbeat trigger's logs in Atlas (Logs → Triggers) and at Kinesis"
    ];
  const captured = [];
  ctx.captured.forEach((namespace) => {
    if (namespace !== heartbeat) captured.push(namespace);
  });
  return [
    `${atlasUi(ctx)}: restart every capture_* trigger whose Status is Suspended (the heartbeat's own is ${captureTriggerName(ctx.heartbeatDatabase, ctx.heartbeatCollection)}), without the resume token if its error is ChangeStreamHistoryLost`,
    loginStep(ctx),
    `Admin API, see which failed and why: curl -s "${appUrl(ctx)}/logs?type=TRIGGER_FAILURE&errors_only=true" -H "Authorization: Bearer $TOKEN" (event_subscription_id is the trigger's _id); for each suspended one: curl -X PUT ${appUrl(ctx)}/triggers/<its _id>/resume -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"disable_token": true}'`,
    ...captured.length > 0 ? [reconcileStep(ctx, captured.sort(), "After any restart without the token,")] : [],
    ...outboxDepth > 0 ? ["If no trigger is suspended: the outbox is growing, so Kinesis refuses puts (npm run status shows its errors)"] : [],
    automateStep(ctx)
  ];
}
function adminApiSteps(ctx, kind) {
  if (kind === "unauthorized")
    return [
      "Check the secrets adminApiPublicKey/adminApiPrivateKey: an Atlas programmatic API key of this project (Project Read Only to watch: triggers, executions, logs; Project Owner to resume) whose access list admits App Services"
    ];
  if (kind === "not_found")
    return [
      `Check ADMIN_API_GROUP_ID and ADMIN_API_APP_ID (now ${ctx.groupId || "unset"} and ${ctx.appId || "unset"}): the project id and the App's ObjectId _id, not its client app id`
    ];
  return [`Check that ${ctx.adminApiUrl} is reachable from App Services; the next heartbeat tries again`];
}

// src/core/capture/publish/put-status.ts
var heartbeatOnStreamId = (app) => `${app}:heartbeatOnStream`;

// src/core/capture/health/trigger-signals.ts
function judgeTrigger(e) {
  var _a;
  const evidence = [];
  const after = (at, than) => than === null || at.getTime() > than.getTime();
  const failed = e.failure !== null && after(e.failure.at, e.completedAt) && after(e.failure.at, e.resumedAt);
  if (failed && e.failure)
    evidence.push(
      `TRIGGER_FAILURE log at ${e.failure.at.toISOString()}, no batch completed since (latest execution ${describeTime(e.completedAt)})`
    );
  const h = e.heartbeat;
  const stopped = h !== void 0 && h.writtenAt !== null && h.now - h.writtenAt.getTime() > h.stallAfterMs && after(h.writtenAt, e.resumedAt) && (e.completedAt === null || e.completedAt.getTime() < h.writtenAt.getTime());
  if (stopped && h && h.writtenAt)
    evidence.push(
      `latest execution ${describeTime(e.completedAt)}, before the heartbeat written at ${h.writtenAt.toISOString()}`
    );
  const hinted = e.listed.state === "suspended";
  if (hinted) evidence.push(`listed ${e.listed.reason || "as suspended"} (a field the reference does not document)`);
  const reason = failed && e.failure ? e.failure.error : hinted ? e.listed.reason : stopped ? `not processing: its latest execution completed ${describeTime(e.completedAt)}, before the heartbeat written at ${(_a = h == null ? void 0 : h.writtenAt) == null ? void 0 : _a.toISOString()}` : void 0;
  return {
    suspended: failed || stopped || hinted,
    reason,
    historyLost: failed && e.failure !== null && e.failure.historyLost || hinted && e.listed.historyLost,
    evidence
  };
}
function describeTime(date) {
  return date ? `at ${date.toISOString()}` : "never";
}
async function readFailures(admin, since) {
  const byId = /* @__PURE__ */ new Map();
  try {
    for (const raw of await admin.triggerFailureLogs(since)) {
      const failure = readTriggerFailure(raw);
      if (!failure) continue;
      const known = byId.get(failure.eventSubscriptionId);
      if (!known || known.at.getTime() < failure.at.getTime()) byId.set(failure.eventSubscriptionId, failure);
    }
    return { byId };
  } catch (error) {
    return { byId, error: `the TRIGGER_FAILURE logs: ${describeAdminError(error)}` };
  }
}
async function readCompletedAt(admin, trigger) {
  try {
    return { completedAt: readExecution(await admin.latestExecution(trigger.id)).completedAt };
  } catch (error) {
    return { completedAt: null, error: `the latest execution of ${trigger.name}: ${describeAdminError(error)}` };
  }
}
function describeAdminError(error) {
  return error instanceof AdminApiError ? `${error.kind}: ${error.message}` : describeError(error);
}

// src/core/capture/health/capture-health.ts
var captureHealthId = (app) => `${app}:captureHealth`;
var CAPTURE_FUNCTION = "publishChangeToKinesis";
var SNAPSHOT_FUNCTION = "runSnapshot";
function streamVerdict(heartbeatWrittenAt, onStream, now, stallAfterMs) {
  const date = (value) => value instanceof Date ? value : null;
  const onStreamAt = onStream ? date(onStream.heartbeatAt) : null;
  const checkSince = onStream ? date(onStream.checkSince) : null;
  const lastPutAt = onStream && date(onStream.putAt) || checkSince;
  const base = { heartbeatWrittenAt, heartbeatOnStreamAt: onStreamAt, lastPutAt };
  if (heartbeatWrittenAt === null) return { ...base, state: "unknown", detail: "no heartbeat written yet" };
  if (onStreamAt === null && checkSince === null)
    return { ...base, state: "unknown", detail: "the stream check starts with this heartbeat" };
  const confirmed = onStreamAt !== null ? onStreamAt.getTime() : checkSince.getTime() - 1;
  if (heartbeatWrittenAt.getTime() <= confirmed)
    return { ...base, state: "ok", detail: "the last heartbeat is on the stream" };
  const waiting = now - heartbeatWrittenAt.getTime();
  if (waiting <= stallAfterMs)
    return { ...base, state: "ok", detail: `the last heartbeat was written ${seconds(waiting)} ago` };
  return {
    ...base,
    state: "stalled",
    detail: `the heartbeat written at ${iso(heartbeatWrittenAt)} has not reached the stream after ${seconds(waiting)}; ` + (lastPutAt ? `the last heartbeat reached it at ${iso(lastPutAt)}` : "no heartbeat has reached it yet")
  };
}
async function checkCapture(deps, heartbeatWrittenAt, outboxDepth) {
  const { config, health, logger } = deps;
  const app = config.appName;
  const now = deps.clock.now();
  let onStream = await deps.status.findOne({ _id: heartbeatOnStreamId(app) });
  if (!onStream) {
    await deps.status.updateOne(
      { _id: heartbeatOnStreamId(app) },
      { $setOnInsert: { checkSince: new Date(now) } },
      { upsert: true }
    );
    onStream = null;
  }
  const stream = streamVerdict(heartbeatWrittenAt, onStream, now, health.stallAfterMs);
  const previous = await deps.status.findOne({ _id: captureHealthId(app) });
  const previousRecords = /* @__PURE__ */ new Map();
  if (previous && Array.isArray(previous.triggers)) for (const r of previous.triggers) previousRecords.set(r.name, r);
  const problems = [];
  let adminApi = deps.admin ? "ok" : "not_configured";
  let adminApiError = null;
  let triggers = [];
  if (deps.adminProblem || !deps.admin && health.autoResume)
    problems.push({
      level: "warning",
      what: "Admin API",
      detail: deps.adminProblem || "CAPTURE_AUTO_RESUME is true, but without an Admin API key (ADMIN_API_PUBLIC_KEY, ADMIN_API_PRIVATE_KEY) nothing can be resumed",
      since: null,
      steps: [automateStep(stepContext(deps))]
    });
  if (deps.admin) {
    let listed;
    try {
      listed = await deps.admin.listTriggers();
    } catch (error) {
      adminApi = "failed";
      adminApiError = describeAdminError(error);
      triggers = previous && Array.isArray(previous.triggers) ? previous.triggers : [];
      problems.push({
        level: "warning",
        what: "Admin API",
        detail: `could not list the triggers: ${adminApiError}; the trigger states below are from ${previous ? iso(previous.checkedAt) : "no earlier check"}`,
        since: null,
        steps: adminApiSteps(stepContext(deps), error instanceof AdminApiError ? error.kind : "failed")
      });
    }
    if (listed)
      triggers = await healTriggers(deps, listed, { previous, previousRecords, heartbeatWrittenAt }, problems, now);
  }
  if (stream.state === "stalled") {
    const suspended2 = triggers.filter((t2) => t2.state !== "running").map((t2) => t2.name);
    problems.unshift({
      level: "critical",
      what: `capture stream ${app}`,
      detail: `capture has stalled: ${stream.detail}` + (outboxDepth > 0 ? `; the outbox holds ${outboxDepth} entries (Kinesis refusing puts?)` : "") + (suspended2.length > 0 ? `; not running: ${suspended2.join(", ")}` : ""),
      since: stream.lastPutAt,
      steps: stalledStreamSteps(stepContext(deps), outboxDepth)
    });
  }
  const report = {
    _id: captureHealthId(app),
    app,
    checkedAt: new Date(now),
    stream,
    adminApi,
    adminApiError,
    autoResume: health.autoResume,
    triggers,
    problems
  };
  const { _id, ...fields } = report;
  await deps.status.updateOne({ _id }, { $set: fields }, { upsert: true });
  for (const { level, ...problem } of problems) {
    const msg = problem.what === "Admin API" ? "Admin API not usable" : level === "critical" ? "capture stopped" : "capture healing";
    const line = { msg, app, severity: level, ...problem };
    if (level === "critical") logger.error(line);
    else logger.warn(line);
  }
  return report;
}
async function healTriggers(deps, listed, earlier, problems, now) {
  const states = [];
  for (const raw of listed) {
    const state = readTriggerState(raw);
    if (state && isWatched(state)) states.push(state);
  }
  const records = await readTriggerRecords(deps, states, earlier, problems, now);
  for (const record of records) {
    const prev = earlier.previousRecords.get(record.name);
    if (record.state === "suspended") await suspended(deps, record, prev, problems, now);
    else if (record.state === "disabled")
      problems.push({
        level: "critical",
        what: `capture trigger ${record.name}`,
        detail: `disabled (listed with disabled: true) since ${iso(record.since)}: its changes are not captured`,
        since: record.since,
        steps: enableSteps(stepContext(deps), record)
      });
    else {
      if (prev && prev.state !== "running")
        deps.logger.info({ msg: "capture trigger running again", trigger: record.name, wasSince: prev.since });
      await insertOwedReconcile(deps, record, now);
    }
  }
  const listedNames = new Set(states.map((s2) => s2.name));
  deps.health.captured.forEach((namespace) => {
    const dot = namespace.indexOf(".");
    if (dot <= 0) return;
    const name = captureTriggerName(namespace.slice(0, dot), namespace.slice(dot + 1));
    if (listedNames.has(name)) return;
    const prev = earlier.previousRecords.get(name);
    const record = {
      name,
      id: null,
      state: "missing",
      reason: null,
      historyLost: false,
      since: prev && prev.state === "missing" && prev.since ? prev.since : new Date(now),
      collections: [namespace],
      lastResume: null,
      reconcile: null,
      lastExecutionAt: null,
      failure: null,
      evidence: []
    };
    records.push(record);
    problems.push({
      level: "critical",
      what: `capture trigger ${name}`,
      detail: `not deployed (the app lists no trigger of that name), so ${namespace} is not captured`,
      since: record.since,
      steps: [
        "Deploy the app again (npm run deploy), which creates the capture triggers from config/captured-collections.csv",
        reconcileStep(stepContext(deps), [namespace], "Then")
      ]
    });
  });
  return records;
}
async function readTriggerRecords(deps, states, earlier, problems, now) {
  const admin = deps.admin;
  const lastCheck = earlier.previous && earlier.previous.checkedAt instanceof Date ? earlier.previous.checkedAt.getTime() : 0;
  const since = new Date(Math.max(now - 24 * 36e5, lastCheck ? lastCheck - 10 * 6e4 : now - 36e5));
  const failures = await readFailures(admin, since);
  const unread = failures.error ? [failures.error] : [];
  const heartbeatTrigger = captureTriggerName(deps.config.heartbeatDatabase, deps.config.heartbeatCollection);
  const records = [];
  for (const state of states) {
    const prev = earlier.previousRecords.get(state.name);
    const execution = await readCompletedAt(admin, state);
    if (execution.error) unread.push(execution.error);
    const logged = failures.byId.get(state.id) || null;
    const carried = prev && prev.id === state.id && prev.failure ? prev.failure : null;
    const failure = logged && (!carried || logged.at.getTime() >= carried.at.getTime()) ? logged : carried;
    const completedAt = execution.error ? prev && prev.lastExecutionAt || null : execution.completedAt;
    const judged = judgeTrigger({
      listed: state,
      completedAt,
      failure: failure && { eventSubscriptionId: state.id, ...failure },
      resumedAt: prev && prev.lastResume && prev.lastResume.ok ? prev.lastResume.at : null,
      heartbeat: state.name === heartbeatTrigger && !execution.error ? { writtenAt: earlier.heartbeatWrittenAt, now, stallAfterMs: deps.health.stallAfterMs } : void 0
    });
    const stateNow = judged.suspended ? "suspended" : state.state === "disabled" ? "disabled" : "running";
    records.push({
      name: state.name,
      id: state.id,
      state: stateNow,
      reason: judged.reason === void 0 ? null : judged.reason,
      historyLost: judged.historyLost,
      since: prev && prev.state === stateNow && prev.since ? prev.since : new Date(now),
      collections: await reconcileCollections(deps, state),
      lastResume: prev ? prev.lastResume : null,
      reconcile: prev ? prev.reconcile : null,
      lastExecutionAt: completedAt,
      failure: failure && { at: failure.at, error: failure.error, historyLost: failure.historyLost },
      evidence: judged.evidence
    });
  }
  if (unread.length > 0)
    problems.push({
      level: "warning",
      what: "Admin API",
      detail: `could not read ${unread.join("; ")}; judged from the other signals`,
      since: null,
      steps: adminApiSteps(stepContext(deps), "failed")
    });
  return records;
}
async function suspended(deps, record, prev, problems, now) {
  const { admin, health } = deps;
  const lastResume = prev && prev.state === "suspended" ? prev.lastResume : null;
  const problem = {
    level: "critical",
    what: `capture trigger ${record.name}`,
    detail: `suspended since ${iso(record.since)}` + (record.reason ? ` (${record.reason})` : "") + `: changes of ${record.collections.join(", ") || "its collection"} are not captured` + (record.evidence.length > 0 ? ` [seen by: ${record.evidence.join("; ")}]` : ""),
    since: record.since,
    steps: resumeSteps(stepContext(deps), record)
  };
  problems.push(problem);
  if (!admin || !health.autoResume) return;
  if (lastResume && lastResume.ok && now - lastResume.at.getTime() < health.stallAfterMs) {
    problem.level = "warning";
    problem.detail += `; resumed ${lastResume.withToken ? "from its resume token" : "without its resume token"} at ${iso(lastResume.at)}, waiting for it to run`;
    problem.steps = [];
    return;
  }
  let withToken = !record.historyLost && !(lastResume && lastResume.withToken && lastResume.ok);
  try {
    try {
      await admin.resumeTrigger(record.id, !withToken);
    } catch (error) {
      if (!(withToken && error instanceof AdminApiError && error.kind === "history_lost")) throw error;
      withToken = false;
      await admin.resumeTrigger(record.id, true);
    }
  } catch (error) {
    record.lastResume = { at: new Date(deps.clock.now()), withToken, ok: false, error: describeAdminError(error) };
    problem.detail += `; resuming it failed: ${record.lastResume.error}`;
    return;
  }
  record.lastResume = { at: new Date(deps.clock.now()), withToken, ok: true, error: null };
  if (!withToken && record.collections.length > 0) {
    const owed = record.reconcile && record.reconcile.insertedAt === null ? record.reconcile : null;
    record.reconcile = {
      signalId: owed ? owed.signalId : new deps.bson.lib.ObjectId(),
      collections: owed ? union(owed.collections, record.collections) : record.collections,
      requestedAt: owed ? owed.requestedAt : new Date(now),
      insertedAt: null
    };
  }
  problem.level = "warning";
  problem.detail += withToken ? "; resumed from its resume token (no change event is skipped)" : `; resumed without its resume token: events of the gap were skipped${record.reconcile && record.reconcile.insertedAt === null ? ", a reconcile follows at the next heartbeat" : ""}`;
  problem.steps = [];
  deps.logger.warn({
    msg: "capture trigger resumed",
    trigger: record.name,
    withToken,
    suspendedSince: record.since,
    reason: record.reason,
    reconcile: record.reconcile && record.reconcile.insertedAt === null ? record.reconcile.collections : []
  });
}
async function insertOwedReconcile(deps, record, now) {
  const owed = record.reconcile;
  if (!owed || owed.insertedAt !== null) return;
  const resumedAt = record.lastResume ? iso(record.lastResume.at) : "?";
  await deps.signals.updateOne(
    { _id: owed.signalId },
    {
      $setOnInsert: {
        ...reconcileSignal(owed.collections),
        requestedBy: "emitHeartbeat",
        reason: `${record.name} was resumed without its resume token at ${resumedAt}: change events written while it was suspended were skipped`,
        createdAt: new Date(now)
      }
    },
    { upsert: true }
  );
  owed.insertedAt = new Date(now);
  deps.logger.warn({
    msg: "reconcile signal inserted",
    trigger: record.name,
    signalId: String(owed.signalId),
    collections: owed.collections
  });
}
function isWatched(state) {
  if (state.type !== "" && state.type !== "DATABASE") return false;
  if (state.functionName !== void 0)
    return state.functionName === CAPTURE_FUNCTION || state.functionName === SNAPSHOT_FUNCTION;
  return state.name.indexOf("capture_") === 0 || state.name === SNAPSHOT_FUNCTION;
}
async function reconcileCollections(deps, state) {
  if (state.functionName === SNAPSHOT_FUNCTION || state.name === SNAPSHOT_FUNCTION || !state.database) return [];
  const db = state.database;
  const own = /* @__PURE__ */ new Set([
    `${deps.config.heartbeatDatabase}.${deps.config.heartbeatCollection}`,
    `${deps.config.signalDatabase}.${deps.config.signalCollection}`,
    `${deps.config.outboxDatabase}.${deps.config.outboxCollection}`,
    `${deps.config.outboxDatabase}.${deps.config.statusCollection}`
  ]);
  let names;
  if (state.collection) names = [state.collection];
  else {
    names = [];
    let whole = false;
    deps.health.captured.forEach((namespace) => {
      if (namespace === `${db}.${WHOLE_DATABASE}`) whole = true;
      else if (namespace.indexOf(`${db}.`) === 0) names.push(namespace.slice(db.length + 1));
    });
    if (whole || names.length === 0) names = union(names, await listCollectionNames(deps.dataSource.db(db)));
  }
  return names.filter((coll) => coll.indexOf("system.") !== 0).map((coll) => `${db}.${coll}`).filter((namespace) => !own.has(namespace)).sort();
}
async function listCollectionNames(database) {
  const db = database;
  if (typeof db.getCollectionNames === "function") return db.getCollectionNames();
  if (typeof db.listCollections === "function")
    return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  if (typeof db.collectionNames === "function") return db.collectionNames();
  return [];
}
function stepContext(deps) {
  return {
    adminApiUrl: deps.health.adminApiUrl,
    groupId: deps.groupId,
    appId: deps.appId,
    signalDatabase: deps.config.signalDatabase,
    signalCollection: deps.config.signalCollection,
    heartbeatDatabase: deps.config.heartbeatDatabase,
    heartbeatCollection: deps.config.heartbeatCollection,
    captured: deps.health.captured,
    adminConfigured: deps.admin !== void 0,
    autoResume: deps.health.autoResume
  };
}
function union(a3, b) {
  const out = a3.slice();
  for (const x of b) if (out.indexOf(x) === -1) out.push(x);
  return out;
}
function iso(date) {
  return date instanceof Date ? date.toISOString() : "an unknown time";
}
function seconds(ms) {
  return ms < 12e4 ? `${Math.round(ms / 1e3)} s` : `${(ms / 6e4).toFixed(1)} min`;
}

// src/core/capture/health/heartbeat.ts
async function readCaptureCheckHandoff(deps) {
  const beat = await deps.heartbeat.findOne({ _id: deps.config.appName });
  return {
    heartbeatWrittenAt: beat && beat.at instanceof Date ? beat.at : null,
    outboxDepth: await countMatching(deps.outbox)
  };
}

// src/functions/checkCaptureHealth.ts
async function checkCaptureHealth(...args) {
  const { deps, heartbeat, outbox } = captureCheckFromContext(context);
  const handoff = captureCheckHandoff(args) || await readCaptureCheckHandoff({ heartbeat, outbox, config: deps.config });
  return checkCapture(deps, handoff.heartbeatWrittenAt, handoff.outboxDepth);
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
