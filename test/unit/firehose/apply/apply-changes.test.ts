import { Decimal128, EJSON, Int32, Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../../../src/core/capture/config";
import { buildKinesisRecord, type ChangeEvent } from "../../../../src/core/capture/publish/kinesis-record";
import { legacyIdKey } from "../../../../src/core/firehose/apply/legacy-id-key";
import { receiveFirehoseDelivery } from "../../../../src/core/firehose/receive-delivery";
import { readChangeEvent } from "../../../helpers/capture";
import { makeFirehoseDeps, parseFirehoseResponse, TEST_ACCESS_KEY } from "../../../helpers/firehose";
import { deadLettersIn } from "../../../helpers/dead-letters";

const captureConfig = readCaptureConfig(() => undefined);
let deliveries = 0;

/** Publishes events the way the trigger does and delivers them the way Firehose does. */
function delivery(events: ChangeEvent[], options: { maxRecordBytes?: number } = {}) {
  const requestId = `req-${++deliveries}`;
  const records = events.map((event) => ({
    data: Buffer.from(
      buildKinesisRecord(
        event,
        { ...captureConfig, maxRecordBytes: options.maxRecordBytes ?? captureConfig.maxRecordBytes },
        nodeBson,
      ).data,
    ).toString("base64"),
  }));
  return {
    method: "POST",
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
    body: Buffer.from(JSON.stringify({ requestId, timestamp: 1, records })),
  };
}

const stored = async (deps: ReturnType<typeof makeFirehoseDeps>) =>
  (await deps.store.db("monitors").collection("firehose").find({}, { promoteValues: false }).toArray()).map((d) =>
    JSON.parse(EJSON.stringify(d, { relaxed: false })),
  );

const [insert, update, replace, del] = ["insert", "update", "replace", "delete"].map(readChangeEvent);
const position = (t: number, i: number, token: string) =>
  `${t.toString(16).padStart(8, "0")}${i.toString(16).padStart(8, "0")}:${token}`;
const token = (event: ChangeEvent) => (event._id as { _data: string })._data;

describe("the webhook applies change envelopes", () => {
  it("insert then update: the target holds the latest full document with its position", async () => {
    const deps = makeFirehoseDeps();
    expect((await receiveFirehoseDelivery(delivery([insert, update]), deps)).status).toBe(200);
    const expected = JSON.parse(
      EJSON.stringify(
        { ...update.fullDocument, _akb: { pos: position(1763771101, 1, token(update)), ns: "monitors.reports" } },
        { relaxed: false },
      ),
    );
    expect(await stored(deps)).toEqual([expected]);
  });

  it.each([
    { name: "in order, one batch", batches: [[insert, update, replace, del]] },
    { name: "reversed, one batch", batches: [[del, replace, update, insert]] },
    { name: "reversed, one batch each", batches: [[del], [replace], [update], [insert]] },
    { name: "shuffled and repeated across batches", batches: [[update], [insert, del], [update, replace], [insert]] },
  ])("converges to the source's last state (no document) whatever the order: $name", async ({ batches }) => {
    const deps = makeFirehoseDeps();
    for (const batch of batches) expect((await receiveFirehoseDelivery(delivery(batch), deps)).status).toBe(200);
    expect(await stored(deps)).toEqual([]);
    // The delete's position is remembered beside the target, not in it.
    const rows = await deps.store.db("monitors").collection("firehose_deletes").find({}).toArray();
    expect(rows).toEqual([
      {
        _id: "monitors.firehose|o:6565a1f0c2b4a1d2e3f40516",
        pos: position(1763771103, 1, token(del)),
        ns: "monitors.firehose",
        id: insert.documentKey!._id,
        deletedAt: new Date(1763771101456),
      },
    ]);
  });

  it("counts stale envelopes as stale, not as errors or dead letters", async () => {
    const deps = makeFirehoseDeps();
    await receiveFirehoseDelivery(delivery([replace]), deps);
    await receiveFirehoseDelivery(delivery([insert, update]), deps);
    expect(deps.logger.lines.at(-1)).toMatchObject({
      status: 200,
      stale: 1,
      superseded: 1,
      stored: 0,
      deadLettered: 0,
    });
    expect((await stored(deps))[0].node).toBe("pi-replaced");
    expect(await deadLettersIn(deps.store).count()).toBe(0);
  });

  it("applies updateDescription when the envelope has no full document", async () => {
    const deps = makeFirehoseDeps();
    await receiveFirehoseDelivery(delivery([insert]), deps);
    const { fullDocument: _dropped, ...partial } = update;
    await receiveFirehoseDelivery(delivery([partial]), deps);
    const [doc] = await stored(deps);
    expect(doc.humidity).toEqual({ $numberDouble: "42.5" });
    expect(doc.counter).toEqual({ $numberLong: "9007199254740995" });
    expect(doc.raw).toBeUndefined();
    expect(doc._akb).toEqual({ pos: position(1763771101, 1, token(update)), ns: "monitors.reports" });
  });

  it("dead-letters an envelope whose document was dropped for size, saying how to recover", async () => {
    const deps = makeFirehoseDeps();
    const huge = { ...insert, fullDocument: { ...insert.fullDocument, blob: "b".repeat(5000) } };
    await receiveFirehoseDelivery(delivery([huge], { maxRecordBytes: 4096 }), deps);
    const [letter] = await deadLettersIn(deps.store).list();
    expect(letter).toMatchObject({
      reasonCode: "change_document_dropped_for_size",
      reason: expect.stringMatching(/without its document .*re-read it from the source/),
    });
    expect(await stored(deps)).toEqual([]);
  });

  it("routes by FIREHOSE_NAMESPACE_MAP and keeps plain documents in the default target", async () => {
    const deps = makeFirehoseDeps({
      values: { FIREHOSE_NAMESPACE_MAP: JSON.stringify({ "monitors.reports": "replica.reports" }) },
    });
    const req = delivery([insert]);
    const body = JSON.parse(req.body.toString());
    body.records.push({ data: Buffer.from('{"_id":"plain","v":1}').toString("base64") });
    expect((await receiveFirehoseDelivery({ ...req, body: Buffer.from(JSON.stringify(body)) }, deps)).status).toBe(200);
    expect(await deps.store.db("replica").collection("reports").countDocuments()).toBe(1);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([{ _id: "plain", v: 1 }]);
  });

  it.each([
    {
      name: "a map into a captured collection",
      values: {
        FIREHOSE_NAMESPACE_MAP: '{"app.orders":"monitors.reports"}',
        CAPTURED_NAMESPACES: ["monitors.reports"],
      },
      error: /FIREHOSE_NAMESPACE_MAP\["app.orders"\] writes into monitors.reports, a captured collection/,
    },
    {
      name: "a default target that is captured",
      values: { CAPTURED_NAMESPACES: '["monitors.firehose"]' },
      error: /default target .* writes into monitors.firehose/,
    },
    { name: "a map that is not JSON", values: { FIREHOSE_NAMESPACE_MAP: "{oops" }, error: /not valid JSON/ },
    {
      name: "a map entry without a namespace",
      values: { FIREHOSE_NAMESPACE_MAP: '{"orders":"x"}' },
      error: /must map "db.collection"/,
    },
  ])("refuses $name with a clear error", ({ values, error }) => {
    expect(() => makeFirehoseDeps({ values })).toThrow(error);
  });

  it("keeps each app's latest heartbeat with its lag instead of storing heartbeats as data", async () => {
    const deps = makeFirehoseDeps();
    const heartbeat = readChangeEvent("heartbeat");
    const response = await receiveFirehoseDelivery(delivery([heartbeat]), deps);
    expect(parseFirehoseResponse(response.body).errorMessage).toBeUndefined();
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(0);
    const [latest] = await deps.store.db("monitors").collection("firehose_heartbeats").find({}).toArray();
    expect(latest).toMatchObject({
      _id: "atlas-kinesis-bridge",
      app: "atlas-kinesis-bridge",
      lastHeartbeatAt: new Date(1763771160000),
      receivedAt: new Date(1763771101456),
      lagMs: 1763771101456 - 1763771160000,
      outboxDepth: 0,
    });
    expect(deps.logger.lines.at(-1)).toMatchObject({ heartbeats: 1 });
  });

  it("applies snapshot reads, which never override a later change", async () => {
    const deps = makeFirehoseDeps();
    const read = {
      operationType: "read",
      wallTime: new Date(1763771101000 + 60_000),
      ns: insert.ns,
      documentKey: insert.documentKey,
      fullDocument: { ...insert.fullDocument, node: "from-snapshot" },
    } as ChangeEvent;
    await receiveFirehoseDelivery(delivery([replace]), deps);
    await receiveFirehoseDelivery(delivery([read]), deps);
    expect((await stored(deps))[0].node).toBe("pi-replaced");
    const fresh = makeFirehoseDeps();
    await receiveFirehoseDelivery(delivery([read]), fresh);
    await receiveFirehoseDelivery(delivery([replace]), fresh);
    expect((await stored(fresh))[0].node).toBe("pi-replaced");
  });
});

describe("delete positions an older version recorded under another key (legacy-id-key.ts)", () => {
  // The row ids as versions before 2026-12-07 wrote them: an _id's canonical Extended JSON, or an
  // Int64's digits (CHANGELOG.md, "`_id` keys changed their text").
  it.each([
    { name: "a Decimal128", id: Decimal128.fromString("42"), legacy: 'j:{"v":{"$numberDecimal":"42"}}' },
    { name: "an Int64 of 2^62", id: Long.fromString("4611686018427387904"), legacy: "n:4611686018427387904" },
    { name: "a date", id: new Date(1700000000000), legacy: 'j:{"v":{"$date":{"$numberLong":"1700000000000"}}}' },
    { name: "a document", id: { region: "eu", n: 1 }, legacy: 'j:{"v":{"region":"eu","n":{"$numberInt":"1"}}}' },
  ])(
    "$name: a newer delete recorded before the upgrade still removes an older insert; an older one does not",
    async ({ id, legacy }) => {
      const older = { ...insert, documentKey: { _id: id }, fullDocument: { ...insert.fullDocument, _id: id } };
      for (const [deletedAt, expected] of [
        [position(1763771103, 1, token(del)), 0],
        [position(1763771099, 1, token(del)), 1],
      ] as const) {
        const deps = makeFirehoseDeps();
        await deps.store
          .db("monitors")
          .collection("firehose_deletes")
          .insertOne({
            _id: `monitors.firehose|${legacy}`,
            pos: deletedAt,
            ns: "monitors.firehose",
            id,
            deletedAt: new Date(1),
          });
        expect((await receiveFirehoseDelivery(delivery([older]), deps)).status).toBe(200);
        expect((await stored(deps)).length).toBe(expected);
      }
    },
  );

  it.each([
    { name: "a string", id: "r-1" },
    { name: "an ObjectId", id: new ObjectId("6565a1f0c2b4a1d2e3f40516") },
    { name: "an Int32", id: new Int32(7) },
    { name: "an Int64 below 2^53", id: Long.fromNumber(7) },
  ])("$name: its key never changed, so only today's row is read", ({ id }) => {
    expect(legacyIdKey(id, nodeBson)).toBeUndefined();
  });
});
