import { Binary, Decimal128, EJSON, Long, ObjectId } from "bson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../../src/core/capture/publish/kinesis-record";
import { EmbeddedStore } from "../../src/embedded/store";
import { freePort, startKinesisEmulator, type KinesisEmulator } from "../../src/local/kinesis-emulator";
import { emulatorValues, readChangeEvent } from "../helpers/capture";
import { findNode10, Node10Functions } from "./helpers/node10";

const node10 = findNode10();
// Skipped where the runner reports skips, with why (`npx vitest run --reporter=verbose` shows the note).
if (node10.skipReason) it("test/node10", (context) => context.skip(`skipped, ${node10.skipReason}`));

const canonical = (value: unknown) => EJSON.stringify(value, { relaxed: false });
const config = readCaptureConfig(() => undefined);
/** Four chunks of 40 for one worker, one or more for each of four. */
const DOCUMENTS = 160;

describe.skipIf(node10.skipReason)(
  `the capture functions on Node 10.18.1 against kinesalite on 127.0.0.1${node10.skipReason ? ` (skipped: ${node10.skipReason})` : ""}`,
  () => {
    let functions: Node10Functions;
    let emulator: KinesisEmulator;
    let streams = 0;

    beforeAll(async () => {
      [functions, emulator] = await Promise.all([
        Node10Functions.start(node10.binary as string),
        startKinesisEmulator({ engine: "kinesalite" }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([functions?.stop(), emulator?.stop()]);
    });

    async function newStream(shards: number): Promise<string> {
      const name = `node10-${process.pid}-${++streams}`;
      await emulator.createStream(name, shards);
      return name;
    }

    function valuesFor(stream: string, endpoint = emulator.endpoint, extra: Record<string, unknown> = {}) {
      return { ...emulatorValues(emulator, stream, endpoint), ...extra };
    }

    /** What the Node 20 core puts for an event: the stream must hold exactly this, byte for byte. */
    const expectedRecord = (event: ChangeEvent) => buildKinesisRecord(event, config, nodeBson);
    const tokenOf = (event: ChangeEvent) => (event._id as { _data: string })._data;

    it("publishChangeToKinesis puts insert, update, replace, delete and heartbeat events exactly as the Node 20 core builds them", async () => {
      const stream = await newStream(2);
      const store = new EmbeddedStore();
      const events = ["insert", "update", "replace", "delete", "heartbeat"].map(readChangeEvent);
      for (const event of events) {
        const { value } = await functions.invoke("publishChangeToKinesis", [event], {
          store,
          values: valuesFor(stream),
        });
        expect(value).toMatchObject({ result: "put", sequenceNumber: expect.any(String) });
      }

      const records = await emulator.readAll(stream);
      const byToken = new Map(records.map((r) => [JSON.parse(r.data.toString())._id._data, r]));
      for (const event of events) {
        const record = byToken.get(tokenOf(event));
        expect(record?.data.toString("utf8")).toBe(expectedRecord(event).data);
        expect(record?.partitionKey).toBe(expectedRecord(event).partitionKey);
      }
      expect(records).toHaveLength(events.length);
      // One document's changes share a key, so they sit in one shard in the order they were made.
      const documentKey = expectedRecord(events[0]).partitionKey;
      expect(
        records.filter((r) => r.partitionKey === documentKey).map((r) => JSON.parse(r.data.toString()).operationType),
      ).toEqual(["insert", "update", "replace", "delete"]);
      // The heartbeat event's put is recorded, as the status command reads it.
      expect(
        await store
          .db("streamkap")
          .collection("kinesis_status")
          .findOne({ _id: "atlas-kinesis-bridge:lastSuccessfulPut" }),
      ).toMatchObject({ at: expect.any(Date) });
      expect(await store.db("streamkap").collection("kinesis_outbox").countDocuments()).toBe(0);
    });

    it("drainOutbox drains the outbox: events that found Kinesis unreachable are put in order and the outbox empties", async () => {
      const stream = await newStream(2);
      const store = new EmbeddedStore();
      const outbox = store.db("streamkap").collection("kinesis_outbox");
      const unreachable = `http://127.0.0.1:${await freePort()}`;
      const events = ["insert", "update", "replace", "delete"].map(readChangeEvent);
      for (const event of events) {
        const { value } = await functions.invoke("publishChangeToKinesis", [event], {
          store,
          values: valuesFor(stream, unreachable),
        });
        expect(value).toMatchObject({ result: "outboxed", reason: expect.stringMatching(/ECONNREFUSED|outbox/) });
      }
      const waiting = await outbox.find({}).toArray();
      expect(waiting.map((entry) => entry._id).sort()).toEqual(events.map(tokenOf).sort());
      expect(await emulator.readAll(stream)).toEqual([]);

      const { value } = await functions.invoke("drainOutbox", [], { store, values: valuesFor(stream) });

      expect(value).toMatchObject({ put: 4, failed: 0, remaining: false });
      expect(await outbox.countDocuments()).toBe(0);
      const records = await emulator.readAll(stream);
      expect(records.map((r) => r.data.toString("utf8"))).toEqual(events.map((e) => expectedRecord(e).data));
      // The put is recorded; the next heartbeat document carries it.
      const status = store.db("streamkap").collection("kinesis_status");
      expect(await status.findOne({ _id: "atlas-kinesis-bridge:lastSuccessfulPut" })).toMatchObject({
        at: expect.any(Date),
      });
    });

    it("emitHeartbeat writes its document and hands the capture check to checkCaptureHealth with context.functions.execute", async () => {
      const stream = await newStream(1);
      const store = new EmbeddedStore();
      const heartbeats = store.db("streamkap").collection("streamkap_heartbeat");
      const status = store.db("streamkap").collection("kinesis_status");
      await store.db("streamkap").collection("kinesis_outbox").insertOne({ _id: "waiting", partitionKey: "k" });

      const first = await functions.invoke<{ at: Date; outboxDepth: number; capture: { stream: { state: string } } }>(
        "emitHeartbeat",
        [],
        { store, values: valuesFor(stream) },
      );
      expect(first.value).toMatchObject({ outboxDepth: 1, capture: { stream: { state: "unknown" } } });
      const beat = await heartbeats.findOne({ _id: "atlas-kinesis-bridge" });
      expect(beat).toMatchObject({ app: "atlas-kinesis-bridge", at: first.value.at, outboxDepth: 1 });

      // The second beat hands over the first one's time: the check is about that heartbeat.
      const second = await functions.invoke<{ capture: { stream: { heartbeatWrittenAt: Date } } }>(
        "emitHeartbeat",
        [],
        {
          store,
          values: valuesFor(stream),
        },
      );
      expect(second.value.capture.stream.heartbeatWrittenAt).toEqual(first.value.at);
      expect(await status.findOne({ _id: "atlas-kinesis-bridge:captureHealth" })).toMatchObject({
        stream: { heartbeatWrittenAt: first.value.at },
        adminApi: "not_configured",
      });
      expect(second.logs.map((l) => l.line).join("\n")).toContain('"msg":"heartbeat"');
    });

    it.each([
      { name: "run by hand (no arguments): it reads the latest heartbeat itself", args: [], error: undefined },
      { name: "the heartbeat's handoff", args: [Date.UTC(2026, 0, 1), 3], error: undefined },
      {
        name: "a time that is not one",
        args: ["yesterday", 3],
        error: /checkCaptureHealth takes the previous heartbeat's time/,
      },
      { name: "a negative outbox depth", args: [null, -1], error: /not null, -1/ },
    ])("checkCaptureHealth, $name", async ({ args, error }) => {
      const store = new EmbeddedStore();
      const run = functions.invoke<{ stream: { state: string } }>("checkCaptureHealth", args, {
        store,
        values: valuesFor(await newStream(1)),
      });
      if (error) await expect(run).rejects.toThrow(error);
      else
        expect((await run).value).toMatchObject({ app: "atlas-kinesis-bridge", stream: { state: expect.any(String) } });
    });

    it.each([
      { ids: "ObjectId", parallelism: 1, idOf: () => new ObjectId() },
      { ids: "ObjectId", parallelism: 4, idOf: () => new ObjectId() },
      { ids: "number", parallelism: 4, idOf: (i: number) => i },
    ])(
      "runSnapshot backfills a collection ($ids _ids) from a signal with $parallelism worker(s): one read event per document, values as the store holds them",
      async ({ parallelism, idOf }) => {
        const stream = await newStream(4);
        const store = new EmbeddedStore();
        const source = store.db("app").collection("orders");
        await source.insertMany(
          Array.from({ length: DOCUMENTS }, (_, i) => ({
            _id: idOf(i),
            total: i * 1.5,
            units: Long.fromString("9007199254740993").add(i),
            price: Decimal128.fromString(`${i}.90`),
            at: new Date(Date.UTC(2026, 10, 1) + i * 1000),
            tag: new Binary(Buffer.from([i % 256, 0, 255])),
            owner: new ObjectId(),
            lines: [{ sku: `sku-${i}`, note: "Grüße ☃ 東京" }],
          })),
        );
        const signalId = new ObjectId();
        const signals = store.db("streamkap").collection("streamkap_signal");
        await signals.insertOne({
          _id: signalId,
          type: "execute-snapshot",
          data: { "data-collections": ["app.orders"], parallelism },
        });

        const { value } = await functions.invoke(
          "runSnapshot",
          [{ operationType: "insert", documentKey: { _id: signalId } }],
          { store, values: valuesFor(stream, emulator.endpoint, { SNAPSHOT_CHUNK_SIZE: 40 }) },
        );

        expect(value).toMatchObject({ status: "done", published: DOCUMENTS, outboxed: 0 });
        expect(await signals.findOne({ _id: signalId })).toMatchObject({ status: "done" });
        const records = (await emulator.readAll(stream)).map((r) =>
          EJSON.parse(r.data.toString("utf8"), { relaxed: false }),
        );
        expect(records).toHaveLength(DOCUMENTS);
        expect(records.every((r) => r.operationType === "read" && r.ns.db === "app" && r.ns.coll === "orders")).toBe(
          true,
        );
        const inStore = new Map(
          (await source.find({}).toArray()).map((document) => [canonical(document._id), canonical(document)]),
        );
        const inStream = new Map(
          records.map((record) => [canonical(record.documentKey._id), canonical(record.fullDocument)]),
        );
        expect(inStream).toEqual(inStore);
      },
    );

    it("runSnapshot without an argument (the continueSnapshots trigger) runs every unfinished snapshot", async () => {
      const stream = await newStream(1);
      const store = new EmbeddedStore();
      await store
        .db("app")
        .collection("orders")
        .insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i })));
      const signals = store.db("streamkap").collection("streamkap_signal");
      await signals.insertOne({ _id: "left", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });

      const { value } = await functions.invoke("runSnapshot", [], { store, values: valuesFor(stream) });

      expect(value).toEqual({ continued: 1 });
      expect(await signals.findOne({ _id: "left" })).toMatchObject({ status: "done" });
      expect(await emulator.readAll(stream)).toHaveLength(30);
    });

    it("the Node 10 process itself printed nothing (no warning, no deprecation)", () => {
      expect(functions.processOutput).toBe("");
    });
  },
);
