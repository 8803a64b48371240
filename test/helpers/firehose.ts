import { EJSON } from "bson";
import { gzipSync } from "node:zlib";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import type { FirehoseLambdaOptions } from "../../src/adapters/aws-lambda/firehose-handler";
import type { StoreProbe } from "../../src/core/firehose/health";
import { readFirehoseConfig } from "../../src/core/firehose/config";
import type { FirehoseDeliveryDeps } from "../../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../../src/core/firehose/protocol/request";
import type { DataSourcePort, Logger } from "../../src/core/ports";
import { EmbeddedStore } from "../../src/embedded/store";
import type { FirehoseFixture } from "./fixtures";
import { applyRecordsInProcess } from "../../src/core/firehose/apply/apply-records";

export const TEST_ACCESS_KEY = "test-access-key-0123456789";

/** Collects log lines so tests can check what was (and was not) logged. */
export function recordingLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    info: (event) => lines.push({ level: "info", ...event }),
    warn: (event) => lines.push({ level: "warn", ...event }),
    error: (event) => lines.push({ level: "error", ...event }),
  };
}

export function makeFirehoseDeps(
  overrides: { values?: Record<string, unknown>; dataSource?: DataSourcePort; maxBodyBytes?: number } = {},
): FirehoseDeliveryDeps & { logger: ReturnType<typeof recordingLogger>; store: EmbeddedStore } {
  const store = new EmbeddedStore();
  const values: Record<string, unknown> = { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY, ...overrides.values };
  return {
    config: readFirehoseConfig((name) => values[name], overrides.maxBodyBytes),
    dataSource: overrides.dataSource ?? store,
    store,
    bson: nodeBson,
    clock: { now: () => 1763771101456 },
    logger: recordingLogger(),
    applyRecords: applyRecordsInProcess,
  };
}

/** A store probe for tests: described as `description`, its ping answering as `ping` says (at once by default). */
export function testStore(
  description = "embedded test store",
  ping: () => Promise<void> = async () => undefined,
): StoreProbe {
  return { description, ping };
}

/** The Lambda handler's options over test deps (same config, store, logger and clock). */
export function lambdaOptions(
  deps: FirehoseDeliveryDeps,
  overrides: Partial<FirehoseLambdaOptions> = {},
): FirehoseLambdaOptions {
  return {
    readConfig: () => deps.config,
    openStore: async () => ({ dataSource: deps.dataSource, ...testStore() }),
    logger: deps.logger,
    clock: deps.clock,
    observer: deps.observer,
    ...overrides,
  };
}

export function deliveryFromFixture(
  fixture: FirehoseFixture,
  options: { gzip?: boolean } = {},
): FirehoseDeliveryRequest {
  const json = Buffer.from(JSON.stringify(fixture.body), "utf8");
  const headers: Record<string, string> = { ...fixture.headers };
  if (options.gzip) headers["Content-Encoding"] = "gzip";
  return { method: "POST", headers, body: options.gzip ? gzipSync(json) : json };
}

/** Canonical Extended JSON of every document, read without promotion so every BSON type shows. */
export async function canonicalContents(store: DataSourcePort, db: string, collection: string): Promise<unknown[]> {
  const documents = await store.db(db).collection(collection).find({}, { promoteValues: false }).toArray();
  return documents.map((document) => JSON.parse(EJSON.stringify(document, { relaxed: false })));
}

/** A mirror's documents without their `_akb` position field, and the positions apart, as canonical Extended JSON. */
export async function mirrorContents(
  store: DataSourcePort,
  db = "monitors",
  collection = "firehose",
): Promise<{ documents: unknown[]; positions: unknown[] }> {
  const documents: unknown[] = [];
  const positions: unknown[] = [];
  for (const { _akb, ...document } of (await canonicalContents(store, db, collection)) as Record<string, unknown>[]) {
    documents.push(document);
    positions.push(_akb);
  }
  return { documents, positions };
}

/** A fixture's documents (written as any Extended JSON) in the form mirrorContents gives. */
export function canonicalForm(documents: unknown[]): unknown[] {
  return documents.map((document) =>
    JSON.parse(EJSON.stringify(EJSON.parse(JSON.stringify(document), { relaxed: false }), { relaxed: false })),
  );
}

/** Checks the Firehose response contract and returns the parsed body. */
export function parseFirehoseResponse(body: string): { requestId: string; timestamp: number; errorMessage?: string } {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const keys = Object.keys(parsed).sort();
  const allowed = ["errorMessage", "requestId", "timestamp"];
  if (!keys.every((key) => allowed.includes(key))) throw new Error(`unexpected response fields: ${keys.join(",")}`);
  if (typeof parsed.requestId !== "string") throw new Error("requestId is not a string");
  if (typeof parsed.timestamp !== "number" || !Number.isInteger(parsed.timestamp))
    throw new Error("timestamp is not an integer");
  if ("errorMessage" in parsed && typeof parsed.errorMessage !== "string")
    throw new Error("errorMessage is not a string");
  return parsed as { requestId: string; timestamp: number; errorMessage?: string };
}
