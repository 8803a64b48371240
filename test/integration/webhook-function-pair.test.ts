import { Double, EJSON, Long, Timestamp } from "bson";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { EmbeddedStore } from "../../src/embedded/store";
import { LocalRuntime } from "../../src/local/runtime";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { makeFirehoseDeps, parseFirehoseResponse, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

/*
 * The App Services webhook is two functions (docs/webhook.md#on-app-services): receiveFirehoseDelivery
 * reads the delivery and hands each chunk of decoded records to applyFirehoseRecords with
 * context.functions.execute. Served by the local runtime from the built files, the pair must answer
 * and store exactly what the Node server does; when applyFirehoseRecords fails, the delivery must be
 * answered as a failed database write is (503: Firehose retries), with nothing acknowledged.
 */

const root = join(import.meta.dirname, "..", "..");
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The export's functions, values and endpoint, without triggers (only the webhook pair runs), then `plant`. */
function exportCopy(plant: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "akb-webhook-pair-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const part of ["realm_config.json", "functions", "values", "http_endpoints", "data_sources"])
    cpSync(join(root, part), join(dir, part), { recursive: true });
  mkdirSync(join(dir, "triggers"));
  plant(dir);
  return dir;
}

/** Replaces functions/applyFirehoseRecords.js, keeping the real one as realApplyFirehoseRecords. */
const plantApply = (source: string) => (dir: string) => {
  const functions = join(dir, "functions");
  cpSync(join(functions, "applyFirehoseRecords.js"), join(functions, "realApplyFirehoseRecords.js"));
  const config = JSON.parse(readFileSync(join(functions, "config.json"), "utf8")) as { name: string }[];
  config.push({ name: "realApplyFirehoseRecords", private: true, run_as_system: true } as { name: string });
  writeFileSync(join(functions, "config.json"), JSON.stringify(config));
  writeFileSync(join(functions, "applyFirehoseRecords.js"), source);
};

interface Host {
  deliver(requestId: string, body: Buffer): Promise<{ status: number; body: string }>;
  /** The "firehose delivery" log line of each delivery, in order. */
  logLines(): Record<string, unknown>[];
}

const headersFor = (requestId: string) => ({
  "X-Amz-Firehose-Request-Id": requestId,
  "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY,
  "Content-Type": "application/json",
});

async function localRuntimeHost(store: EmbeddedStore, exportRoot = exportCopy()): Promise<Host & LocalRuntime> {
  const lines: Record<string, unknown>[] = [];
  const log = (text: unknown) => {
    const line = typeof text === "string" && text.startsWith("{") ? JSON.parse(text) : undefined;
    if (line && line.msg === "firehose delivery") lines.push(line);
  };
  const runtime = await LocalRuntime.start({
    root: exportRoot,
    dataSource: store,
    secrets: {},
    valueOverrides: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY },
    httpPort: 0,
    functionConsole: { log, info: log, warn: log, error: log },
  });
  cleanups.push(() => runtime.stop());
  return Object.assign(runtime, {
    deliver: (requestId: string, body: Buffer) =>
      httpRequest(`${runtime.endpointUrl}/firehose`, { body, headers: headersFor(requestId) }),
    logLines: () => lines,
  });
}

async function nodeServerHost(store: EmbeddedStore): Promise<Host> {
  const deps = makeFirehoseDeps({ dataSource: store });
  const server: FirehoseServer = createFirehoseServer({ deps, store: testStore() });
  cleanups.push(() => server.stop());
  const port = await server.listen(0, "127.0.0.1");
  return {
    deliver: (requestId, body) =>
      httpRequest(`http://127.0.0.1:${port}/firehose`, { body, headers: headersFor(requestId) }),
    logLines: () => deps.logger.lines.filter((line) => line.msg === "firehose delivery"),
  };
}

const base64 = (text: string) => Buffer.from(text).toString("base64");
const bodyOf = (requestId: string, records: { data?: unknown }[]) =>
  Buffer.from(JSON.stringify({ requestId, timestamp: 1763771101456, records }));
const text = (value: unknown) => EJSON.stringify(value, { relaxed: false });

/** A change event of `id` in app.orders at second `t`. */
function change(operationType: string, id: string, t: number, fields: Record<string, unknown> = {}) {
  const event: Record<string, unknown> = {
    _id: { _data: `82${t.toString(16).toUpperCase().padStart(8, "0")}000000012B042C0100296E5A1004` },
    operationType,
    clusterTime: new Timestamp({ t, i: 1 }),
    ns: { db: "app", coll: "orders" },
    documentKey: { _id: id },
  };
  if (operationType !== "delete") event.fullDocument = { _id: id, ...fields };
  return text(event);
}

/** 700 records, three chunks: plain documents repeated across chunks, changes and deletes, bad records. */
function manyChunks(): { data?: unknown }[] {
  return Array.from({ length: 700 }, (_, i) => {
    if (i % 97 === 5) return { data: "not base64!" };
    if (i % 89 === 7) return { data: base64("{not json") };
    if (i % 3 === 0)
      return { data: base64(change(i % 9 === 0 ? "delete" : "replace", `c${i % 120}`, 1763771000 + i, { i })) };
    return { data: base64(JSON.stringify({ _id: `p${i % 250}`, i })) };
  });
}

