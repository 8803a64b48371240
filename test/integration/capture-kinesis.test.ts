import { Binary, EJSON, ObjectId, Timestamp } from "bson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../../src/core/capture/publish/kinesis-record";
import { receiveFirehoseDelivery } from "../../src/core/firehose/receive-delivery";
import { EmbeddedStore } from "../../src/embedded/store";
import { startKinesisEmulator, type KinesisEmulator } from "../../src/local/kinesis-emulator";
import { fakeEndpointResponse, loadAppServicesFunction, makeFakeContext } from "../helpers/app-services";
import { emulatorValues, readChangeEvent } from "../helpers/capture";
import { startFaultProxy, type Fault } from "../helpers/fault-proxy";
import { makeFirehoseDeps, TEST_ACCESS_KEY } from "../helpers/firehose";

let emulator: KinesisEmulator;
let streams = 0;

async function newStream(shards = 2): Promise<string> {
  const name = `test-stream-${process.pid}-${++streams}`;
  await emulator.createStream(name, shards);
  return name;
}

function contextFor(
  store: EmbeddedStore,
  stream: string,
  endpoint = emulator.endpoint,
  values: Record<string, unknown> = {},
) {
  return makeFakeContext({
    dataSource: store,
    values: { ...emulatorValues(emulator, stream, endpoint), ...values },
  });
}

const canonical = (value: unknown) => EJSON.stringify(value, { relaxed: false });

/** Events for several documents with increasing cluster times, like a real change stream. */
function eventStream(documents: number, perDocument: number): ChangeEvent[] {
  const ids = Array.from({ length: documents }, () => new ObjectId());
  const events: ChangeEvent[] = [];
  let t = 1763771100;
  for (let round = 0; round < perDocument; round++) {
    for (const id of ids) {
      t++;
      events.push({
        _id: { _data: `82${t.toString(16)}00000001` },
        operationType: round === 0 ? "insert" : "update",
        clusterTime: new Timestamp({ t, i: 1 }),
        wallTime: new Date(t * 1000),
        ns: { db: "monitors", coll: "reports" },
        documentKey: { _id: id },
        fullDocument: { _id: id, round, text: "Grüße ☃ 東京", at: new Date(t * 1000) },
      });
    }
  }
  return events;
}

