// publishChangeToKinesis: App Services function generated from src/functions/publishChangeToKinesis.ts by `npm run build`.
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
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __commonJS = (cb, mod) => function __require() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
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
var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

// node_modules/aws4/lru.js
var require_lru = __commonJS({
  "node_modules/aws4/lru.js"(exports2, module2) {
    module2.exports = function(size) {
      return new LruCache(size);
    };
    function LruCache(size) {
      this.capacity = size | 0;
      this.map = /* @__PURE__ */ Object.create(null);
      this.list = new DoublyLinkedList();
    }
    LruCache.prototype.get = function(key) {
      var node = this.map[key];
      if (node == null) return void 0;
      this.used(node);
      return node.val;
    };
    LruCache.prototype.set = function(key, val) {
      var node = this.map[key];
      if (node != null) {
        node.val = val;
      } else {
        if (!this.capacity) this.prune();
        if (!this.capacity) return false;
        node = new DoublyLinkedNode(key, val);
        this.map[key] = node;
        this.capacity--;
      }
      this.used(node);
      return true;
    };
    LruCache.prototype.used = function(node) {
      this.list.moveToFront(node);
    };
    LruCache.prototype.prune = function() {
      var node = this.list.pop();
      if (node != null) {
        delete this.map[node.key];
        this.capacity++;
      }
    };
    function DoublyLinkedList() {
      this.firstNode = null;
      this.lastNode = null;
    }
    DoublyLinkedList.prototype.moveToFront = function(node) {
      if (this.firstNode == node) return;
      this.remove(node);
      if (this.firstNode == null) {
        this.firstNode = node;
        this.lastNode = node;
        node.prev = null;
        node.next = null;
      } else {
        node.prev = null;
        node.next = this.firstNode;
        node.next.prev = node;
        this.firstNode = node;
      }
    };
    DoublyLinkedList.prototype.pop = function() {
      var lastNode = this.lastNode;
      if (lastNode != null) {
        this.remove(lastNode);
      }
      return lastNode;
    };
    DoublyLinkedList.prototype.remove = function(node) {
      if (this.firstNode == node) {
        this.firstNode = node.next;
      } else if (node.prev != null) {
        node.prev.next = node.next;
      }
      if (this.lastNode == node) {
        this.lastNode = node.prev;
      } else if (node.next != null) {
        node.next.prev = node.prev;
      }
    };
    function DoublyLinkedNode(key, val) {
      this.key = key;
      this.val = val;
      this.prev = null;
      this.next = null;
    }
  }
});

