import { join } from "node:path";
import type { DataSourcePort } from "../../src/core/ports";
import { loadAppServicesFunction as loadFunction } from "../../src/local/load-function";

export interface FakeContext {
  values: { get(name: string): unknown };
  services: { get(name: string): DataSourcePort | undefined };
  functions: { execute(name: string, ...args: unknown[]): Promise<unknown> };
  app: { name: string };
}

export function makeFakeContext(options: {
  values?: Record<string, unknown>;
  dataSource: DataSourcePort;
}): FakeContext {
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

/** What functions loaded by the tests print (kept out of the test output, available to assertions). */
export const functionLog: string[] = [];
const quietConsole = {
  log: (...args: unknown[]) => void functionLog.push(args.map(String).join(" ")),
  info: (...args: unknown[]) => void functionLog.push(args.map(String).join(" ")),
  warn: (...args: unknown[]) => void functionLog.push(args.map(String).join(" ")),
  error: (...args: unknown[]) => void functionLog.push(args.map(String).join(" ")),
};

export function loadAppServicesFunction(name: string, context: FakeContext): (...args: unknown[]) => unknown {
  return loadFunction(join(import.meta.dirname, "..", ".."), name, context, {}, quietConsole);
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
