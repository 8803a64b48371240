import * as bson from "bson";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import appServicesNodeModules from "../adapters/app-services/node-modules.json";

const nodeRequire = createRequire(import.meta.url);

/** The Node modules App Services provides (in full or in part); anything else must be bundled. */
const APP_SERVICES_MODULES: ReadonlySet<string> = new Set(appServicesNodeModules.modules);

export type AppServicesFunction = (...args: unknown[]) => unknown;

/**
 * Loads functions/<name>.js the way App Services runs it: a script (not a module) in which `exports`
 * is a free variable to assign, with `context`, `BSON`, `EJSON`, `utils` and a `require` limited to
 * the modules App Services has in scope, and no `module`. It runs in this realm (a separate vm realm
 * breaks BSON instanceof checks).
 */
export function loadAppServicesFunction(
  root: string,
  name: string,
  context: unknown,
  utils: unknown = {},
  sandboxConsole: Pick<Console, "log" | "warn" | "error" | "info"> = console,
): AppServicesFunction {
  const file = join(root, "functions", `${name}.js`);
  const source = readFileSync(file, "utf8");
  const restrictedRequire = (id: string) => {
    if (!APP_SERVICES_MODULES.has(id)) throw new Error(`App Services has no module "${id}" (functions/${name}.js)`);
    return nodeRequire(id);
  };
  const wrapper = runInThisContext(
    `(function (context, BSON, EJSON, utils, require, Buffer, console) { var exports; ${source}\n; return exports; })`,
    { filename: file },
  ) as (...args: unknown[]) => unknown;
  const exported = wrapper(context, bson, bson.EJSON, utils, restrictedRequire, Buffer, sandboxConsole);
  if (typeof exported !== "function") throw new Error(`functions/${name}.js did not assign a function to exports`);
  return exported as AppServicesFunction;
}
