// Runs inside Node 10.18.1 (the API level of App Services functions), started by helpers/node10.ts over
// an IPC channel. It loads the built functions/<name>.js the way App Services does (a script assigning the
// free variable `exports`, with `context`, `BSON`, `EJSON`, `utils` and a restricted `require` in scope,
// and no `module`) and runs them on request. Its `mongodb-atlas` service has App Services' collection
// API; every call crosses the channel to the test process, which answers it from the embedded store.
// Plain ES2018 CommonJS: this file runs on Node 10 itself.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const util = require("util");
const vm = require("vm");
const BSON = require("bson4");
const wire = require("./wire.cjs")(BSON);

/** Set by the "init" message: where functions/ is, which modules App Services has and how much of each. */
let settings;
const loaded = new Map();
/** The invocation running now (one at a time: `context.values` belongs to it). */
let current;
/** Lines printed outside any invocation (a timer or promise left running), reported with the next one. */
let strayLogs = [];
let nextCallId = 0;
const pendingCalls = new Map();

function send(message) {
  process.send(message);
}

function describeError(error) {
  if (!(error instanceof Error)) return { name: "NonError", message: util.inspect(error) };
  return { name: error.name, message: error.message, stack: String(error.stack) };
}

function record(level, args) {
  const line = util.format.apply(util, args);
  if (current) current.logs.push({ level, line });
  else strayLogs.push({ level, line });
}

const functionConsole = {
  log: function () {
    record("log", arguments);
  },
  info: function () {
    record("info", arguments);
  },
  warn: function () {
    record("warn", arguments);
  },
  error: function () {
    record("error", arguments);
  },
  debug: function () {
    record("debug", arguments);
  },
};

// ---- context.services.get("mongodb-atlas"): App Services' collection API, served over the channel ----

function callStore(db, collection, method, args, cursor) {
  const id = ++nextCallId;
  return new Promise(function (resolve, reject) {
    pendingCalls.set(id, { resolve, reject });
    send({ type: "store", id, db, collection, method, args: wire.encode(args), cursor: wire.encode(cursor || []) });
  });
}

function rebuildError(described) {
  const error = new Error(described.message);
  Object.keys(described).forEach(function (key) {
    if (key !== "message" && key !== "stack") error[key] = described[key];
  });
  return error;
}

/**
 * A lazy cursor: its modifiers are recorded and sent with the first read, which fetches every document
 * (as the embedded store does); `next` then walks them.
 */
function remoteCursor(db, collection, method, args) {
  const steps = [];
  let fetched;
  let position = 0;
  function fetch() {
    fetched = fetched || callStore(db, collection, method, args, steps);
    return fetched;
  }
  const cursor = {
    toArray: function () {
      return fetch().then(function (documents) {
        const rest = documents.slice(position);
        position = documents.length;
        return rest;
      });
    },
    next: function () {
      return fetch().then(function (documents) {
        return position < documents.length ? documents[position++] : null;
      });
    },
  };
  ["sort", "skip", "limit"].forEach(function (step) {
    cursor[step] = function (value) {
      if (fetched) throw new Error("cursor." + step + "() after the cursor was read");
      steps.push([step, value]);
      return cursor;
    };
  });
  return cursor;
}

// The methods App Services documents for a collection. Reads that return cursors are lazy; the rest are
// one call each. `bulkWrite` resolves to null there, whatever the store answers.
const CURSOR_METHODS = ["find", "aggregate"];
const CALL_METHODS = [
  "findOne",
  "count",
  "distinct",
  "insertOne",
  "insertMany",
  "updateOne",
  "updateMany",
  "deleteOne",
  "deleteMany",
  "findOneAndUpdate",
  "findOneAndReplace",
  "findOneAndDelete",
  "bulkWrite",
];

function remoteCollection(db, name) {
  const collection = {};
  CURSOR_METHODS.forEach(function (method) {
    collection[method] = function () {
      return remoteCursor(db, name, method, Array.prototype.slice.call(arguments));
    };
  });
  CALL_METHODS.forEach(function (method) {
    collection[method] = function () {
      const args = Array.prototype.slice.call(arguments);
      return callStore(db, name, method, args).then(function (result) {
        return method === "bulkWrite" ? null : result;
      });
    };
  });
  ["initializeOrderedBulkOp", "initializeUnorderedBulkOp"].forEach(function (method) {
    collection[method] = function () {
      throw new Error(method + " exists in App Services, but the Node 10 test harness does not serve it yet");
    };
  });
  return collection;
}

const atlas = {
  db: function (db) {
    return {
      collection: function (name) {
        return remoteCollection(db, name);
      },
    };
  },
};

// ---- the other globals ----