// node_modules/aws4/aws4.js
var require_aws4 = __commonJS({
  "node_modules/aws4/aws4.js"(exports2) {
    var aws42 = exports2;
    var url = require("url");
    var querystring = require("querystring");
    var crypto = require("crypto");
    var lru = require_lru();
    var credentialsCache = lru(1e3);
    function hmac(key, string, encoding) {
      return crypto.createHmac("sha256", key).update(string, "utf8").digest(encoding);
    }
    function hash(string, encoding) {
      return crypto.createHash("sha256").update(string, "utf8").digest(encoding);
    }
    function encodeRfc3986(urlEncodedString) {
      return urlEncodedString.replace(/[!'()*]/g, function(c) {
        return "%" + c.charCodeAt(0).toString(16).toUpperCase();
      });
    }
    function encodeRfc3986Full(str) {
      return encodeRfc3986(encodeURIComponent(str));
    }
    var HEADERS_TO_IGNORE = {
      "authorization": true,
      "connection": true,
      "x-amzn-trace-id": true,
      "user-agent": true,
      "expect": true,
      "presigned-expires": true,
      "range": true
    };
    function RequestSigner(request, credentials) {
      if (typeof request === "string") request = url.parse(request);
      var headers = request.headers = Object.assign({}, request.headers || {}), hostParts = (!this.service || !this.region) && this.matchHost(request.hostname || request.host || headers.Host || headers.host);
      this.request = request;
      this.credentials = credentials || this.defaultCredentials();
      this.service = request.service || hostParts[0] || "";
      this.region = request.region || hostParts[1] || "us-east-1";
      if (this.service === "email") this.service = "ses";
      if (!request.method && request.body)
        request.method = "POST";
      if (!headers.Host && !headers.host) {
        headers.Host = request.hostname || request.host || this.createHost();
        if (request.port)
          headers.Host += ":" + request.port;
      }
      if (!request.hostname && !request.host)
        request.hostname = headers.Host || headers.host;
      this.isCodeCommitGit = this.service === "codecommit" && request.method === "GIT";
      this.extraHeadersToIgnore = request.extraHeadersToIgnore || /* @__PURE__ */ Object.create(null);
      this.extraHeadersToInclude = request.extraHeadersToInclude || /* @__PURE__ */ Object.create(null);
    }
    RequestSigner.prototype.matchHost = function(host) {
      var match = (host || "").match(/([^\.]{1,63})\.(?:([^\.]{0,63})\.)?amazonaws\.com(\.cn)?$/);
      var hostParts = (match || []).slice(1, 3);
      if (hostParts[1] === "es" || hostParts[1] === "aoss")
        hostParts = hostParts.reverse();
      if (hostParts[1] == "s3") {
        hostParts[0] = "s3";
        hostParts[1] = "us-east-1";
      } else {
        for (var i = 0; i < 2; i++) {
          if (/^s3-/.test(hostParts[i])) {
            hostParts[1] = hostParts[i].slice(3);
            hostParts[0] = "s3";
            break;
          }
        }
      }
      return hostParts;
    };
    RequestSigner.prototype.isSingleRegion = function() {
      if (["s3", "sdb"].indexOf(this.service) >= 0 && this.region === "us-east-1") return true;
      return ["cloudfront", "ls", "route53", "iam", "importexport", "sts"].indexOf(this.service) >= 0;
    };
    RequestSigner.prototype.createHost = function() {
      var region = this.isSingleRegion() ? "" : "." + this.region, subdomain = this.service === "ses" ? "email" : this.service;
      return subdomain + region + ".amazonaws.com";
    };
    RequestSigner.prototype.prepareRequest = function() {
      this.parsePath();
      var request = this.request, headers = request.headers, query;
      if (request.signQuery) {
        this.parsedPath.query = query = this.parsedPath.query || {};
        if (this.credentials.sessionToken)
          query["X-Amz-Security-Token"] = this.credentials.sessionToken;
        if (this.service === "s3" && !query["X-Amz-Expires"])
          query["X-Amz-Expires"] = 86400;
        if (query["X-Amz-Date"])
          this.datetime = query["X-Amz-Date"];
        else
          query["X-Amz-Date"] = this.getDateTime();
        query["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256";
        query["X-Amz-Credential"] = this.credentials.accessKeyId + "/" + this.credentialString();
        query["X-Amz-SignedHeaders"] = this.signedHeaders();
      } else {
        if (!request.doNotModifyHeaders && !this.isCodeCommitGit) {
          if (request.body && !headers["Content-Type"] && !headers["content-type"])
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
          if (request.body && !headers["Content-Length"] && !headers["content-length"])
            headers["Content-Length"] = Buffer.byteLength(request.body);
          if (this.credentials.sessionToken && !headers["X-Amz-Security-Token"] && !headers["x-amz-security-token"])
            headers["X-Amz-Security-Token"] = this.credentials.sessionToken;
          if (this.service === "s3" && !headers["X-Amz-Content-Sha256"] && !headers["x-amz-content-sha256"])
            headers["X-Amz-Content-Sha256"] = hash(this.request.body || "", "hex");
          if (headers["X-Amz-Date"] || headers["x-amz-date"])
            this.datetime = headers["X-Amz-Date"] || headers["x-amz-date"];
          else
            headers["X-Amz-Date"] = this.getDateTime();
        }
        delete headers.Authorization;
        delete headers.authorization;
      }
    };
    RequestSigner.prototype.sign = function() {
      if (!this.parsedPath) this.prepareRequest();
      if (this.request.signQuery) {
        this.parsedPath.query["X-Amz-Signature"] = this.signature();
      } else {
        this.request.headers.Authorization = this.authHeader();
      }
      this.request.path = this.formatPath();
      return this.request;
    };
    RequestSigner.prototype.getDateTime = function() {
      if (!this.datetime) {
        var headers = this.request.headers, date = new Date(headers.Date || headers.date || /* @__PURE__ */ new Date());
        this.datetime = date.toISOString().replace(/[:\-]|\.\d{3}/g, "");
        if (this.isCodeCommitGit) this.datetime = this.datetime.slice(0, -1);
      }
      return this.datetime;
    };
    RequestSigner.prototype.getDate = function() {
      return this.getDateTime().substr(0, 8);
    };
    RequestSigner.prototype.authHeader = function() {
      return [
        "AWS4-HMAC-SHA256 Credential=" + this.credentials.accessKeyId + "/" + this.credentialString(),
        "SignedHeaders=" + this.signedHeaders(),
        "Signature=" + this.signature()
      ].join(", ");
    };
    RequestSigner.prototype.signature = function() {
      var date = this.getDate(), cacheKey = [this.credentials.secretAccessKey, date, this.region, this.service].join(), kDate, kRegion, kService, kCredentials = credentialsCache.get(cacheKey);
      if (!kCredentials) {
        kDate = hmac("AWS4" + this.credentials.secretAccessKey, date);
        kRegion = hmac(kDate, this.region);
        kService = hmac(kRegion, this.service);
        kCredentials = hmac(kService, "aws4_request");
        credentialsCache.set(cacheKey, kCredentials);
      }
      return hmac(kCredentials, this.stringToSign(), "hex");
    };
    RequestSigner.prototype.stringToSign = function() {
      return [
        "AWS4-HMAC-SHA256",
        this.getDateTime(),
        this.credentialString(),
        hash(this.canonicalString(), "hex")
      ].join("\n");
    };
    RequestSigner.prototype.canonicalString = function() {
      if (!this.parsedPath) this.prepareRequest();
      var pathStr = this.parsedPath.path, query = this.parsedPath.query, headers = this.request.headers, queryStr = "", normalizePath = this.service !== "s3", decodePath = this.service === "s3" || this.request.doNotEncodePath, decodeSlashesInPath = this.service === "s3", firstValOnly = this.service === "s3", bodyHash;
      if (this.service === "s3" && this.request.signQuery) {
        bodyHash = "UNSIGNED-PAYLOAD";
      } else if (this.isCodeCommitGit) {
        bodyHash = "";
      } else {
        bodyHash = headers["X-Amz-Content-Sha256"] || headers["x-amz-content-sha256"] || hash(this.request.body || "", "hex");
      }
      if (query) {
        var reducedQuery = Object.keys(query).reduce(function(obj, key) {
          if (!key) return obj;
          obj[encodeRfc3986Full(key)] = !Array.isArray(query[key]) ? query[key] : firstValOnly ? query[key][0] : query[key];
          return obj;
        }, {});
        var encodedQueryPieces = [];
        Object.keys(reducedQuery).sort().forEach(function(key) {
          if (!Array.isArray(reducedQuery[key])) {
            encodedQueryPieces.push(key + "=" + encodeRfc3986Full(reducedQuery[key]));
          } else {
            reducedQuery[key].map(encodeRfc3986Full).sort().forEach(function(val) {
              encodedQueryPieces.push(key + "=" + val);
            });
          }
        });
        queryStr = encodedQueryPieces.join("&");
      }
      if (pathStr !== "/") {
        if (normalizePath) pathStr = pathStr.replace(/\/{2,}/g, "/");
        pathStr = pathStr.split("/").reduce(function(path, piece) {
          if (normalizePath && piece === "..") {
            path.pop();
          } else if (!normalizePath || piece !== ".") {
            if (decodePath) piece = decodeURIComponent(piece.replace(/\+/g, " "));
            path.push(encodeRfc3986Full(piece));
          }
          return path;
        }, []).join("/");
        if (pathStr[0] !== "/") pathStr = "/" + pathStr;
        if (decodeSlashesInPath) pathStr = pathStr.replace(/%2F/g, "/");
      }
      return [
        this.request.method || "GET",
        pathStr,
        queryStr,
        this.canonicalHeaders() + "\n",
        this.signedHeaders(),
        bodyHash
      ].join("\n");
    };
    RequestSigner.prototype.filterHeaders = function() {
      var headers = this.request.headers, extraHeadersToInclude = this.extraHeadersToInclude, extraHeadersToIgnore = this.extraHeadersToIgnore;
      this.filteredHeaders = Object.keys(headers).map(function(key) {
        return [key.toLowerCase(), headers[key]];
      }).filter(function(entry) {
        return extraHeadersToInclude[entry[0]] || HEADERS_TO_IGNORE[entry[0]] == null && !extraHeadersToIgnore[entry[0]];
      }).sort(function(a, b) {
        return a[0] < b[0] ? -1 : 1;
      });
    };
    RequestSigner.prototype.canonicalHeaders = function() {
      if (!this.filteredHeaders) this.filterHeaders();
      return this.filteredHeaders.map(function(entry) {
        return entry[0] + ":" + entry[1].toString().trim().replace(/\s+/g, " ");
      }).join("\n");
    };
    RequestSigner.prototype.signedHeaders = function() {
      if (!this.filteredHeaders) this.filterHeaders();
      return this.filteredHeaders.map(function(entry) {
        return entry[0];
      }).join(";");
    };
    RequestSigner.prototype.credentialString = function() {
      return [
        this.getDate(),
        this.region,
        this.service,
        "aws4_request"
      ].join("/");
    };
    RequestSigner.prototype.defaultCredentials = function() {
      var env = process.env;
      return {
        accessKeyId: env.AWS_ACCESS_KEY_ID || env.AWS_ACCESS_KEY,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY || env.AWS_SECRET_KEY,
        sessionToken: env.AWS_SESSION_TOKEN
      };
    };
    RequestSigner.prototype.parsePath = function() {
      var path = this.request.path || "/";
      if (/[^0-9A-Za-z;,/?:@&=+$\-_.!~*'()#%]/.test(path)) {
        path = encodeURI(decodeURI(path));
      }
      var queryIx = path.indexOf("?"), query = null;
      if (queryIx >= 0) {
        query = querystring.parse(path.slice(queryIx + 1));
        path = path.slice(0, queryIx);
      }
      this.parsedPath = {
        path,
        query
      };
    };
    RequestSigner.prototype.formatPath = function() {
      var path = this.parsedPath.path, query = this.parsedPath.query;
      if (!query) return path;
      if (query[""] != null) delete query[""];
      return path + "?" + encodeRfc3986(querystring.stringify(query));
    };
    aws42.RequestSigner = RequestSigner;
    aws42.sign = function(request, credentials) {
      return new RequestSigner(request, credentials).sign();
    };
  }
});

// src/functions/publishChangeToKinesis.ts
var publishChangeToKinesis_exports = {};
__export(publishChangeToKinesis_exports, {
  default: () => publishChangeToKinesis2
});
module.exports = __toCommonJS(publishChangeToKinesis_exports);

// src/core/bson-port.ts
function makeBsonPort(lib, ejson) {
  return {
    lib,
    ejson,
    bsonType(value) {
      if (value === null || typeof value !== "object") return void 0;
      const tag = value._bsontype;
      return typeof tag === "string" ? tag : void 0;
    }
  };
}

// src/core/errors.ts
var BridgeError = class extends Error {
  constructor(kind, message, options) {
    super(message);
    __publicField(this, "kind");
    this.name = "BridgeError";
    this.kind = kind;
    if (options && options.cause !== void 0) this.cause = options.cause;
  }
};
function describeError(error) {
  const describe = (value) => value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  const cause = error instanceof Error ? error.cause : void 0;
  const text2 = cause === void 0 ? describe(error) : `${describe(error)} (cause: ${describe(cause)})`;
  return text2.slice(0, 500);
}

// src/core/settings.ts
function setting(name, parse, fallback) {
  return { name, parse, fallback };
}
function optional(name, parse) {
  return { name, parse, fallback: void 0 };
}
function misconfigured(message) {
  return new BridgeError("misconfigured", message);
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
var namespacePart = (raw, name) => {
  if (typeof raw !== "string" || !/^[^\0$]{1,120}$/.test(raw)) {
    throw misconfigured(`${name} must be a database or collection name (1-120 characters, no "$" or NUL)`);
  }
  return raw;
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
var httpUrl = (raw, name) => {
  const value = text(raw, name);
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw misconfigured(`${name} "${value.slice(0, 80)}" is not an http(s) URL`);
  return value;
};

// src/core/capture/config.ts
var MAX_SNAPSHOT_PARALLELISM = 16;
var FIREHOSE_RECORD_LIMIT = 1024e3;
var heartbeatSettings = {
  heartbeatDatabase: setting("HEARTBEAT_DATABASE", namespacePart, "streamkap"),
  heartbeatCollection: setting("HEARTBEAT_COLLECTION", namespacePart, "streamkap_heartbeat")
};
var captureSettings = {
  appName: setting("APP_NAME", text, "atlas-kinesis-bridge"),
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
  outboxDatabase: setting(
    "KINESIS_OUTBOX_DATABASE",
    namespacePart,
    (read) => read(heartbeatSettings.heartbeatDatabase)
  ),
  outboxCollection: setting("KINESIS_OUTBOX_COLLECTION", namespacePart, "kinesis_outbox"),
  statusCollection: setting("KINESIS_STATUS_COLLECTION", namespacePart, "kinesis_status"),
  signalDatabase: setting("SIGNAL_DATABASE", namespacePart, (read) => read(heartbeatSettings.heartbeatDatabase)),
  signalCollection: setting("SIGNAL_COLLECTION", namespacePart, "streamkap_signal"),
  snapshotChunkSize: setting("SNAPSHOT_CHUNK_SIZE", wholeNumber(1, 500), 500),
  /** Workers per backfill (a signal's data.parallelism overrides it); see parallel-snapshot.ts. */
  snapshotParallelism: setting("SNAPSHOT_PARALLELISM", wholeNumber(1, MAX_SNAPSHOT_PARALLELISM), 1)
};
var kinesisSettings = {
  streamName: setting("KINESIS_STREAM_NAME", text, "realm"),
  region: optional("AWS_REGION", text),
  accessKeyId: optional("AWS_ACCESS_KEY_ID", text),
  secretAccessKey: optional("AWS_SECRET_ACCESS_KEY", text),
  sessionToken: optional("AWS_SESSION_TOKEN", text),
  endpoint: optional("KINESIS_ENDPOINT", httpUrl)
};
var CAPTURE_VALUE_NAMES = settingNames(captureSettings, kinesisSettings);
var captureDefaults = {
  heartbeatDatabase: heartbeatSettings.heartbeatDatabase.fallback,
  heartbeatCollection: heartbeatSettings.heartbeatCollection.fallback,
  signalCollection: captureSettings.signalCollection.fallback
};
function readCaptureConfig(read) {
  return readSettings(read, captureSettings);
}

// src/core/kinesis/port.ts
function kinesisEntry(record) {
  return { Data: Buffer.from(record.data, "utf8").toString("base64"), PartitionKey: record.partitionKey };
}
var THROTTLING = /* @__PURE__ */ new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "KMSThrottlingException",
  "InternalFailure",
  "InternalFailureException",
  "ServiceUnavailable"
]);
var KinesisError = class extends Error {
  constructor(code, message, retryable, status) {
    super(`${code}: ${message}`);
    __publicField(this, "code", code);
    __publicField(this, "retryable", retryable);
    __publicField(this, "status", status);
    this.name = "KinesisError";
  }
};
function isRetryableErrorCode(code) {
  return code !== void 0 && THROTTLING.has(code);
}

// src/adapters/kinesis/sigv4-client.ts
var import_aws4 = __toESM(require_aws4(), 1);
var import_url = require("url");
function createKinesisClient(settings, transport2) {
  const call = createKinesisCall(settings, transport2);
  return {
    putRecord: (entry) => call("PutRecord", { StreamName: settings.streamName, Data: entry.Data, PartitionKey: entry.PartitionKey }),
    putRecords: (entries) => call("PutRecords", {
      StreamName: settings.streamName,
      Records: entries.map((e) => ({ Data: e.Data, PartitionKey: e.PartitionKey }))
    })
  };
}
function createKinesisCall(settings, transport2) {
  const endpoint = new import_url.URL(settings.endpoint || `https://kinesis.${settings.region}.amazonaws.com`);
  return async function call(operation, payload) {
    const body = JSON.stringify(payload);
    const request = {
      host: endpoint.host,
      path: "/",
      method: "POST",
      service: "kinesis",
      region: settings.region,
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `Kinesis_20131202.${operation}`
      },
      body
    };
    import_aws4.default.sign(request, {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      sessionToken: settings.sessionToken
    });
    let response;
    try {
      response = await transport2.post(
        `${endpoint.protocol}//${endpoint.host}/`,
        request.headers,
        body,
        settings.timeoutMs
      );
    } catch (error) {
      throw new KinesisError("NetworkError", error instanceof Error ? error.message : String(error), true);
    }
    if (response.status === 200) return response.body ? JSON.parse(response.body) : {};
    let code = `HTTP${response.status}`;
    let message = response.body.slice(0, 300);
    try {
      const parsed = JSON.parse(response.body);
      if (parsed.__type) code = parsed.__type.split("#").pop();
      message = parsed.message || parsed.Message || message;
    } catch (e) {
    }
    const retryable = response.status >= 500 || response.status === 429 || isRetryableErrorCode(code);
    throw new KinesisError(code, message, retryable, response.status);
  };
}

// src/core/ports.ts
var consoleLogger = {
  info: (event) => console.log(JSON.stringify({ level: "info", ...event })),
  warn: (event) => console.warn(JSON.stringify({ level: "warn", ...event })),
  error: (event) => console.error(JSON.stringify({ level: "error", ...event }))
};
var systemClock = { now: () => Date.now() };

// src/core/retry.ts
var realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function backoffDelay(retry, policy, random = Math.random) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * Math.pow(2, retry));
  return Math.floor(random() * ceiling);
}
async function withRetries(attempt, isRetryable, policy, sleep, random) {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (error) {
      if (made >= policy.maxAttempts || !isRetryable(error)) {
        error.attempts = made;
        throw error;
      }
      await sleep(backoffDelay(made - 1, policy, random));
    }
  }
}