describe.each(["kinesis-local", "kinesalite"] as const)("the built functions against %s on loopback", (engine) => {
  beforeAll(async () => {
    emulator = await startKinesisEmulator({ engine });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("puts every operation type and reads back exactly what went in", async () => {
    const stream = await newStream();
    const store = new EmbeddedStore();
    const publish = loadAppServicesFunction("publishChangeToKinesis", contextFor(store, stream));
    const events = ["insert", "update", "replace", "delete", "heartbeat"].map(readChangeEvent);
    for (const event of events) expect(await publish(event)).toMatchObject({ result: "put" });

    const records = await emulator.readAll(stream);
    expect(records).toHaveLength(events.length);
    const config = readCaptureConfig(() => undefined);
    const expectedByToken = new Map(
      events.map((e) => [(e._id as { _data: string })._data, buildKinesisRecord(e, config, nodeBson)]),
    );
    for (const record of records) {
      const envelope = EJSON.parse(record.data.toString("utf8"), { relaxed: false }) as Record<string, unknown>;
      const expected = expectedByToken.get((envelope._id as { _data: string })._data);
      expect(record.data.toString("utf8")).toBe(expected?.data);
      expect(record.partitionKey).toBe(expected?.partitionKey);
    }
    // One document's four changes share a key, so they sit in one shard in the order they were made.
    const ordered = records
      .filter((r) => r.partitionKey === "6565a1f0c2b4a1d2e3f40516")
      .map((r) => JSON.parse(r.data.toString()).operationType);
    expect(ordered).toEqual(["insert", "update", "replace", "delete"]);
    const insertBack = EJSON.parse(
      records.find((r) => JSON.parse(r.data.toString()).operationType === "insert")!.data.toString(),
      { relaxed: false },
    ) as { fullDocument: unknown };
    expect(canonical(insertBack.fullDocument)).toBe(canonical(events[0].fullDocument));
  });

  it.each<{ name: string; plan: Fault[] }>([
    {
      name: "throttling bursts",
      plan: ["throttle", "throttle", "pass", "throttle", "throttle", "throttle", "throttle", "pass", "throttle"],
    },
    {
      name: "5xx and dropped connections",
      plan: ["http500", "reset", "http500", "http500", "reset", "pass", "reset", "reset", "reset", "reset"],
    },
    { name: "an outage longer than the retries", plan: Array.from<Fault>({ length: 40 }).fill("throttle") },
  ])(
    "with $name, every event ends in the stream or the outbox, and drainOutbox (every minute) drains it in order",
    async ({ plan }) => {
      const stream = await newStream();
      const proxy = await startFaultProxy(emulator.endpoint, plan);
      try {
        const store = new EmbeddedStore();
        const context = contextFor(store, stream, proxy.endpoint);
        const publish = loadAppServicesFunction("publishChangeToKinesis", context);
        const events = eventStream(4, 5);
        for (const event of events) await publish(event);

        const outbox = store.db("streamkap").collection("kinesis_outbox");
        const inStream = (await emulator.readAll(stream)).map((r) => JSON.parse(r.data.toString())._id._data);
        const inOutbox = (await outbox.find({}).toArray()).map((e) => e._id);
        expect([...inStream, ...inOutbox].sort()).toEqual(events.map((e) => (e._id as { _data: string })._data).sort());
        expect(proxy.seen.some((s) => s.fault !== "pass")).toBe(true);

        proxy.plan.length = 0; // the outage ends
        const drain = loadAppServicesFunction("drainOutbox", context);
        const result = (await drain()) as { remaining: boolean };
        expect(result.remaining).toBe(false);
        expect(await outbox.countDocuments()).toBe(0);

        const records = await emulator.readAll(stream);
        const changes = records.map((r) => JSON.parse(r.data.toString())).filter((e) => e.ns.coll === "reports");
        expect(new Set(changes.map((e) => e._id._data)).size).toBe(events.length);
        // Per document, the stream holds its changes in the order they were made.
        for (const key of new Set(records.map((r) => r.partitionKey))) {
          const times = records
            .filter((r) => r.partitionKey === key)
            .map((r) => JSON.parse(r.data.toString()))
            .filter((e) => e.ns.coll === "reports")
            .map((e) => e.clusterTime.$timestamp.t);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        }
        // The drain recorded its put, which the next heartbeat document carries.
        expect(
          await store
            .db("streamkap")
            .collection("kinesis_status")
            .findOne({ _id: "atlas-kinesis-bridge:lastSuccessfulPut" }),
        ).toMatchObject({ at: expect.any(Date) });
      } finally {
        await proxy.close();
      }
    },
  );

  it("a snapshot signal backfills a collection through runSnapshot.js, and a second run writes the same records", async () => {
    const stream = await newStream(4);
    const store = new EmbeddedStore();
    const source = store.db("app").collection("orders");
    await source.insertMany(
      Array.from({ length: 1234 }, (_, i) => ({ _id: i, total: i * 1.5, note: `ordre n° ${i}` })),
    );
    const context = contextFor(store, stream);
    const signals = store.db("streamkap").collection("streamkap_signal");
    const runSnapshot = loadAppServicesFunction("runSnapshot", context);
    for (const run of [1, 2]) {
      const signalId = new ObjectId();
      await signals.insertOne({
        _id: signalId,
        type: "execute-snapshot",
        data: { "data-collections": ["app.orders"] },
      });
      expect(await runSnapshot({ operationType: "insert", documentKey: { _id: signalId } })).toMatchObject({
        status: "done",
        published: 1234,
        outboxed: 0,
      });
      const signal = await signals.findOne({ _id: signalId });
      expect(signal).toMatchObject({
        status: "done",
        progress: { "0": { namespace: "app.orders", count: 1234, done: true } },
      });
      const records = await emulator.readAll(stream);
      expect(records).toHaveLength(1234 * run);
    }
    const records = (await emulator.readAll(stream)).map((r) => JSON.parse(r.data.toString()));
    expect(records.every((r) => r.operationType === "read" && r.ns.coll === "orders")).toBe(true);
    const keys = records.map((r) => JSON.stringify(r.documentKey));
    expect(new Set(keys).size).toBe(1234);
  });

  it("a reconcile through runSnapshot.js, delivered to receiveFirehoseDelivery.js, removes what the source lost (mixed _id types)", async () => {
    const stream = await newStream(2);
    const source = new EmbeddedStore();
    const orders = source.db("app").collection("orders");
    const ids: unknown[] = [null, 3, 7.5, "a", "b", new ObjectId("6565a1f0c2b4a1d2e3f40516"), new Date(0)];
    // The driver gives an inserted null _id a new ObjectId (so does the embedded store): null comes by upsert.
    await orders.insertMany(ids.slice(1).map((_id, n) => ({ _id, n: n + 1 })));
    await orders.updateOne({ _id: null }, { $set: { n: 0 } }, { upsert: true });
    // The mirror as change events left it before capture stopped: "gone" was deleted while capture was
    // down, "b" changed meanwhile, and a plain document (no position) sits beside them.
    const target = new EmbeddedStore();
    const mirror = target.db("monitors").collection("firehose");
    const old = { pos: "6900000000000001:8200", ns: "app.orders" };
    await mirror.insertMany([
      ...ids.slice(1).map((_id, n) => ({ _id, n: _id === "b" ? -1 : n + 1, _akb: old })),
      { _id: "gone", n: 99, _akb: old },
      { _id: "plain", n: 0 },
    ]);
    await mirror.updateOne({ _id: null }, { $set: { n: 0, _akb: old } }, { upsert: true });
    const signals = source.db("streamkap").collection("streamkap_signal");
    const signalId = new ObjectId();
    await signals.insertOne({
      _id: signalId,
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true },
    });
    const runSnapshot = loadAppServicesFunction(
      "runSnapshot",
      contextFor(source, stream, emulator.endpoint, { SNAPSHOT_CHUNK_SIZE: 2 }),
    );
    expect(await runSnapshot({ operationType: "insert", documentKey: { _id: signalId } })).toMatchObject({
      status: "done",
      published: ids.length,
    });
    const records = await emulator.readAll(stream);
    expect(records).toHaveLength(ids.length + 1); // every read, and the closing
    const receive = loadAppServicesFunction(
      "receiveFirehoseDelivery",
      makeFakeContext({ dataSource: target, values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY } }),
    );
    // The closing first, then the reads in two deliveries.
    const ordered = [...records].sort(
      (a, b) =>
        Number(JSON.parse(b.data.toString()).operationType === "reconcile") -
        Number(JSON.parse(a.data.toString()).operationType === "reconcile"),
    );
    for (const [n, batch] of [ordered.slice(0, 1), ordered.slice(1, 4), ordered.slice(4)].entries()) {
      const requestId = `reconcile-${n}`;
      const response = fakeEndpointResponse();
      await receive(
        {
          headers: { "X-Amz-Firehose-Request-Id": [requestId], "X-Amz-Firehose-Access-Key": [TEST_ACCESS_KEY] },
          body: new Binary(
            Buffer.from(
              JSON.stringify({
                requestId,
                timestamp: 1,
                records: batch.map((r) => ({ data: r.data.toString("base64") })),
              }),
            ),
          ),
          query: {},
        },
        response,
      );
      expect(response.recorded.status).toBe(200);
    }
    const landed = await mirror.find({}).toArray();
    const strip = ({ _akb, ...rest }: Record<string, unknown>) => rest;
    expect(landed.map(strip).map(canonical).sort()).toEqual(
      [...(await orders.find({}).toArray()), { _id: "plain", n: 0 }].map(canonical).sort(),
    );
    expect(
      await target
        .db("monitors")
        .collection("firehose_reconciles")
        .findOne({ _id: `s|${signalId.toHexString()}|app.orders` }),
    ).toMatchObject({ status: "swept", removed: 1 });
  });

  it("the stream's records, delivered to the webhook, rebuild the source collection exactly, deletes included", async () => {
    const stream = await newStream(2);
    const store = new EmbeddedStore();
    const publish = loadAppServicesFunction("publishChangeToKinesis", contextFor(store, stream));
    const events = eventStream(6, 3);
    // Then every other document is deleted at the source.
    let t = 1763772000;
    const deleted = events
      .slice(0, 6)
      .filter((_, i) => i % 2 === 0)
      .map((e) => e.documentKey!._id);
    for (const id of deleted) {
      t++;
      events.push({
        _id: { _data: `82${t.toString(16)}00000001` },
        operationType: "delete",
        clusterTime: new Timestamp({ t, i: 1 }),
        wallTime: new Date(t * 1000),
        ns: { db: "monitors", coll: "reports" },
        documentKey: { _id: id },
      });
    }
    for (const event of events) await publish(event);
    const records = await emulator.readAll(stream);
    const deps = makeFirehoseDeps();
    // Firehose may deliver shards as separate batches, in any order, several at once, and again after a lost answer.
    const batches = [...new Set(records.map((r) => r.shardId))].map((shard) =>
      records.filter((r) => r.shardId === shard).map((r) => ({ data: r.data.toString("base64") })),
    );
    const deliveries = batches.flatMap((batch, n) => [
      { requestId: `r-${n}`, records: batch },
      { requestId: `r-${n}-reversed`, records: [...batch].reverse() },
      { requestId: `r-${n}`, records: batch },
    ]);
    const responses = await Promise.all(
      deliveries.reverse().map(({ requestId, records: batch }) =>
        receiveFirehoseDelivery(
          {
            method: "POST",
            headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
            body: Buffer.from(JSON.stringify({ requestId, records: batch })),
          },
          deps,
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const landed = await deps.store.db("monitors").collection("firehose").find({}).toArray();
    // Exactly the live documents: nothing of the deleted ones, in any form.
    expect(landed.map((doc) => canonical(doc._id)).sort()).toEqual(
      events
        .slice(0, 6)
        .map((e) => e.documentKey!._id)
        .filter((id) => !deleted.includes(id))
        .map(canonical)
        .sort(),
    );
    for (const doc of landed) {
      const { _akb, ...rest } = doc;
      const last = events.filter((e) => canonical(e.documentKey?._id) === canonical(doc._id)).at(-1)!;
      expect(canonical(rest)).toBe(canonical(last.fullDocument));
      expect(_akb).toEqual({ pos: expect.stringMatching(/^[0-9a-f]{16}:82/), ns: expect.any(String) });
    }
    expect(await deps.store.db("monitors").collection("firehose_deletes").countDocuments()).toBe(deleted.length);
  });
});
