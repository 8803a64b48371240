import * as bson from "bson";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import type { DataSourcePort } from "../../src/core/ports";

const nodeRequire = createRequire(import.meta.url);
// The Node modules App Services provides (app-services.md); anything else must be bundled.
const providedModules = new Set([
  "assert", "buffer", "crypto", "dgram", "dns", "events", "fs", "http", "https", "net", "os", "path",
  "punycode", "querystring", "stream", "string_decoder", "timers", "tls", "tty", "url", "util", "zlib",
]);

export interface FakeContext {
  values: { get(name: string): unknown };
  services: { get(name: string): DataSourcePort | undefined };
  functions: { execute(name: string, ...args: unknown[]): Promise<unknown> };
  app: { name: string };
}

export function makeFakeContext(options: { values?: Record<string, unknown>; dataSource: DataSourcePort }): FakeContext {
  const values = options.values ?? {};
  const context: FakeContext = {
    values: { get: (name) => values[name] },
    services: { get: (name) => (name === "mongodb-atlas" ? options.dataSource : undefined) },
    functions: {
      execute: (name, ...args) => Promise.resolve(loadAppServicesFunction(name, context)(...args)),
    },
    app: { name: "atlas-kinesis-bridge" },
  };
  return context;
}

/**
 * Loads functions/<name>.js the way App Services does: a script (not a module) in which `exports` is
 * a free variable to assign, with `context`, `BSON`, `EJSON` and `require` (built-ins App Services
 * has, only) in scope and no `module`. Same realm as the test, so BSON instanceof checks hold.
 */
export function loadAppServicesFunction(name: string, context: FakeContext): (...args: unknown[]) => unknown {
  const source = readFileSync(join(import.meta.dirname, "..", "..", "functions", `${name}.js`), "utf8");
  const restrictedRequire = (id: string) => {
    if (!providedModules.has(id)) throw new Error(`App Services has no module "${id}"`);
    return nodeRequire(id);
  };
  const wrapper = runInThisContext(
    `(function (context, BSON, EJSON, require, Buffer, console) { var exports; ${source}\n; return exports; })`,
    { filename: `functions/${name}.js` },
  ) as (...args: unknown[]) => unknown;
  const exported = wrapper(context, bson, bson.EJSON, restrictedRequire, Buffer, console);
  if (typeof exported !== "function") throw new Error(`functions/${name}.js did not assign a function to exports`);
  return exported as (...args: unknown[]) => unknown;
}

/** The App Services endpoint response object, recorded. */
export function fakeEndpointResponse() {
  const recorded: { status?: number; headers: Record<string, string>; body?: string } = { headers: {} };
  return {
    recorded,
    setStatusCode: (status: number) => void (recorded.status = status),
    setHeader: (name: string, value: string) => void (recorded.headers[name] = value),
    addHeader: (name: string, value: string) => void (recorded.headers[name] = value),
    setBody: (body: string) => void (recorded.body = body),
  };
}