// src/adapters/http/node-transport.ts
var http = __toESM(require("http"), 1);
var https = __toESM(require("https"), 1);
var import_url2 = require("url");
function createNodeTransport(maxSockets = 10) {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets })
  };
  return {
    post(url, headers, body, timeoutMs) {
      return new Promise((resolve, reject) => {
        const target = new import_url2.URL(url);
        const client = target.protocol === "https:" ? https : http;
        const req = client.request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            path: target.pathname,
            method: "POST",
            headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
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
    }
  };
}

// src/adapters/app-services/globals.ts
var DATA_SOURCE_NAME = "mongodb-atlas";
function atlasDataSource(ctx) {
  const service = ctx.services.get(DATA_SOURCE_NAME);
  if (!service)
    throw new BridgeError(
      "misconfigured",
      `the App Services data source "${DATA_SOURCE_NAME}" is not linked to this app`
    );
  return service;
}

// src/adapters/app-services/capture.ts
function kinesisFromValues(read) {
  let values;
  try {
    values = readSettings(read, kinesisSettings);
  } catch (error) {
    return failingKinesis(error instanceof Error ? error.message : String(error));
  }
  const { region, accessKeyId, secretAccessKey } = values;
  if (region === void 0 || accessKeyId === void 0 || secretAccessKey === void 0) {
    const missing = [
      ["AWS_REGION", region],
      ["AWS_ACCESS_KEY_ID", accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", secretAccessKey]
    ].filter(([, v]) => v === void 0).map(([n]) => n);
    return failingKinesis(`missing values: ${missing.join(", ")}`);
  }
  const settings = { ...values, region, accessKeyId, secretAccessKey, timeoutMs: 1e4 };
  return createKinesisClient(settings, sharedTransport());
}
var transport;
function sharedTransport() {
  transport = transport || createNodeTransport(25);
  return transport;
}
function failingKinesis(reason) {
  const fail = async () => {
    throw new KinesisError("Misconfigured", reason, false);
  };
  return { putRecord: fail, putRecords: fail };
}
function captureDepsFromContext(ctx) {
  const read = (name) => ctx.values.get(name);
  let config;
  let kinesis;
  try {
    config = readCaptureConfig(read);
    kinesis = kinesisFromValues(read);
  } catch (error) {
    config = readCaptureConfig(() => void 0);
    kinesis = failingKinesis(error instanceof Error ? error.message : String(error));
  }
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  return {
    config,
    dataSource,
    kinesis,
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

// src/core/capture/partition-key.ts
var import_crypto = require("crypto");
var MAX_PARTITION_KEY = 256;
function partitionKeyFor(id, bson) {
  let key;
  if (typeof id === "string") key = id;
  else if (bson.bsonType(id) === "ObjectId") key = id.toHexString();
  else key = bson.ejson.stringify({ _id: id }, { relaxed: false });
  if (key.length === 0 || key.length > MAX_PARTITION_KEY)
    key = `sha256:${(0, import_crypto.createHash)("sha256").update(key, "utf8").digest("hex")}`;
  return key;
}

// src/core/producer-extras.ts
var PRODUCER_EXTRAS_FIELD = "_akb";

// src/core/capture/envelope.ts
var RecordTooLargeError = class extends Error {
  constructor(bytes, limit) {
    super(`record is ${bytes} bytes even without its documents, above the ${limit}-byte limit`);
    __publicField(this, "bytes", bytes);
    __publicField(this, "limit", limit);
    this.name = "RecordTooLargeError";
  }
};
function buildKinesisRecord(event, config, bson) {
  const documentKey = event.documentKey || { _id: null };
  const partitionKey = partitionKeyFor(documentKey._id, bson);
  const steps = config.recordFormat === "document" ? documentSteps(event, documentKey) : envelopeSteps(event, documentKey);
  let last = 0;
  for (const step of steps) {
    const data = serialise(step.value, step.encode, config, bson);
    last = Buffer.byteLength(data, "utf8") + Buffer.byteLength(partitionKey, "utf8");
    if (last <= config.maxRecordBytes) return { partitionKey, data, degraded: step.degraded, bytes: last };
  }
  throw new RecordTooLargeError(last, config.maxRecordBytes);
}
function envelopeSteps(event, documentKey) {
  const base = {};
  if (event._id !== void 0) base._id = event._id;
  base.operationType = event.operationType;
  if (event.clusterTime !== void 0) base.clusterTime = event.clusterTime;
  if (event.wallTime !== void 0) base.wallTime = event.wallTime;
  base.ns = event.ns;
  base.documentKey = documentKey;
  const withDocument = event.fullDocument != null ? { ...base, fullDocument: event.fullDocument } : base;
  const full = { ...withDocument };
  const extras = [];
  if (event.updateDescription != null) {
    full.updateDescription = event.updateDescription;
    extras.push("updateDescription");
  }
  if (event.fullDocumentBeforeChange != null) {
    full.fullDocumentBeforeChange = event.fullDocumentBeforeChange;
    extras.push("fullDocumentBeforeChange");
  }
  const encode = ["fullDocument", "fullDocumentBeforeChange", "updateDescription"];
  const own = event[PRODUCER_EXTRAS_FIELD];
  const steps = [{ value: own ? { ...full, [PRODUCER_EXTRAS_FIELD]: own } : full, encode, degraded: [] }];
  if (extras.length > 0)
    steps.push({
      value: { ...withDocument, [PRODUCER_EXTRAS_FIELD]: { ...own, degraded: extras } },
      encode,
      degraded: extras
    });
  if (event.fullDocument != null) {
    const dropped = extras.concat("fullDocument");
    steps.push({
      value: { ...base, [PRODUCER_EXTRAS_FIELD]: { ...own, degraded: dropped } },
      encode,
      degraded: dropped
    });
  }
  return steps;
}
function documentSteps(event, documentKey) {
  if (event.operationType === "delete")
    return [{ value: { ...documentKey, __deleted: true }, encode: [], degraded: [] }];
  if (event.fullDocument == null)
    return [{ value: { ...documentKey, __fullDocumentMissing: true }, encode: [], degraded: [] }];
  return [
    { value: event.fullDocument, encode: ["."], degraded: [] },
    { value: { ...documentKey, __degraded: ["fullDocument"] }, encode: [], degraded: ["fullDocument"] }
  ];
}
function serialise(value, encode, config, bson) {
  const text2 = bson.ejson.stringify(value, { relaxed: false });
  if (config.arrayEncoding === "array" && config.nestedDocumentEncoding === "document") return text2;
  const tree = JSON.parse(text2);
  if (encode[0] === ".") return JSON.stringify(encodeDocument(tree, config));
  for (const field of encode) {
    const part = tree[field];
    if (part && typeof part === "object" && !Array.isArray(part)) {
      tree[field] = field === "updateDescription" ? {
        ...part,
        updatedFields: encodeDocument(part.updatedFields || {}, config)
      } : encodeDocument(part, config);
    }
  }
  return JSON.stringify(tree);
}
function encodeDocument(document, config) {
  const out = {};
  for (const key of Object.keys(document)) out[key] = encodeValue(document[key], config);
  return out;
}
function encodeValue(value, config) {
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeValue(item, config));
    return config.arrayEncoding === "array_string" ? JSON.stringify(value) : items;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys[0].charCodeAt(0) === 36) return value;
    return config.nestedDocumentEncoding === "string" ? JSON.stringify(value) : encodeDocument(value, config);
  }
  return value;
}

// src/core/capture/outbox.ts
async function enqueue(outbox, entry) {
  await outbox.bulkWrite(
    [{ replaceOne: { filter: { _id: entry._id }, replacement: entry, upsert: true } }],
    {
      ordered: true
    }
  );
}
async function hasPendingFor(outbox, partitionKey) {
  return await outbox.findOne({ partitionKey }) !== null;
}
function syntheticOutboxId(prefix, now, random = Math.random) {
  return `${prefix}:${now.toString(16).padStart(12, "0")}:${Math.floor(random() * 4294967295).toString(16)}`;
}

// src/core/capture/publish-change.ts
async function publishChangeToKinesis(event, deps) {
  const { config, bson, logger } = deps;
  const outboxId = resumeTokenId(event) || syntheticOutboxId("event", deps.clock.now(), deps.random);
  const ns = event.ns ? `${event.ns.db}.${event.ns.coll}` : "";
  let record;
  try {
    record = buildKinesisRecord(event, config, bson);
  } catch (error) {
    if (!(error instanceof RecordTooLargeError)) throw error;
    const data = bson.ejson.stringify({ ...event }, { relaxed: false });
    await enqueue(deps.outbox, {
      _id: outboxId,
      partitionKey: "",
      data,
      operationType: event.operationType,
      ns,
      enqueuedAt: new Date(deps.clock.now()),
      attempts: 0,
      lastError: error.message,
      permanent: true
    });
    logger.error({
      msg: "change event sent to the outbox",
      outboxId,
      ns,
      operationType: event.operationType,
      reason: error.message,
      permanent: true
    });
    return { result: "outboxed", reason: error.message };
  }
  if (record.degraded.length > 0) {
    logger.warn({
      msg: "change event degraded to fit the record limit",
      outboxId,
      ns,
      dropped: record.degraded,
      bytes: record.bytes,
      limit: config.maxRecordBytes
    });
  }
  const outboxed = async (reason, attempts) => {
    await enqueue(deps.outbox, {
      _id: outboxId,
      partitionKey: record.partitionKey,
      data: record.data,
      operationType: event.operationType,
      ns,
      enqueuedAt: new Date(deps.clock.now()),
      attempts,
      lastError: reason
    });
    logger.warn({
      msg: "change event sent to the outbox",
      outboxId,
      ns,
      operationType: event.operationType,
      attempts,
      reason
    });
    return { result: "outboxed", reason };
  };
  if (await hasPendingFor(deps.outbox, record.partitionKey)) {
    return outboxed("an earlier event of this document is waiting in the outbox", 0);
  }
  let put;
  try {
    put = await withRetries(
      () => deps.kinesis.putRecord(kinesisEntry(record)),
      (error) => error instanceof KinesisError && error.retryable,
      config,
      deps.sleep,
      deps.random
    );
  } catch (error) {
    const attempts = error.attempts || 1;
    return outboxed(describeError(error), attempts);
  }
  if (event.ns && event.ns.db === config.heartbeatDatabase && event.ns.coll === config.heartbeatCollection) {
    await recordSuccessfulPut(deps).catch(
      (error) => logger.warn({ msg: "could not record the last successful put", error: describeError(error) })
    );
  }
  return { result: "put", sequenceNumber: put.SequenceNumber, shardId: put.ShardId, degraded: record.degraded };
}
function resumeTokenId(event) {
  const token = event._id;
  return token && typeof token._data === "string" ? token._data : void 0;
}
async function recordSuccessfulPut(deps) {
  await deps.status.updateOne(
    { _id: `${deps.config.appName}:lastSuccessfulPut` },
    { $set: { at: new Date(deps.clock.now()) } },
    { upsert: true }
  );
}

// src/functions/publishChangeToKinesis.ts
async function publishChangeToKinesis2(changeEvent) {
  return publishChangeToKinesis(changeEvent, captureDepsFromContext(context));
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
