import { EJSON } from "bson";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../src/embedded/store";

/*
 * The conformance suite runs every case against the embedded store, and against a real MongoDB server
 * when MONGODB_URI is set (`MONGODB_URI=mongodb://... npx vitest run test/conformance`; see
 * docs/embedded-store.md). Each case follows a page of MongoDB's manual, named in the case. A case
 * marked `embeddedOnly` checks something only the embedded store has (its refusals, its change feed).
 */

const uri = process.env.MONGODB_URI;

export interface Target {
  readonly name: string;
  readonly embedded: boolean;
  open(): Promise<{ client: Client; close(): Promise<void> }>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the driver and the embedded store, used through the driver's API
export type Client = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Collection = any;

const TARGETS: Target[] = [
  {
    name: "embedded store",
    embedded: true,
    open: async () => ({ client: new EmbeddedStore(), close: async () => undefined }),
  },
];
if (uri)
  TARGETS.push({
    name: "MongoDB at MONGODB_URI",
    embedded: false,
    open: async () => {
      const client = await new MongoClient(uri).connect();
      return { client, close: () => client.close() };
    },
  });

export interface Context {
  /** A fresh, empty collection of this case's own. */
  collection(): Collection;
  readonly target: Target;
  readonly client: Client;
  /** The database this suite's collections are in (dropped afterwards on a real server). */
  readonly databaseName: string;
}

/**
 * Declares a suite of cases run against every target: `body` registers cases with `it(...)` and gets
 * the context (a fresh collection per call). Without MONGODB_URI, one skipped case says why.
 */
export function conformance(title: string, body: (context: Context) => void): void {
  if (!uri)
    it(`${title}: real MongoDB (MONGODB_URI)`, (context) =>
      context.skip("MONGODB_URI is not set, so these cases run against the embedded store only"));
  describe.each(TARGETS)(`${title}: $name`, (target) => {
    let client: Client;
    let close: () => Promise<void>;
    const db = `akb_conformance_${process.pid}_${Date.now()}`;
    let count = 0;
    beforeAll(async () => {
      ({ client, close } = await target.open());
    });
    afterAll(async () => {
      if (!target.embedded) await client.db(db).dropDatabase();
      await close();
    });
    body({
      target,
      get client() {
        return client;
      },
      databaseName: db,
      collection: () => client.db(db).collection(`c${++count}`),
    });
  });
}

/** Canonical Extended JSON of a value: equal exactly when types and values are (field order included). */
export function exact(value: unknown): string {
  return EJSON.stringify(value, { relaxed: false });
}

/** The documents of a collection, with exact types, sorted by _id. */
export async function contents(collection: Collection, filter: object = {}): Promise<string[]> {
  const documents = await collection.find(filter, { promoteValues: false }).sort({ _id: 1 }).toArray();
  return documents.map(exact);
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  expect.fail(`expected a rejection, got ${exact({ v: settled })}`);
}

/** The `_id`s of documents, as canonical Extended JSON. */
export function ids(documents: { _id: unknown }[]): string[] {
  return documents.map((document) => exact({ v: document._id }).slice(5, -1));
}
