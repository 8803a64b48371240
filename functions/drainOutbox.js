// drainOutbox: App Services function generated from src/functions/drainOutbox.ts by `npm run build`.
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

// node_modules/aws4/lru.js
var require_lru = __commonJS({
  "node_modules/aws4/lru.js"(exports2, module2) {
    module2.exports = function(t) {
      return new LruCache(t);
    };
    function LruCache(t) {
      this.capacity = t | 0, this.map = /* @__PURE__ */ Object.create(null), this.list = new DoublyLinkedList();
    }
    LruCache.prototype.get = function(t) {
      var i = this.map[t];
      if (i != null) return this.used(i), i.val;
    }, LruCache.prototype.set = function(t, i) {
      var e = this.map[t];
      if (e != null) e.val = i;
      else {
        if (this.capacity || this.prune(), !this.capacity) return false;
        e = new DoublyLinkedNode(t, i), this.map[t] = e, this.capacity--;
      }
      return this.used(e), true;
    }, LruCache.prototype.used = function(t) {
      this.list.moveToFront(t);
    }, LruCache.prototype.prune = function() {
      var t = this.list.pop();
      t != null && (delete this.map[t.key], this.capacity++);
    };
    function DoublyLinkedList() {
      this.firstNode = null, this.lastNode = null;
    }
    DoublyLinkedList.prototype.moveToFront = function(t) {
      this.firstNode != t && (this.remove(t), this.firstNode == null ? (this.firstNode = t, this.lastNode = t, t.prev = null, t.next = null) : (t.prev = null, t.next = this.firstNode, t.next.prev = t, this.firstNode = t));
    }, DoublyLinkedList.prototype.pop = function() {
      var t = this.lastNode;
      return t != null && this.remove(t), t;
    }, DoublyLinkedList.prototype.remove = function(t) {
      this.firstNode == t ? this.firstNode = t.next : t.prev != null && (t.prev.next = t.next), this.lastNode == t ? this.lastNode = t.prev : t.next != null && (t.next.prev = t.prev);
    };
    function DoublyLinkedNode(t, i) {
      this.key = t, this.val = i, this.prev = null, this.next = null;
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
    function hmac(e, t, i) {
      return crypto.createHmac("sha256", e).update(t, "utf8").digest(i);
    }
    function hash(e, t) {
      return crypto.createHash("sha256").update(e, "utf8").digest(t);
    }
    function encodeRfc3986(e) {
      return e.replace(/[!'()*]/g, function(t) {
        return "%" + t.charCodeAt(0).toString(16).toUpperCase();
      });
    }
    function encodeRfc3986Full(e) {
      return encodeRfc3986(encodeURIComponent(e));
    }
    var HEADERS_TO_IGNORE = { authorization: true, connection: true, "x-amzn-trace-id": true, "user-agent": true, expect: true, "presigned-expires": true, range: true };
    function RequestSigner(e, t) {
      typeof e == "string" && (e = url.parse(e));
      var i = e.headers = Object.assign({}, e.headers || {}), s = (!this.service || !this.region) && this.matchHost(e.hostname || e.host || i.Host || i.host);
      this.request = e, this.credentials = t || this.defaultCredentials(), this.service = e.service || s[0] || "", this.region = e.region || s[1] || "us-east-1", this.service === "email" && (this.service = "ses"), !e.method && e.body && (e.method = "POST"), !i.Host && !i.host && (i.Host = e.hostname || e.host || this.createHost(), e.port && (i.Host += ":" + e.port)), !e.hostname && !e.host && (e.hostname = i.Host || i.host), this.isCodeCommitGit = this.service === "codecommit" && e.method === "GIT", this.extraHeadersToIgnore = e.extraHeadersToIgnore || /* @__PURE__ */ Object.create(null), this.extraHeadersToInclude = e.extraHeadersToInclude || /* @__PURE__ */ Object.create(null);
    }
    RequestSigner.prototype.matchHost = function(e) {
      var t = (e || "").match(/([^\.]{1,63})\.(?:([^\.]{0,63})\.)?amazonaws\.com(\.cn)?$/), i = (t || []).slice(1, 3);
      if ((i[1] === "es" || i[1] === "aoss") && (i = i.reverse()), i[1] == "s3") i[0] = "s3", i[1] = "us-east-1";
      else for (var s = 0; s < 2; s++) if (/^s3-/.test(i[s])) {
        i[1] = i[s].slice(3), i[0] = "s3";
        break;
      }
      return i;
    }, RequestSigner.prototype.isSingleRegion = function() {
      return ["s3", "sdb"].indexOf(this.service) >= 0 && this.region === "us-east-1" ? true : ["cloudfront", "ls", "route53", "iam", "importexport", "sts"].indexOf(this.service) >= 0;
    }, RequestSigner.prototype.createHost = function() {
      var e = this.isSingleRegion() ? "" : "." + this.region, t = this.service === "ses" ? "email" : this.service;
      return t + e + ".amazonaws.com";
    }, RequestSigner.prototype.prepareRequest = function() {
      this.parsePath();
      var e = this.request, t = e.headers, i;
      e.signQuery ? (this.parsedPath.query = i = this.parsedPath.query || {}, this.credentials.sessionToken && (i["X-Amz-Security-Token"] = this.credentials.sessionToken), this.service === "s3" && !i["X-Amz-Expires"] && (i["X-Amz-Expires"] = 86400), i["X-Amz-Date"] ? this.datetime = i["X-Amz-Date"] : i["X-Amz-Date"] = this.getDateTime(), i["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256", i["X-Amz-Credential"] = this.credentials.accessKeyId + "/" + this.credentialString(), i["X-Amz-SignedHeaders"] = this.signedHeaders()) : (!e.doNotModifyHeaders && !this.isCodeCommitGit && (e.body && !t["Content-Type"] && !t["content-type"] && (t["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"), e.body && !t["Content-Length"] && !t["content-length"] && (t["Content-Length"] = Buffer.byteLength(e.body)), this.credentials.sessionToken && !t["X-Amz-Security-Token"] && !t["x-amz-security-token"] && (t["X-Amz-Security-Token"] = this.credentials.sessionToken), this.service === "s3" && !t["X-Amz-Content-Sha256"] && !t["x-amz-content-sha256"] && (t["X-Amz-Content-Sha256"] = hash(this.request.body || "", "hex")), t["X-Amz-Date"] || t["x-amz-date"] ? this.datetime = t["X-Amz-Date"] || t["x-amz-date"] : t["X-Amz-Date"] = this.getDateTime()), delete t.Authorization, delete t.authorization);
    }, RequestSigner.prototype.sign = function() {
      return this.parsedPath || this.prepareRequest(), this.request.signQuery ? this.parsedPath.query["X-Amz-Signature"] = this.signature() : this.request.headers.Authorization = this.authHeader(), this.request.path = this.formatPath(), this.request;
    }, RequestSigner.prototype.getDateTime = function() {
      if (!this.datetime) {
        var e = this.request.headers, t = new Date(e.Date || e.date || /* @__PURE__ */ new Date());
        this.datetime = t.toISOString().replace(/[:\-]|\.\d{3}/g, ""), this.isCodeCommitGit && (this.datetime = this.datetime.slice(0, -1));
      }
      return this.datetime;
    }, RequestSigner.prototype.getDate = function() {
      return this.getDateTime().substr(0, 8);
    }, RequestSigner.prototype.authHeader = function() {
      return ["AWS4-HMAC-SHA256 Credential=" + this.credentials.accessKeyId + "/" + this.credentialString(), "SignedHeaders=" + this.signedHeaders(), "Signature=" + this.signature()].join(", ");
    }, RequestSigner.prototype.signature = function() {
      var e = this.getDate(), t = [this.credentials.secretAccessKey, e, this.region, this.service].join(), i, s, a, o = credentialsCache.get(t);
      return o || (i = hmac("AWS4" + this.credentials.secretAccessKey, e), s = hmac(i, this.region), a = hmac(s, this.service), o = hmac(a, "aws4_request"), credentialsCache.set(t, o)), hmac(o, this.stringToSign(), "hex");
    }, RequestSigner.prototype.stringToSign = function() {
      return ["AWS4-HMAC-SHA256", this.getDateTime(), this.credentialString(), hash(this.canonicalString(), "hex")].join(`
`);
    }, RequestSigner.prototype.canonicalString = function() {
      this.parsedPath || this.prepareRequest();
      var e = this.parsedPath.path, t = this.parsedPath.query, i = this.request.headers, s = "", a = this.service !== "s3", o = this.service === "s3" || this.request.doNotEncodePath, u = this.service === "s3", f = this.service === "s3", h;
      if (this.service === "s3" && this.request.signQuery ? h = "UNSIGNED-PAYLOAD" : this.isCodeCommitGit ? h = "" : h = i["X-Amz-Content-Sha256"] || i["x-amz-content-sha256"] || hash(this.request.body || "", "hex"), t) {
        var c = Object.keys(t).reduce(function(n, r) {
          return r && (n[encodeRfc3986Full(r)] = Array.isArray(t[r]) && f ? t[r][0] : t[r]), n;
        }, {}), d = [];
        Object.keys(c).sort().forEach(function(n) {
          Array.isArray(c[n]) ? c[n].map(encodeRfc3986Full).sort().forEach(function(r) {
            d.push(n + "=" + r);
          }) : d.push(n + "=" + encodeRfc3986Full(c[n]));
        }), s = d.join("&");
      }
      return e !== "/" && (a && (e = e.replace(/\/{2,}/g, "/")), e = e.split("/").reduce(function(n, r) {
        return a && r === ".." ? n.pop() : (!a || r !== ".") && (o && (r = decodeURIComponent(r.replace(/\+/g, " "))), n.push(encodeRfc3986Full(r))), n;
      }, []).join("/"), e[0] !== "/" && (e = "/" + e), u && (e = e.replace(/%2F/g, "/"))), [this.request.method || "GET", e, s, this.canonicalHeaders() + `
`, this.signedHeaders(), h].join(`
`);
    }, RequestSigner.prototype.filterHeaders = function() {
      var e = this.request.headers, t = this.extraHeadersToInclude, i = this.extraHeadersToIgnore;
      this.filteredHeaders = Object.keys(e).map(function(s) {
        return [s.toLowerCase(), e[s]];
      }).filter(function(s) {
        return t[s[0]] || HEADERS_TO_IGNORE[s[0]] == null && !i[s[0]];
      }).sort(function(s, a) {
        return s[0] < a[0] ? -1 : 1;
      });
    }, RequestSigner.prototype.canonicalHeaders = function() {
      return this.filteredHeaders || this.filterHeaders(), this.filteredHeaders.map(function(e) {
        return e[0] + ":" + e[1].toString().trim().replace(/\s+/g, " ");
      }).join(`
`);
    }, RequestSigner.prototype.signedHeaders = function() {
      return this.filteredHeaders || this.filterHeaders(), this.filteredHeaders.map(function(e) {
        return e[0];
      }).join(";");
    }, RequestSigner.prototype.credentialString = function() {
      return [this.getDate(), this.region, this.service, "aws4_request"].join("/");
    }, RequestSigner.prototype.defaultCredentials = function() {
      var e = process.env;
      return { accessKeyId: e.AWS_ACCESS_KEY_ID || e.AWS_ACCESS_KEY, secretAccessKey: e.AWS_SECRET_ACCESS_KEY || e.AWS_SECRET_KEY, sessionToken: e.AWS_SESSION_TOKEN };
    }, RequestSigner.prototype.parsePath = function() {
      var e = this.request.path || "/";
      /[^0-9A-Za-z;,/?:@&=+$\-_.!~*'()#%]/.test(e) && (e = encodeURI(decodeURI(e)));
      var t = e.indexOf("?"), i = null;
      t >= 0 && (i = querystring.parse(e.slice(t + 1)), e = e.slice(0, t)), this.parsedPath = { path: e, query: i };
    }, RequestSigner.prototype.formatPath = function() {
      var e = this.parsedPath.path, t = this.parsedPath.query;
      return t ? (t[""] != null && delete t[""], e + "?" + encodeRfc3986(querystring.stringify(t))) : e;
    }, aws42.RequestSigner = RequestSigner, aws42.sign = function(e, t) {
      return new RequestSigner(e, t).sign();
    };
  }
});

// src/functions/drainOutbox.ts
var drainOutbox_exports = {};
__export(drainOutbox_exports, {
  default: () => drainOutbox2
});
module.exports = __toCommonJS(drainOutbox_exports);

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
var httpUrl = (raw, name) => {
  const value = text(raw, name);
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw misconfigured(`${name} "${value.slice(0, 80)}" is not an http(s) URL`);
  return value;
};

// src/core/capture/shaping/field-paths.ts
function isFieldDocument(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value) || isDate(value)) return false;
  return typeof value._bsontype !== "string" && !ArrayBuffer.isView(value);
}
function isDate(value) {
  return Object.prototype.toString.call(value) === "[object Date]";
}
function isPosition(part) {
  return /^[0-9]+$/.test(part);
}
function editAt(value, path, edit, from = 0) {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = editAt(item, path, edit, from);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (!isFieldDocument(value) || from >= path.length) return value;
  const name = path[from];
  if (!Object.prototype.hasOwnProperty.call(value, name)) return value;
  const copy = { ...value };
  if (from === path.length - 1) {
    if (edit.kind === "exclude") delete copy[name];
    else copy[name] = edit.with(value[name]);
    return copy;
  }
  const inner = editAt(value[name], path, edit, from + 1);
  if (inner === value[name]) return value;
  copy[name] = inner;
  return copy;
}
function relateKey(key, path) {
  let k = 0;
  let p = 0;
  while (k < key.length && p < path.length) {
    if (key[k] === path[p]) {
      k++;
      p++;
    } else if (isPosition(key[k])) k++;
    else return { is: "apart" };
  }
  if (p === path.length) return { is: "inside", upTo: k };
  return { is: "holds", rest: path.slice(p) };
}
function valueAtKey(document, parts) {
  let value = document;
  for (const part of parts) {
    if (Array.isArray(value) && isPosition(part)) value = value[Number(part)];
    else if (isFieldDocument(value) && Object.prototype.hasOwnProperty.call(value, part)) value = value[part];
    else return void 0;
  }
  return value;
}
function editUpdateDescription(description, path, edit, fullDocument) {
  const related = (key) => typeof key === "string" && relateKey(key.split("."), path).is !== "apart";
  const inside = (key) => typeof key === "string" && relateKey(key.split("."), path).is === "inside";
  const updated = isFieldDocument(description.updatedFields) ? description.updatedFields : void 0;
  const removed = Array.isArray(description.removedFields) ? description.removedFields : void 0;
  const truncated = Array.isArray(description.truncatedArrays) ? description.truncatedArrays : void 0;
  const truncatedField = (entry) => isFieldDocument(entry) ? entry.field : void 0;
  const touched = updated !== void 0 && Object.keys(updated).some(related) || edit.kind === "exclude" && removed !== void 0 && removed.some(inside) || truncated !== void 0 && truncated.some((entry) => inside(truncatedField(entry)));
  if (!touched) return description;
  const out = { ...description };
  if (updated !== void 0) {
    const fields = {};
    for (const key of Object.keys(updated)) {
      const parts = key.split(".");
      const relation = relateKey(parts, path);
      if (relation.is === "apart") fields[key] = updated[key];
      else if (relation.is === "holds") fields[key] = editAt(updated[key], relation.rest, edit);
      else if (edit.kind === "replace") {
        if (relation.upTo === parts.length) fields[key] = edit.with(updated[key]);
        else {
          const unit = parts.slice(0, relation.upTo);
          const whole = fullDocument ? valueAtKey(fullDocument, unit) : void 0;
          if (whole !== void 0) fields[unit.join(".")] = edit.with(whole);
        }
      }
    }
    out.updatedFields = fields;
  }
  if (edit.kind === "exclude" && removed !== void 0) out.removedFields = removed.filter((key) => !inside(key));
  if (truncated !== void 0) out.truncatedArrays = truncated.filter((entry) => !inside(truncatedField(entry)));
  const disambiguated = description.disambiguatedPaths;
  if (isFieldDocument(disambiguated)) {
    const kept = {};
    const present = (key) => isFieldDocument(out.updatedFields) && Object.prototype.hasOwnProperty.call(out.updatedFields, key) || Array.isArray(out.removedFields) && out.removedFields.indexOf(key) !== -1;
    for (const key of Object.keys(disambiguated)) if (present(key)) kept[key] = disambiguated[key];
    out.disambiguatedPaths = kept;
  }
  return out;
}
function touchesPath(description, path) {
  const keys = [];
  if (isFieldDocument(description.updatedFields)) keys.push(...Object.keys(description.updatedFields));
  if (Array.isArray(description.removedFields)) {
    for (const key of description.removedFields) if (typeof key === "string") keys.push(key);
  }
  if (Array.isArray(description.truncatedArrays)) {
    for (const entry of description.truncatedArrays)
      if (isFieldDocument(entry) && typeof entry.field === "string") keys.push(entry.field);
  }
  return keys.some((key) => relateKey(key.split("."), path).is !== "apart");
}

// src/core/numbers.ts
var MAX_SAFE = 9007199254740991;
function isInteger(value) {
  return isFinite(value) && Math.floor(value) === value;
}
function isSafeInteger(value) {
  return isInteger(value) && Math.abs(value) <= MAX_SAFE;
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
function compareBson(a, b, bson) {
  const ra = typeRank(a, bson);
  return cmp(ra, typeRank(b, bson)) || compareSameRank(ra, a, b, bson);
}
function compareSameRank(rank, a, b, bson) {
  switch (rank) {
    case TYPE_RANK.number:
      return compareNumbers(a, b, bson);
    case TYPE_RANK.string:
      return compareStrings(stringOf(a), stringOf(b));
    case TYPE_RANK.object:
    case TYPE_RANK.dbPointer:
      return compareFields(fieldsOf(a, bson), fieldsOf(b, bson), bson);
    case TYPE_RANK.array:
      return compareArrays(a, b, bson);
    case TYPE_RANK.binData:
      return compareBinary(a, b, bson);
    case TYPE_RANK.objectId:
      return compareObjectIds(a, b);
    case TYPE_RANK.bool:
      return a === b ? 0 : a ? 1 : -1;
    case TYPE_RANK.date: {
      const d = a.getTime() - b.getTime();
      return d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    case TYPE_RANK.timestamp:
      return compareTimestamps(a, b);
    case TYPE_RANK.regex: {
      const x = regexParts(a);
      const y = regexParts(b);
      return compareStrings(x.pattern, y.pattern) || compareStrings(x.options, y.options);
    }
    case TYPE_RANK.javascript:
      return compareStrings(String(a.code), String(b.code));
    case TYPE_RANK.javascriptWithScope: {
      const x = a;
      const y = b;
      return compareStrings(String(x.code), String(y.code)) || compareBson(x.scope, y.scope, bson);
    }
    default:
      return 0;
  }
}
function cmp(x, y) {
  return x === y ? 0 : x < y ? -1 : 1;
}
function stringOf(value) {
  return typeof value === "string" ? value : String(value.valueOf());
}
function compareStrings(a, b) {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 55296 && x <= 57343;
    const sy = y >= 55296 && y <= 57343;
    if (sx === sy) return x < y ? -1 : 1;
    return sx ? 1 : -1;
  }
  return cmp(a.length, b.length);
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
function compareFields(a, b, bson) {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ra = typeRank(a[i][1], bson);
    const c = cmp(ra, typeRank(b[i][1], bson)) || compareStrings(a[i][0], b[i][0]) || compareSameRank(ra, a[i][1], b[i][1], bson);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}
function compareArrays(a, b, bson) {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = compareBson(a[i], b[i], bson);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
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
function compareBinary(a, b, bson) {
  const x = binaryParts(a, bson);
  const y = binaryParts(b, bson);
  let c = cmp(x.length, y.length) || cmp(x.subtype, y.subtype);
  for (let i = 0; c === 0 && i < x.length; i++) c = cmp(x.bytes[i], y.bytes[i]);
  return c;
}
function objectIdBytes(value) {
  const id = value.id;
  return id instanceof Uint8Array && id.length === 12 ? id : void 0;
}
function compareObjectIds(a, b) {
  const wa = a;
  const wb = b;
  if (typeof wa.i0 === "number" && typeof wb.i0 === "number")
    return cmp(wa.i0, wb.i0) || cmp(wa.i1, wb.i1) || cmp(wa.i2, wb.i2) || cmp(wa.i3, wb.i3);
  const x = objectIdBytes(a);
  const y = objectIdBytes(b);
  if (x && y) {
    let c = 0;
    for (let i = 0; c === 0 && i < 12; i++) c = cmp(x[i], y[i]);
    return c;
  }
  const hx = objectIdHex(a);
  const hy = objectIdHex(b);
  return hx < hy ? -1 : hx > hy ? 1 : 0;
}
function objectIdHex(value) {
  return value.toHexString().toLowerCase();
}
function compareTimestamps(a, b) {
  return cmp(a.high >>> 0, b.high >>> 0) || cmp(a.low >>> 0, b.low >>> 0);
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
function compareDoubles(x, y) {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  return x !== x ? y !== y ? 0 : -1 : 1;
}
function longPartsOfInteger(d) {
  const high = Math.floor(d / TWO_32);
  return { high, low: d - high * TWO_32 };
}
function compareLongToDouble(long, d) {
  if (d !== d) return 1;
  const approx = longApprox(long);
  if (approx < TWO_53 && approx > -TWO_53) return compareDoubles(approx, d);
  if (d >= TWO_63) return -1;
  if (d < -TWO_63) return 1;
  if (d < TWO_53 && d > -TWO_53) return compareDoubles(approx, d);
  return compareLongs(long, longPartsOfInteger(d));
}
function compareNumbers(a, b, bson) {
  const ka = numberKind(a, bson);
  const kb = numberKind(b, bson);
  if (ka === KIND_DOUBLE && kb === KIND_DOUBLE) return compareDoubles(doubleOf(a), doubleOf(b));
  if (ka === KIND_LONG && kb === KIND_LONG) return compareLongs(a, b);
  if (ka === KIND_LONG && kb === KIND_DOUBLE) return compareLongToDouble(a, doubleOf(b));
  if (ka === KIND_DOUBLE && kb === KIND_LONG) return 0 - compareLongToDouble(b, doubleOf(a));
  return compareDecimals(exactOf(a, ka), exactOf(b, kb));
}
function isNaNNumber(value, bson) {
  const kind = numberKind(value, bson);
  if (kind === KIND_DOUBLE) {
    const d = doubleOf(value);
    return d !== d;
  }
  return kind === KIND_DECIMAL && String(value) === "NaN";
}
var ZERO = { negative: false, digits: "", point: 0 };
var NAN = { special: "NaN", negative: false, digits: "", point: 0 };
var INFINITY = { special: "Infinity", negative: false, digits: "", point: 0 };
var NEGATIVE_INFINITY = { special: "-Infinity", negative: true, digits: "", point: 0 };
function exactOf(value, kind) {
  if (kind === KIND_DOUBLE) return exactOfDouble(doubleOf(value));
  return exactOfDecimalString(String(value));
}
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

// src/core/capture/shaping/match-filter.ts
var SUPPORTED_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$not",
  "$and",
  "$or",
  "$nor"
];
var LOGICAL = ["$and", "$or", "$nor"];
var RANGE = ["$gt", "$gte", "$lt", "$lte"];
var VALUE_WRAPPERS = [
  "$oid",
  "$date",
  "$numberInt",
  "$numberLong",
  "$numberDouble",
  "$numberDecimal",
  "$binary",
  "$uuid",
  "$timestamp"
];
var REFUSED_WRAPPERS = [
  "$regularExpression",
  "$minKey",
  "$maxKey",
  "$code",
  "$scope",
  "$symbol",
  "$dbPointer",
  "$undefined"
];
var MatchFilterError = class extends BridgeError {
  constructor(problems) {
    super("capture_options_invalid", problems.join("; "), { kind: CAPTURE_ERRORS.capture_options_invalid.kind });
    this.problems = problems;
    this.name = "MatchFilterError";
  }
};
var keysOf = (value) => Object.keys(value);
var isOperatorObject = (value) => isFieldDocument(value) && keysOf(value).length > 0 && keysOf(value)[0].charAt(0) === "$";
function filterProblems(filter) {
  const problems = [];
  if (!isFieldDocument(filter)) return ["the filter must be a JSON object"];
  checkFilter(filter, "", problems);
  return problems;
}
function checkFilter(filter, where, problems) {
  for (const key of keysOf(filter)) {
    const at = where ? `${where}.${key}` : key;
    if (LOGICAL.indexOf(key) !== -1) {
      const list = filter[key];
      if (!Array.isArray(list) || list.length === 0) problems.push(`${at} needs a non-empty array of filters`);
      else
        list.forEach((item, i) => {
          if (!isFieldDocument(item)) problems.push(`${at}[${i}] must be a filter object`);
          else checkFilter(item, `${at}[${i}]`, problems);
        });
    } else if (key.charAt(0) === "$") problems.push(unsupported(key, at));
    else if (key === "" || key.split(".").some((part) => part === "" || part.charAt(0) === "$"))
      problems.push(`"${at}" is not a field path`);
    else checkCondition(filter[key], at, problems);
  }
}
function unsupported(operator, at) {
  return `${at}: ${operator} is not supported (supported: ${SUPPORTED_OPERATORS.join(", ")})`;
}
function checkCondition(condition, at, problems) {
  if (!isOperatorObject(condition) || isValueWrapper(condition)) return checkValue(condition, at, problems);
  for (const operator of keysOf(condition)) {
    const operand = condition[operator];
    const here = `${at}.${operator}`;
    if (operator.charAt(0) !== "$") problems.push(`${at} mixes operators and fields ("${operator}")`);
    else if (operator === "$eq" || operator === "$ne") checkValue(operand, here, problems);
    else if (RANGE.indexOf(operator) !== -1) {
      if (operand === null) continue;
      if (Array.isArray(operand) || isFieldDocument(operand) && !isValueWrapper(operand))
        problems.push(`${here} needs a number, string, date, ObjectId, boolean or null`);
      else checkValue(operand, here, problems);
    } else if (operator === "$in" || operator === "$nin") {
      if (!Array.isArray(operand)) problems.push(`${here} needs an array`);
      else operand.forEach((item, i) => checkValue(item, `${here}[${i}]`, problems));
    } else if (operator === "$exists") {
      if (typeof operand !== "boolean") problems.push(`${here} needs true or false`);
    } else if (operator === "$not") {
      if (!isOperatorObject(operand) || isValueWrapper(operand))
        problems.push(`${here} needs an operator object such as {"$gt": 5}`);
      else checkCondition(operand, here, problems);
    } else problems.push(unsupported(operator, at));
  }
}
function isValueWrapper(value) {
  const first = keysOf(value)[0];
  return VALUE_WRAPPERS.indexOf(first) !== -1 || REFUSED_WRAPPERS.indexOf(first) !== -1;
}
function checkValue(value, at, problems) {
  if (Array.isArray(value)) return value.forEach((item, i) => checkValue(item, `${at}[${i}]`, problems));
  if (!isFieldDocument(value)) return;
  const first = keysOf(value)[0];
  if (first !== void 0 && REFUSED_WRAPPERS.indexOf(first) !== -1)
    problems.push(`${at}: ${first} values are not supported (no regular expressions, code or min/max keys)`);
  else if (first !== void 0 && VALUE_WRAPPERS.indexOf(first) !== -1) return;
  else if (first !== void 0 && first.charAt(0) === "$")
    problems.push(`${at}: ${first} cannot stand inside a value (name the field by its dotted path instead)`);
  else for (const key of keysOf(value)) checkValue(value[key], `${at}.${key}`, problems);
}
function filterPaths(filter) {
  const paths = [];
  const walk = (node) => {
    for (const key of keysOf(node)) {
      if (LOGICAL.indexOf(key) !== -1) node[key].forEach(walk);
      else paths.push(key.split("."));
    }
  };
  walk(filter);
  return paths;
}
var MISSING = {};
function readMatchFilter(text2, bson) {
  let json;
  try {
    json = JSON.parse(text2);
  } catch (error) {
    throw new MatchFilterError([`not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const problems = filterProblems(json);
  if (problems.length > 0) throw new MatchFilterError(problems);
  const filter = bson.ejson.parse(text2, { relaxed: false });
  return { filter };
}
function compileMatch(text2, bson) {
  const { filter } = readMatchFilter(text2, bson);
  return { filter, test: compileFilter(filter, bson), paths: filterPaths(JSON.parse(text2)) };
}
function compileFilter(filter, bson) {
  const tests = keysOf(filter).map((key) => {
    if (LOGICAL.indexOf(key) !== -1) {
      const parts = filter[key].map((item) => compileFilter(item, bson));
      if (key === "$and") return (d) => parts.every((t) => t(d));
      if (key === "$or") return (d) => parts.some((t) => t(d));
      return (d) => !parts.some((t) => t(d));
    }
    const path = key.split(".");
    const condition = compileCondition(filter[key], bson);
    return (d) => condition(valuesAt(d, path));
  });
  return (document) => tests.every((t) => t(document));
}
function compileCondition(condition, bson) {
  if (!isOperatorObject(condition)) return equalsCondition(condition, bson);
  const parts = keysOf(condition).map((operator) => {
    const operand = condition[operator];
    switch (operator) {
      case "$eq":
        return equalsCondition(operand, bson);
      case "$ne": {
        const equals = equalsCondition(operand, bson);
        return (c) => !equals(c);
      }
      case "$in": {
        const options = operand.map((item) => equalsCondition(item, bson));
        return (c) => options.some((o) => o(c));
      }
      case "$nin": {
        const options = operand.map((item) => equalsCondition(item, bson));
        return (c) => !options.some((o) => o(c));
      }
      case "$exists":
        return operand === true ? (c) => c.some((v) => v !== MISSING) : (c) => c.every((v) => v === MISSING);
      case "$not": {
        const inner = compileCondition(operand, bson);
        return (c) => !inner(c);
      }
      default:
        return rangeCondition(operator, operand, bson);
    }
  });
  return (candidates) => parts.every((p) => p(candidates));
}
function equalsCondition(value, bson) {
  const wanted = value === void 0 ? null : value;
  return (candidates) => candidates.some((c) => {
    if (c === MISSING) return wanted === null;
    if (equalValues(c, wanted, bson)) return true;
    return Array.isArray(c) && c.some((item) => equalValues(item, wanted, bson));
  });
}
function rangeCondition(operator, operand, bson) {
  if (operand === null) return operator === "$gte" || operator === "$lte" ? equalsCondition(null, bson) : () => false;
  const accept = (order) => operator === "$gt" ? order > 0 : operator === "$gte" ? order >= 0 : operator === "$lt" ? order < 0 : order <= 0;
  const test = (value) => {
    const order = compareValues(value, operand, bson);
    return order !== void 0 && accept(order);
  };
  return (candidates) => candidates.some((c) => c !== MISSING && (test(c) || Array.isArray(c) && c.some((item) => test(item))));
}
function valuesAt(document, path) {
  const out = [];
  const walk = (value, i) => {
    if (i === path.length) {
      out.push(value === void 0 ? null : value);
      return;
    }
    if (Array.isArray(value)) {
      if (/^[0-9]+$/.test(path[i]) && Number(path[i]) < value.length) walk(value[Number(path[i])], i + 1);
      for (const item of value) if (isFieldDocument(item)) walk(item, i);
    } else if (isFieldDocument(value) && Object.prototype.hasOwnProperty.call(value, path[i]))
      walk(value[path[i]], i + 1);
    else out.push(MISSING);
  };
  walk(document, 0);
  return out;
}
function numberValue(value, bson) {
  if (typeof value === "number") return value;
  const type = bson.bsonType(value);
  if (type === "Long") return value.toNumber();
  if (type === "Decimal128") return Number(String(value));
  return Number(value.valueOf());
}
function equalValues(a, b, bson) {
  return typeRank(a, bson) === typeRank(b, bson) && compareBson(a, b, bson) === 0;
}
function compareValues(a, b, bson) {
  if (typeRank(a, bson) !== typeRank(b, bson)) return void 0;
  const nanA = isNaNNumber(a, bson);
  const nanB = isNaNNumber(b, bson);
  if (nanA || nanB) return nanA && nanB ? 0 : void 0;
  return compareBson(a, b, bson);
}

// src/core/capture/shaping/capture-options.ts
var NO_OPTIONS = { exclude: [], mask: [] };
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
function optionsFor(table, db, coll) {
  return table.byNamespace[`${db}.${coll}`] || table.byNamespace[`${db}.*`] || NO_OPTIONS;
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
var KinesisError = class extends BridgeError {
  constructor(code, message, retryable, status) {
    super(code, `${code}: ${message}`, {
      kind: retryable ? "unavailable" : code === "Misconfigured" ? "misconfigured" : "refused"
    });
    this.status = status;
    this.name = "KinesisError";
  }
  /** Whether the same request may succeed later (throttling, 5xx, network). */
  get retryable() {
    return this.kind === "unavailable";
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
var RUN_BUDGET_MS = 24e4;

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
var import_url2 = require("url");
function createNodeTransport(maxSockets = 10) {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets })
  };
  const request = (method, url, headers, body, timeoutMs) => new Promise((resolve, reject) => {
    const target = new import_url2.URL(url);
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
function failingKinesis(reason) {
  const fail = async () => {
    throw new KinesisError("Misconfigured", reason, false);
  };
  return { putRecord: fail, putRecords: fail };
}
function captureDepsFromContext(ctx) {
  const { configProblem, ...state } = captureStateFromContext(ctx);
  const kinesis = configProblem === void 0 ? kinesisFromValues((name) => ctx.values.get(name)) : failingKinesis(configProblem);
  return { ...state, kinesis };
}

// src/core/canonical-ejson.ts
function canonicalEjson(value, bson) {
  const text2 = bson.ejson.stringify(value, { relaxed: false });
  if (text2.indexOf('"$numberLong"') === -1 || !holdsUnsafeInteger(value, bson, 0)) return text2;
  return bson.ejson.stringify(withDoubles(value, bson, 0), { relaxed: false });
}
var MAX_DEPTH = 200;
function isUnsafeInteger(value) {
  return typeof value === "number" && isInteger(value) && !isSafeInteger(value);
}
function isContainer(value, bson) {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return true;
  return bson.bsonType(value) === void 0 && !(value instanceof Date) && !ArrayBuffer.isView(value);
}
function holdsUnsafeInteger(value, bson, depth) {
  if (isUnsafeInteger(value)) return true;
  if (depth > MAX_DEPTH || !isContainer(value, bson)) return false;
  const items = Array.isArray(value) ? value : Object.keys(value).map((key) => value[key]);
  return items.some((item) => holdsUnsafeInteger(item, bson, depth + 1));
}
function withDoubles(value, bson, depth) {
  if (isUnsafeInteger(value)) return new bson.lib.Double(value);
  if (depth > MAX_DEPTH || !isContainer(value, bson)) return value;
  if (Array.isArray(value)) return value.map((item) => withDoubles(item, bson, depth + 1));
  const out = {};
  for (const key of Object.keys(value)) out[key] = withDoubles(value[key], bson, depth + 1);
  return out;
}

// src/core/kinesis/put-records.ts
var PUT_RECORDS_MAX_ENTRIES = 500;
var PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
function putRecordsEntryBytes(dataBytes, keyBytes) {
  return Math.ceil(dataBytes / 3) * 4 + keyBytes + 40;
}
var RetryExhaustedError = class extends BridgeError {
  constructor(attempts, cause, delivered) {
    super(
      "kinesis_gave_up",
      `PutRecords gave up after ${attempts} attempt(s): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause }
    );
    this.attempts = attempts;
    this.delivered = delivered;
    this.name = "RetryExhaustedError";
  }
};
async function putAllRecords(entries, deps) {
  const delivered = entries.map(() => false);
  let pending = entries.map((_, i) => i);
  for (let attempt = 1; ; attempt++) {
    let cause;
    try {
      const response = await deps.kinesis.putRecords(pending.map((i) => entries[i]));
      const failed = [];
      response.Records.forEach((outcome, k) => {
        if (outcome.ErrorCode) {
          failed.push(pending[k]);
          cause = new KinesisError(
            outcome.ErrorCode,
            outcome.ErrorMessage || "",
            isRetryableErrorCode(outcome.ErrorCode)
          );
        } else delivered[pending[k]] = true;
      });
      if (failed.length === 0) return { attempts: attempt };
      pending = failed;
    } catch (error) {
      cause = error;
      if (!(error instanceof KinesisError && error.retryable)) throw new RetryExhaustedError(attempt, error, delivered);
    }
    if (attempt >= deps.policy.maxAttempts) throw new RetryExhaustedError(attempt, cause, delivered);
    await deps.sleep(backoffDelay(attempt - 1, deps.policy, deps.random));
  }
}

// src/core/capture/publish/partition-key.ts
var import_crypto = require("crypto");
var MAX_PARTITION_KEY = 256;
function partitionKeyFor(id, bson) {
  let key;
  if (typeof id === "string") key = id;
  else if (bson.bsonType(id) === "ObjectId") key = id.toHexString();
  else key = canonicalEjson({ _id: id }, bson);
  if (key.length === 0 || key.length > MAX_PARTITION_KEY)
    key = `sha256:${(0, import_crypto.createHash)("sha256").update(key, "utf8").digest("hex")}`;
  return key;
}

// src/core/stream-format/record-field.ts
var PRODUCER_EXTRAS_FIELD = "_akb";

// src/core/capture/publish/kinesis-record.ts
var RecordTooLargeError = class extends BridgeError {
  constructor(bytes, limit) {
    super("record_too_large", `record is ${bytes} bytes even without its documents, above the ${limit}-byte limit`, {
      kind: CAPTURE_ERRORS.record_too_large.kind
    });
    this.bytes = bytes;
    this.limit = limit;
    this.name = "RecordTooLargeError";
  }
};
function buildKinesisRecord(event, config, bson) {
  const documentKey = event.documentKey || { _id: null };
  const partitionKey = partitionKeyFor(documentKey._id, bson);
  const keyBytes = Buffer.byteLength(partitionKey, "utf8");
  const forms = config.recordFormat === "document" ? documentForms(event) : changeEventForms(event);
  let last = 0;
  for (const form of forms) {
    const step = config.recordFormat === "document" ? documentStep(event, documentKey, form) : changeEventStep(event, documentKey, form);
    const data = serialise(step.value, step.encode, config, bson);
    last = Buffer.byteLength(data, "utf8") + keyBytes;
    if (last <= config.maxRecordBytes) return { partitionKey, data, degraded: step.degraded, bytes: last };
  }
  throw new RecordTooLargeError(last, config.maxRecordBytes);
}
var CHANGE_EVENT_ENCODE = ["fullDocument", "fullDocumentBeforeChange", "updateDescription"];
function changeEventForms(event) {
  const forms = ["whole"];
  if (event.updateDescription != null || event.fullDocumentBeforeChange != null) forms.push("without extras");
  if (event.fullDocument != null) forms.push("without document");
  return forms;
}
function changeEventStep(event, documentKey, form) {
  const value = {};
  if (event._id !== void 0) value._id = event._id;
  value.operationType = event.operationType;
  if (event.clusterTime !== void 0) value.clusterTime = event.clusterTime;
  if (event.wallTime !== void 0) value.wallTime = event.wallTime;
  value.ns = event.ns;
  value.documentKey = documentKey;
  if (form !== "without document" && event.fullDocument != null) value.fullDocument = event.fullDocument;
  const degraded = [];
  if (event.updateDescription != null) {
    if (form === "whole") value.updateDescription = event.updateDescription;
    else degraded.push("updateDescription");
  }
  if (event.fullDocumentBeforeChange != null) {
    if (form === "whole") value.fullDocumentBeforeChange = event.fullDocumentBeforeChange;
    else degraded.push("fullDocumentBeforeChange");
  }
  if (form === "without document") degraded.push("fullDocument");
  const producerExtras = event[PRODUCER_EXTRAS_FIELD];
  if (degraded.length > 0) value[PRODUCER_EXTRAS_FIELD] = { ...producerExtras || {}, degraded };
  else if (producerExtras && Object.keys(producerExtras).length > 0)
    value[PRODUCER_EXTRAS_FIELD] = { ...producerExtras };
  return { value, encode: CHANGE_EVENT_ENCODE, degraded };
}
function documentForms(event) {
  return event.operationType === "delete" || event.fullDocument == null ? ["whole"] : ["whole", "key only"];
}
function documentStep(event, documentKey, form) {
  if (event.operationType === "delete") return { value: { ...documentKey, __deleted: true }, encode: [], degraded: [] };
  if (event.fullDocument == null)
    return { value: { ...documentKey, __fullDocumentMissing: true }, encode: [], degraded: [] };
  if (form === "whole") return { value: event.fullDocument, encode: ["."], degraded: [] };
  return { value: { ...documentKey, __degraded: ["fullDocument"] }, encode: [], degraded: ["fullDocument"] };
}
function serialise(value, encode, config, bson) {
  const text2 = canonicalEjson(value, bson);
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

// src/core/capture/publish/put-status.ts
var lastSuccessfulPutId = (app) => `${app}:lastSuccessfulPut`;

// src/core/capture/shaping/mask-value.ts
var import_crypto2 = require("crypto");
var MASKED_VALUE = /^hmac:[A-Za-z0-9_-]{43}$/;
var MIN_MASK_KEY_LENGTH = 32;
function maskValue(value, key, bson) {
  const digest = (0, import_crypto2.createHmac)("sha256", key).update(JSON.stringify(canonical(value, bson)), "utf8").digest("base64");
  return `hmac:${digest.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}
function canonical(value, bson) {
  if (value === null || value === void 0) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((item) => canonical(item, bson));
  if (isDate(value)) return { $date: String(value.getTime()) };
  const type = bson.bsonType(value);
  if (typeof value === "number" || type === "Int32" || type === "Double" || type === "Long")
    return { $number: numberText(value, type, bson) };
  if (type === "ObjectId" || type === "ObjectID")
    return { $oid: value.toHexString().toLowerCase() };
  if (type === "Decimal128") return { $numberDecimal: String(value) };
  if (type === void 0 && isFieldDocument(value)) {
    const out = {};
    for (const name of Object.keys(value)) out[name] = canonical(value[name], bson);
    return out;
  }
  return JSON.parse(canonicalEjson({ v: value }, bson)).v;
}
function numberText(value, type, bson) {
  if (type === "Long") return String(value);
  const n = numberValue(value, bson);
  return n === 0 ? "0" : String(n);
}

// src/core/capture/shaping/shape-event.ts
var compiled = /* @__PURE__ */ new Map();
function compiledShaping(db, coll, config, bson, readMatch) {
  const table = config.captureOptions;
  if (table.unreadable !== void 0)
    throw misconfigured(`capture options cannot be read (${table.unreadable}); nothing is published unshaped`);
  const options = optionsFor(table, db, coll);
  if (options.exclude.length === 0 && options.mask.length === 0 && options.match === void 0) return void 0;
  let byTable = compiled.get(readMatch);
  if (!byTable) compiled.set(readMatch, byTable = /* @__PURE__ */ new WeakMap());
  let cache = byTable.get(table);
  if (!cache) byTable.set(table, cache = {});
  const key = `${db}.${coll}\0${config.maskKey || ""}`;
  if (cache[key] === void 0) cache[key] = compile(`${db}.${coll}`, options, config.maskKey, bson, readMatch);
  return cache[key];
}
function shapingFor(db, coll, config, bson, readMatch) {
  const shaping = compiledShaping(db, coll, config, bson, readMatch);
  if (typeof shaping === "string") throw misconfigured(shaping);
  return shaping;
}
function compile(namespace, options, key, bson, readMatch) {
  let match;
  if (options.match !== void 0) {
    try {
      match = readMatch(options.match, bson);
    } catch (error) {
      if (!(error instanceof MatchFilterError)) throw error;
      return `the match filter of ${namespace} is invalid: ${error.message}`;
    }
  }
  if (options.mask.length > 0 && (typeof key !== "string" || key.length < MIN_MASK_KEY_LENGTH))
    return `CAPTURE_MASK_KEY is ${typeof key === "string" ? "shorter than 32 characters" : "not set"}, and ${namespace} masks ${options.mask.join(", ")}; its events wait in the outbox until the key is set`;
  const maskOne = (value) => maskValue(value, key, bson);
  const exclude = options.exclude.map((path) => path.split("."));
  const mask = options.mask.map((path) => path.split("."));
  const edits = exclude.map((path) => ({ path, edit: { kind: "exclude" } })).concat(mask.map((path) => ({ path, edit: { kind: "replace", with: maskOne } })));
  return { match, edits, exclude, mask, maskOne };
}
function shapeChangeEvent(event, config, bson) {
  if (!event.ns) return event;
  const shaping = shapingFor(event.ns.db, event.ns.coll, config, bson, compileMatch);
  if (!shaping) return event;
  let out = { ...event };
  if (shaping.match) {
    const matched = decideMatch(event, shaping.match);
    if (matched === "skip") return null;
    if (matched === "left") out = outOfMatchDelete(event, shaping.match);
    else if (out.fullDocumentBeforeChange != null && !shaping.match.test(out.fullDocumentBeforeChange))
      delete out.fullDocumentBeforeChange;
  }
  return applyEdits(out, shaping.edits);
}
function decideMatch(event, match) {
  const operation = event.operationType;
  if (operation !== "insert" && operation !== "update" && operation !== "replace" && operation !== "read")
    return "publish";
  const document = event.fullDocument;
  if (document == null) return operation === "update" ? "skip" : "publish";
  if (match.test(document)) return "publish";
  if (operation === "insert" || operation === "read") return "skip";
  const before = event.fullDocumentBeforeChange;
  if (before != null) return match.test(before) ? "left" : "skip";
  const description = event.updateDescription;
  if (operation === "update" && isFieldDocument(description) && !match.paths.some((p) => touchesPath(description, p)))
    return "skip";
  return "left";
}
function outOfMatchDelete(event, match) {
  const out = { ...event, operationType: "delete" };
  delete out.fullDocument;
  delete out.updateDescription;
  if (out.fullDocumentBeforeChange != null && !match.test(out.fullDocumentBeforeChange))
    delete out.fullDocumentBeforeChange;
  out[PRODUCER_EXTRAS_FIELD] = { outOfMatch: true };
  return out;
}
function applyEdits(event, edits) {
  const out = event;
  const full = event.fullDocument;
  for (const { path, edit } of edits) {
    if (out.fullDocument != null) out.fullDocument = editAt(out.fullDocument, path, edit);
    if (out.fullDocumentBeforeChange != null)
      out.fullDocumentBeforeChange = editAt(out.fullDocumentBeforeChange, path, edit);
    if (out.documentKey) out.documentKey = editAt(out.documentKey, path, edit);
    if (isFieldDocument(out.updateDescription))
      out.updateDescription = editUpdateDescription(out.updateDescription, path, edit, full);
  }
  return out;
}
function reshapeRecord(record, db, coll, config, bson) {
  const shaping = shapingFor(db, coll, config, bson, compileMatch);
  if (!shaping || shaping.edits.length === 0) return null;
  const maskUnlessMasked = (value) => typeof value === "string" && MASKED_VALUE.test(value) ? value : shaping.maskOne(value);
  const edits = shaping.exclude.map((path) => ({ path, edit: { kind: "exclude" } })).concat(shaping.mask.map((path) => ({ path, edit: { kind: "replace", with: maskUnlessMasked } })));
  if (isChangeEventRecord(record))
    return applyEdits({ ...record }, edits);
  let document = record;
  for (const { path, edit } of edits) document = editAt(document, path, edit);
  return document;
}
function hasFieldEdits(db, coll, config, bson) {
  const shaping = shapingFor(db, coll, config, bson, compileMatch);
  return shaping !== void 0 && shaping.edits.length > 0;
}
function isChangeEventRecord(record) {
  return typeof record.operationType === "string" && isFieldDocument(record.ns) && isFieldDocument(record.documentKey);
}

// src/core/capture/publish/publish-change.ts
async function recordSuccessfulPut(deps) {
  await deps.status.updateOne(
    { _id: lastSuccessfulPutId(deps.config.appName) },
    { $set: { at: new Date(deps.clock.now()) } },
    { upsert: true }
  );
}

// src/core/capture/outbox/drain-outbox.ts
async function drainOutbox(deps, deadlineMs) {
  const result = { put: 0, failed: 0, rounds: 0, remaining: false };
  const held = /* @__PURE__ */ new Map();
  const waiting = () => {
    if (held.size === 0) return;
    const reasons = new Set(held.values());
    deps.logger.warn({
      msg: "outbox entries wait: their capture options cannot be applied",
      documents: held.size,
      reason: [...reasons][0]
    });
  };
  while (deps.clock.now() < deadlineMs) {
    const filter = held.size > 0 ? { permanent: { $ne: true }, partitionKey: { $nin: [...held.keys()] } } : { permanent: { $ne: true } };
    const pending = await deps.outbox.find(filter).sort({ _id: 1 }).limit(4 * PUT_RECORDS_MAX_ENTRIES).toArray();
    const round = await prepareRound(oldestPerDocument(pending), deps);
    if (round.held.length > 0) await markHeld(deps.outbox, round.held);
    for (const { entry, reason } of round.held) held.set(entry.partitionKey, reason);
    const batch = round.put.map(({ entry }) => entry);
    if (batch.length === 0) {
      if (round.held.length === 0 && round.settled === 0) {
        result.remaining = held.size > 0;
        waiting();
        return result;
      }
      continue;
    }
    result.rounds++;
    const entries = round.put.map(({ record }) => kinesisEntry(record));
    try {
      await putAllRecords(entries, {
        kinesis: deps.kinesis,
        policy: deps.policy,
        sleep: deps.sleep,
        random: deps.random
      });
      await deps.outbox.deleteMany({ _id: { $in: batch.map((entry) => entry._id) } });
      result.put += batch.length;
    } catch (error) {
      if (!(error instanceof RetryExhaustedError)) throw error;
      const put = batch.filter((_, i) => error.delivered[i]);
      const left = batch.filter((_, i) => !error.delivered[i]);
      if (put.length > 0) await deps.outbox.deleteMany({ _id: { $in: put.map((entry) => entry._id) } });
      await markFailed(deps.outbox, left, describeError(error.cause));
      result.put += put.length;
      result.failed += left.length;
      result.remaining = true;
      deps.logger.warn({
        msg: "outbox drain stopped",
        reason: describeError(error.cause),
        attempts: error.attempts,
        entries: left.length
      });
      waiting();
      return result;
    }
  }
  waiting();
  result.remaining = (await deps.outbox.find({ permanent: { $ne: true } }).limit(1).toArray()).length > 0;
  return result;
}
async function runOutboxDrain(deps, deadlineMs) {
  const started = deps.clock.now();
  const drain = await drainOutbox(
    {
      kinesis: deps.kinesis,
      outbox: deps.outbox,
      clock: deps.clock,
      sleep: deps.sleep,
      logger: deps.logger,
      policy: deps.config,
      random: deps.random,
      shaping: { config: deps.config, bson: deps.bson }
    },
    deadlineMs
  );
  if (drain.put > 0) await recordSuccessfulPut(deps);
  deps.logger.info({
    msg: "outbox drained",
    app: deps.config.appName,
    drained: drain.put,
    drainFailed: drain.failed,
    outboxRemaining: drain.remaining,
    durationMs: deps.clock.now() - started
  });
  return drain;
}
function oldestPerDocument(pending) {
  const seen = /* @__PURE__ */ new Set();
  const oldest = [];
  for (const entry of pending) {
    if (seen.has(entry.partitionKey)) continue;
    seen.add(entry.partitionKey);
    oldest.push(entry);
  }
  return oldest;
}
async function markFailed(outbox, entries, reason) {
  await outbox.bulkWrite(
    entries.map((entry) => ({
      updateOne: {
        filter: { _id: entry._id },
        update: { $inc: { attempts: 1 }, $set: { lastError: reason.slice(0, 500) } }
      }
    })),
    { ordered: false }
  );
}
async function prepareRound(oldest, deps) {
  const round = { put: [], held: [], settled: 0 };
  let bytes = 0;
  for (const entry of oldest) {
    if (round.put.length >= PUT_RECORDS_MAX_ENTRIES) break;
    let record;
    try {
      record = recordToPut(entry, deps.shaping);
    } catch (error) {
      if (error instanceof BridgeError) round.held.push({ entry, reason: error.message });
      else if (error instanceof RecordTooLargeError) {
        await deps.outbox.updateOne({ _id: entry._id }, { $set: { permanent: true, lastError: error.message } });
        round.settled++;
      } else throw error;
      continue;
    }
    if (record === null) {
      await deps.outbox.deleteMany({ _id: { $in: [entry._id] } });
      round.settled++;
      continue;
    }
    const size = putRecordsEntryBytes(
      Buffer.byteLength(record.data, "utf8"),
      Buffer.byteLength(record.partitionKey, "utf8")
    );
    if (round.put.length > 0 && bytes + size > PUT_RECORDS_MAX_BYTES) break;
    bytes += size;
    round.put.push({ entry, record });
  }
  return round;
}
function recordToPut(entry, { config, bson }) {
  if (entry.shaping === "pending") {
    const shaped = shapeChangeEvent(bson.ejson.parse(entry.data, { relaxed: false }), config, bson);
    return shaped === null ? null : buildKinesisRecord(shaped, config, bson);
  }
  const dot = entry.ns.indexOf(".");
  const db = entry.ns.slice(0, dot);
  const coll = entry.ns.slice(dot + 1);
  if (!hasFieldEdits(db, coll, config, bson)) return entry;
  if (config.arrayEncoding !== "array" || config.nestedDocumentEncoding !== "document") {
    if (entry.shaping === "applied") return entry;
    throw captureErrors.error(
      "outbox_entry_unshapeable",
      `this entry was written before capture options existed, with ARRAY_ENCODING/NESTED_DOCUMENT_ENCODING string forms, and cannot be shaped: snapshot ${entry.ns} and delete the entry`
    );
  }
  const parsed = bson.ejson.parse(entry.data, { relaxed: false });
  const reshaped = reshapeRecord(parsed, db, coll, config, bson);
  if (reshaped === null) return entry;
  const data = isChangeEventRecord(reshaped) ? buildKinesisRecord(reshaped, config, bson).data : canonicalEjson(reshaped, bson);
  return { data, partitionKey: entry.partitionKey };
}
async function markHeld(outbox, held) {
  await outbox.bulkWrite(
    held.map(({ entry, reason }) => ({
      updateOne: { filter: { _id: entry._id }, update: { $set: { lastError: reason.slice(0, 500) } } }
    })),
    { ordered: false }
  );
}

// src/functions/drainOutbox.ts
var ROUND_MARGIN_MS = 3e4;
async function drainOutbox2() {
  const deps = captureDepsFromContext(context);
  return runOutboxDrain(deps, deps.clock.now() + RUN_BUDGET_MS - ROUND_MARGIN_MS);
}
  return module.exports;
};
var __loaded;
exports = function () {
  __loaded = __loaded || __load();
  return __loaded.default.apply(this, arguments);
};
