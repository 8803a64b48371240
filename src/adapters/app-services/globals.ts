import type { BsonLibrary, EjsonLibrary } from "../../core/bson-port";
import { BridgeError } from "../../core/errors";
import type { DataSourcePort } from "../../core/ports";

/**
 * The App Services globals our functions touch, typed by hand (only this subset is relied on, and the
 * local runtime and tests provide exactly it).
 */
export interface AppServicesContext {
  values: { get(name: string): unknown };
  services: { get(name: string): DataSourcePort | undefined };
  functions?: { execute(name: string, ...args: unknown[]): Promise<unknown> };
  /** `id` is the App's ObjectId and `projectId` its Atlas project (what the Admin API calls group id). */
  app?: { name?: string; id?: string; projectId?: string };
}

declare global {
  var context: AppServicesContext;
  var BSON: BsonLibrary;
  var EJSON: EjsonLibrary;
}

export const DATA_SOURCE_NAME = "mongodb-atlas";

export function atlasDataSource(ctx: AppServicesContext): DataSourcePort {
  const service = ctx.services.get(DATA_SOURCE_NAME);
  if (!service)
    throw new BridgeError(
      "data_source_missing",
      `the App Services data source "${DATA_SOURCE_NAME}" is not linked to this app`,
    );
  return service;
}

/**
 * How long one run of ours may work. App Services stops a function at 300 s per request
 * (docs/capture.md#the-scheduled-functions); the margin covers a put already under way.
 */
export const RUN_BUDGET_MS = 240_000;