const context = {
  values: {
    get: function (name) {
      return current ? current.values[name] : undefined;
    },
  },
  environment: { tag: "", values: {} },
  services: {
    get: function (name) {
      return name === "mongodb-atlas" ? atlas : undefined;
    },
  },
  functions: {
    execute: function (name) {
      const args = Array.prototype.slice.call(arguments, 1);
      return Promise.resolve().then(function () {
        return loadFunction(name).apply(null, args);
      });
    },
  },
  app: { name: "atlas-kinesis-bridge" },
};

const utils = {
  crypto: {
    hash: function (algorithm, input) {
      return new BSON.Binary(crypto.createHash(algorithm).update(input).digest());
    },
    hmac: function (input, secret, algorithm, encoding) {
      return crypto.createHmac(algorithm, secret).update(input).digest(encoding);
    },
  },
};

/** Node's module, or a copy without the members App Services leaves out of its partial modules. */
function restrictedRequire(functionName, id) {
  if (settings.modules.indexOf(id) < 0) {
    throw new Error('App Services has no module "' + id + '" (functions/' + functionName + ".js)");
  }
  const whole = require(id);
  const partial = settings.partialModules[id];
  if (!partial) return whole;
  const copy = {};
  Object.keys(whole).forEach(function (key) {
    const kept = partial.only ? partial.only.indexOf(key) >= 0 : partial.omit.indexOf(key) < 0;
    // Descriptors, not values: reading a deprecated getter (crypto.DEFAULT_ENCODING...) prints a warning.
    if (kept) Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(whole, key));
  });
  return copy;
}

function loadFunction(name) {
  if (loaded.has(name)) return loaded.get(name);
  const file = path.join(settings.functionsDir, name + ".js");
  const source = fs.readFileSync(file, "utf8");
  // Same line numbers as the file: the wrapper's head shares the first line.
  const wrapper = vm.runInThisContext(
    "(function (context, BSON, EJSON, utils, require, console) { var exports; " + source + "\n; return exports; })",
    { filename: file },
  );
  const exported = wrapper(
    context,
    BSON,
    BSON.EJSON,
    utils,
    function (id) {
      return restrictedRequire(name, id);
    },
    functionConsole,
  );
  if (typeof exported !== "function") throw new Error("functions/" + name + ".js did not assign a function to exports");
  loaded.set(name, exported);
  return exported;
}

// ---- invocations ----

/** The historic endpoint pair: array-valued headers, the body as BSON.Binary with text(), a recording response. */
function endpointArguments(request) {
  const bytes = request.bodyBase64 === undefined ? undefined : Buffer.from(request.bodyBase64, "base64");
  let body;
  if (bytes !== undefined) {
    body = new BSON.Binary(bytes);
    body.text = function () {
      return bytes.toString("utf8");
    };
    body.toBase64 = function () {
      return bytes.toString("base64");
    };
  }
  const recorded = { headers: {} };
  const response = {
    setStatusCode: function (status) {
      recorded.status = status;
    },
    setHeader: function (name, value) {
      recorded.headers[name] = value;
    },
    addHeader: function (name, value) {
      recorded.headers[name] = value;
    },
    setBody: function (text) {
      recorded.body = text;
    },
  };
  const httpRequest = { headers: request.headers, body, httpMethod: request.httpMethod, query: {} };
  return { args: [httpRequest, response], recorded };
}

function invoke(message) {
  if (current) {
    send({ type: "done", id: message.id, error: describeError(new Error("one invocation at a time")), logs: [] });
    return;
  }
  current = { id: message.id, values: wire.decode(message.values), logs: strayLogs };
  strayLogs = [];
  let recorded;
  Promise.resolve()
    .then(function () {
      const fn = loadFunction(message.function);
      let args;
      if (message.endpointRequest !== undefined) {
        const endpoint = endpointArguments(wire.decode(message.endpointRequest));
        args = endpoint.args;
        recorded = endpoint.recorded;
      } else {
        args = wire.decode(message.args);
      }
      return fn.apply(null, args);
    })
    .then(
      function (value) {
        return { value: wire.encode(recorded === undefined ? value : recorded) };
      },
      function (error) {
        return { error: describeError(error) };
      },
    )
    .then(function (outcome) {
      const logs = current.logs;
      current = undefined;
      send({ type: "done", id: message.id, value: outcome.value, error: outcome.error, logs });
    });
}

process.on("message", function (message) {
  if (message.type === "init") {
    settings = message.settings;
    send({ type: "ready", version: process.version, bson: require("bson4/package.json").version });
  } else if (message.type === "invoke") {
    invoke(message);
  } else if (message.type === "store-answer") {
    const pending = pendingCalls.get(message.id);
    pendingCalls.delete(message.id);
    if (message.error) pending.reject(rebuildError(message.error));
    else pending.resolve(wire.decode(message.result));
  }
});

process.on("unhandledRejection", function (reason) {
  record("error", ["unhandled rejection:", reason instanceof Error ? reason.stack : reason]);
});

// The test process owns this one: when the channel closes, it is done.
process.on("disconnect", function () {
  process.exit(0);
});