/** A reconcile of app.orders at R, its reads and its closing spread over two chunks of one delivery. */
function reconcileRecords(): { data?: unknown }[] {
  const R = new Timestamp({ t: 1763771900, i: 5 });
  const read = (id: string, seq: number) =>
    text({
      operationType: "read",
      clusterTime: R,
      wallTime: new Date(1763771900000),
      ns: { db: "app", coll: "orders" },
      documentKey: { _id: id },
      fullDocument: { _id: id, read: true },
      _akb: { reconcile: { id: "rc1", part: 0, seq } },
    });
  const reads = Array.from({ length: 300 }, (_, seq) => read(`c${seq % 60}`, seq));
  const closing = text({
    operationType: "reconcile",
    clusterTime: R,
    wallTime: new Date(1763771900000),
    ns: { db: "app", coll: "orders" },
    _akb: { reconcile: { id: "rc1", part: 0, parts: 1, sent: 300 } },
  });
  return [...reads.slice(0, 200), closing, ...reads.slice(200)].map((record) => ({ data: base64(record) }));
}

const fixtureDeliveries = [
  "single-record",
  "plain-json-records",
  "records-without-id",
  "duplicate-ids-last-wins",
  "some-invalid-records",
  "empty-records",
].map((name) => readFixture<FirehoseFixture>(`firehose/${name}.json`).body);

const changeDeliveries = ["canonicalJson", "relaxedJson", "basicJson", "unappliable"].map((format) => ({
  requestId: `changes-${format}`,
  records: readFixture<{ records: unknown[] }>(`change-events/mongodb/${format}.json`).records.map((record) => ({
    data: base64(JSON.stringify(record)),
  })),
}));

/** Everything the webhook keeps in its database, without the times each host stamps with its own clock. */
async function contents(store: EmbeddedStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const stamps = ["receivedAt", "deletedAt", "at", "sweptAt"];
  for (const name of store.db("monitors").collectionNames().sort()) {
    const documents = await store.db("monitors").collection(name).find({}, { promoteValues: false }).toArray();
    if (documents.length === 0) continue; // the runtime makes TTL indexes, so their collections, at start
    out[name] = documents
      .map((document) => Object.fromEntries(Object.entries(document).filter(([key]) => !stamps.includes(key))))
      .map((document) => JSON.parse(EJSON.stringify(document, { relaxed: false })))
      .sort((a, b) => (JSON.stringify(a._id) < JSON.stringify(b._id) ? -1 : 1));
  }
  return out;
}

const probes = { double: new Double(1), long: Long.fromNumber(1) };

const withoutDuration = ({ durationMs: _duration, level: _level, ...line }: Record<string, unknown>) => line;

describe("the App Services webhook pair, served by the local runtime from functions/", () => {
  it("answers, stores, dead-letters and sweeps as the Node server does (fixtures, change events, 3-chunk deliveries, a reconcile, a retry)", async () => {
    const pairStore = new EmbeddedStore();
    const serverStore = new EmbeddedStore();
    const pair = await localRuntimeHost(pairStore);
    const server = await nodeServerHost(serverStore);
    const deliveries = [
      ...fixtureDeliveries,
      ...changeDeliveries,
      { requestId: "many-chunks", records: manyChunks() },
      { requestId: "reconcile", records: reconcileRecords() },
      { requestId: "many-chunks", records: manyChunks() },
    ];
    for (const { requestId, records } of deliveries) {
      const [fromPair, fromServer] = [
        await pair.deliver(requestId, bodyOf(requestId, records)),
        await server.deliver(requestId, bodyOf(requestId, records)),
      ];
      expect({ requestId, status: fromPair.status }).toEqual({ requestId, status: fromServer.status });
      expect(parseFirehoseResponse(fromPair.body).requestId).toBe(requestId);
    }
    expect(pair.logLines().map(withoutDuration)).toEqual(server.logLines().map(withoutDuration));
    // The deliveries did what they are for: several chunks, dead letters, supersedes, a sweep.
    const many = server.logLines().find((line) => line.requestId === "many-chunks");
    expect(many).toMatchObject({ records: 700, deadLettered: 16 });
    expect(many!.superseded).toBeGreaterThan(0);
    expect(server.logLines().find((line) => line.requestId === "reconcile")).toMatchObject({ sweeps: 1 });
    expect(await contents(pairStore)).toEqual(await contents(serverStore));
  });

  it.each([
    {
      name: "throws",
      source: 'exports = function () { throw new Error("applyFirehoseRecords is down"); };',
      message: /applying the records failed; retry the batch/,
    },
    {
      name: "answers a string",
      source: 'exports = function () { return "done"; };',
      message: /gave no outcome \(a string instead of an object\)/,
    },
    {
      name: "answers null",
      source: "exports = function () { return null; };",
      message: /gave no outcome \(a null instead of an object\)/,
    },
    {
      name: "answers counts that are not counts",
      source:
        'exports = function () { return { stored: "all", stale: 0, superseded: 0, heartbeats: 0, basicJson: 0, refused: [], reconcile: { marks: [], closings: [], touched: [], accepted: 0 } }; };',
      message: /gave no outcome \(stored is not a count\)/,
    },
    {
      name: "refuses a record it was not handed",
      source:
        'exports = function () { return { stored: 0, stale: 0, superseded: 0, heartbeats: 0, basicJson: 0, refused: [{ index: 99, code: "not_json", message: "x" }], reconcile: { marks: [], closings: [], touched: [], accepted: 0 } }; };',
      message: /gave no outcome \(refused is not a list of handed records and their reasons\)/,
    },
  ])(
    "applyFirehoseRecords $name: 503 as a failed write, nothing dead-lettered, and the retry stores all",
    async ({ source, message }) => {
      const store = new EmbeddedStore();
      const broken = await localRuntimeHost(store, exportCopy(plantApply(source)));
      const fixture = readFixture<FirehoseFixture>("firehose/some-invalid-records.json").body;
      const answer = await broken.deliver(fixture.requestId, bodyOf(fixture.requestId, fixture.records));
      expect(answer.status).toBe(503);
      expect(parseFirehoseResponse(answer.body)).toMatchObject({
        requestId: fixture.requestId,
        errorMessage: expect.stringMatching(message),
      });
      expect(broken.logLines()).toEqual([
        expect.objectContaining({ status: 503, outcome: "unavailable", code: "store_failed" }),
      ]);
      expect(await contents(store)).toEqual({});
      // Firehose sends the batch again; with applyFirehoseRecords back, it is stored as once.
      const reference = new EmbeddedStore();
      await (await nodeServerHost(reference)).deliver(fixture.requestId, bodyOf(fixture.requestId, fixture.records));
      const healed = await localRuntimeHost(store);
      expect((await healed.deliver(fixture.requestId, bodyOf(fixture.requestId, fixture.records))).status).toBe(200);
      expect(await contents(store)).toEqual(await contents(reference));
    },
  );

  it("applyFirehoseRecords writes, then its answer is lost: 503, and the retry finds the writes already made and ends as one delivery", async () => {
    const store = new EmbeddedStore();
    const lossy = await localRuntimeHost(
      store,
      exportCopy(
        plantApply(
          'exports = async function (handoff) { await context.functions.execute("realApplyFirehoseRecords", handoff); return {}; };',
        ),
      ),
    );
    const records = manyChunks();
    expect((await lossy.deliver("lost-answer", bodyOf("lost-answer", records))).status).toBe(503);
    // The first chunk was written; nothing was acknowledged, so no dead letter either.
    expect((await contents(store)).firehose.length).toBeGreaterThan(0);
    expect((await contents(store)).firehose_dead_letters).toBeUndefined();
    const healed = await localRuntimeHost(store);
    expect((await healed.deliver("lost-answer", bodyOf("lost-answer", records))).status).toBe(200);
    const reference = new EmbeddedStore();
    expect(
      (await (await nodeServerHost(reference)).deliver("lost-answer", bodyOf("lost-answer", records))).status,
    ).toBe(200);
    expect(await contents(store)).toEqual(await contents(reference));
  });

  it.each([
    { name: "no argument", args: [], problem: "given 0 arguments" },
    { name: "two arguments", args: [{ requestId: "r", records: [] }, 1], problem: "given 2 arguments" },
    { name: "a string", args: ["records"], problem: "given a string" },
    { name: "no request id", args: [{ records: [] }], problem: "requestId is not a string" },
    { name: "records not a list", args: [{ requestId: "r", records: {} }], problem: "records is not a list" },
    {
      name: "indexes out of order",
      args: [
        {
          requestId: "r",
          records: [
            { index: 2, document: { _id: 1 }, depth: 1, bytes: 9 },
            { index: 1, document: { _id: 2 }, depth: 1, bytes: 9 },
          ],
          probes,
        },
      ],
      problem: "records[1].index is not a whole number above the one before",
    },
    {
      name: "a document that is an array",
      args: [{ requestId: "r", records: [{ index: 0, document: [1], depth: 1, bytes: 3 }], probes }],
      problem: "records[0].document is not a document",
    },
    {
      name: "probes that are plain numbers",
      args: [{ requestId: "r", records: [], probes: { double: 1, long: 1 } }],
      problem:
        "probes did not arrive as a BSON Double and a BSON Long, so the documents' BSON types would not have either",
    },
  ])(
    "applyFirehoseRecords called with $name is refused, naming what it takes, before anything is written",
    async ({ args, problem }) => {
      const store = new EmbeddedStore();
      const runtime = await localRuntimeHost(store);
      await expect(runtime.execute("applyFirehoseRecords", ...args)).rejects.toThrow(
        `applyFirehoseRecords takes one argument, {requestId, records: [{index, document, depth, bytes}], probes}: a chunk of a delivery's decoded records, as receiveFirehoseDelivery hands it on; ${problem}`,
      );
      expect(await contents(store)).toEqual({});
    },
  );
});
