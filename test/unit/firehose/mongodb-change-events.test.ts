import { describe, expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../../src/core/firehose/receive-delivery";
import type { Document } from "../../../src/core/ports";
import {
  expectedMirror as expected,
  MONGODB_OUTPUT_FORMATS,
  mirrorContents as mirror,
  readChangeEventFixture as fixture,
} from "../../helpers/change-events";
import { makeFirehoseDeps } from "../../helpers/firehose";
import { readFixture } from "../../helpers/fixtures";
import { firehoseRequest } from "../../helpers/mirror-model";
import { deadLettersIn } from "../../helpers/dead-letters";

const formats = MONGODB_OUTPUT_FORMATS.map(fixture);
const texts = (records: Document[]) => records.map((record) => JSON.stringify(record));

let requests = 0;
const deliver = (deps: ReturnType<typeof makeFirehoseDeps>, records: string[]) =>
  receiveFirehoseDelivery(firehoseRequest(`q-${++requests}`, records), deps);

describe("MongoDB change events from any producer", () => {
  it.each(formats)("$outputFormat, in one delivery: the mirror holds exactly the live documents", async (format) => {
    const deps = makeFirehoseDeps();
    expect((await deliver(deps, texts(format.records))).status).toBe(200);
    expect(await mirror(deps)).toEqual(expected(format));
    const line = deps.logger.lines.at(-1)!;
    expect(line).toMatchObject({
      deadLettered: 0,
      basicJson: format.outputFormat === "basicJson" ? format.records.length : 0,
    });
  });

  it.each(formats)("$outputFormat, one record per delivery in order: the same mirror", async (format) => {
    const deps = makeFirehoseDeps();
    for (const record of texts(format.records)) expect((await deliver(deps, [record])).status).toBe(200);
    expect(await mirror(deps)).toEqual(expected(format));
  });

  it.each(formats)(
    "$outputFormat, full-document events reversed, repeated and all at once: the same mirror",
    async (format) => {
      const deps = makeFirehoseDeps();
      // The update without fullDocument (a delta) is exact only in order; its effect is re-sent in full here.
      const records = texts(
        format.records.filter((record) => record.fullDocument !== undefined || record.operationType === "delete"),
      );
      const last = format.records[3] as Document;
      const lastFull = { ...last, fullDocument: format.expectedMirror[0] };
      const all = records.concat(JSON.stringify(lastFull)).reverse();
      const responses = await Promise.all([...all, ...all].map((record) => deliver(deps, [record])));
      expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
      expect(await mirror(deps)).toEqual(expected(format));
    },
  );

  it("one change sent with its full document and again without it: the full write stays", async () => {
    const format = formats[0];
    const { fullDocument: _full, ...withoutDocument } = format.records[2];
    const records = texts(format.records);
    records.splice(3, 0, JSON.stringify(withoutDocument));
    const deps = makeFirehoseDeps();
    expect((await deliver(deps, records)).status).toBe(200);
    expect(await deadLettersIn(deps.store).count()).toBe(0);
    expect(await mirror(deps)).toEqual(expected(format));
  });

  it("basicJson keeps what its producer kept: a string _id and numbers for dates", async () => {
    const deps = makeFirehoseDeps();
    await deliver(deps, texts(fixture("basicJson").records));
    const [document] = await deps.store.db("monitors").collection("firehose").find({}).toArray();
    expect(document._id).toBe("5553a99ae4b02cf715120e4a");
    expect(document.ts).toBe(1738790700000);
  });

  const unappliable = readFixture<{ records: { reasonCode: string; record: Document }[] }>(
    "change-events/mongodb/unappliable.json",
  );
  it.each(unappliable.records)(
    "dead-letters a change event it cannot apply, with reason code $reasonCode, and accepts the batch",
    async ({ reasonCode, record }) => {
      const deps = makeFirehoseDeps();
      const response = await deliver(deps, [JSON.stringify(record), JSON.stringify({ _id: "plain", v: 1 })]);
      expect(response.status).toBe(200);
      const letters = await deadLettersIn(deps.store).list();
      expect(letters).toEqual([
        expect.objectContaining({ index: 0, reasonCode, reason: expect.any(String), data: expect.any(String) }),
      ]);
      expect(await mirror(deps)).toEqual([{ _id: "plain", v: { $numberInt: "1" } }]);
    },
  );

  it("still accepts the envelopes our publisher wrote before it spoke MongoDB's format", async () => {
    const deps = makeFirehoseDeps();
    const legacy = (operationType: string, t: number, extra: Document) =>
      JSON.stringify({
        kind: "atlas-kinesis-bridge/change@1",
        operationType,
        ns: { db: "app", coll: "orders" },
        documentKey: { _id: "o-1" },
        clusterTime: { $timestamp: { t, i: 1 } },
        wallTime: { $date: { $numberLong: String(t * 1000) } },
        resumeToken: { _data: `82${t.toString(16).toUpperCase()}0000000104` },
        ...extra,
      });
    await deliver(deps, [
      legacy("replace", 1763771102, { fullDocument: { _id: "o-1", qty: 2 } }),
      legacy("insert", 1763771101, { fullDocument: { _id: "o-1", qty: 1 } }),
    ]);
    expect(await mirror(deps)).toEqual([{ _id: "o-1", qty: { $numberInt: "2" } }]);
    await deliver(deps, [legacy("delete", 1763771103, {})]);
    expect(await mirror(deps)).toEqual([]);
  });
});

describe("targets of unmapped change events (FIREHOSE_UNMAPPED_TARGET)", () => {
  const insert = (db: string, coll: string) =>
    JSON.stringify({
      _id: { _data: "8269210000000000012B" },
      operationType: "insert",
      clusterTime: { $timestamp: { t: 1763770368, i: 1 } },
      ns: { db, coll },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, a: "x" },
    });

  it.each([
    { name: "the default target when unset", values: {}, source: ["app", "orders"], target: ["monitors", "firehose"] },
    {
      name: "a template into the same names (a separate cluster)",
      values: { FIREHOSE_UNMAPPED_TARGET: "{db}.{coll}" },
      source: ["app", "orders"],
      target: ["app", "orders"],
    },
    {
      name: "a prefixed database",
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror_{db}.{coll}" },
      source: ["app", "orders"],
      target: ["mirror_app", "orders"],
    },
    {
      name: "a collection name with dots kept whole",
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror.{db}_{coll}" },
      source: ["app", "orders.archive"],
      target: ["mirror", "app_orders.archive"],
    },
    {
      name: "the map before the template",
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror_{db}.{coll}", FIREHOSE_NAMESPACE_MAP: '{"app.orders":"replica.o"}' },
      source: ["app", "orders"],
      target: ["replica", "o"],
    },
  ])("$name", async ({ values, source, target }) => {
    const deps = makeFirehoseDeps({ values });
    expect((await deliver(deps, [insert(source[0], source[1])])).status).toBe(200);
    expect(await mirror(deps, target[0], target[1])).toEqual([{ _id: { $numberInt: "1" }, a: "x" }]);
  });

  it.each([
    {
      name: "a target that is captured",
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror_{db}.{coll}", CAPTURED_NAMESPACES: '["mirror_app.orders"]' },
      coll: "orders",
      code: "target_captured",
    },
    {
      name: "a target that is not a valid name",
      values: { FIREHOSE_UNMAPPED_TARGET: "{coll}.copy" },
      coll: "a/b",
      code: "target_invalid",
    },
  ])("dead-letters an event whose template target is $name", async ({ values, coll, code }) => {
    const deps = makeFirehoseDeps({ values });
    expect((await deliver(deps, [insert("app", coll)])).status).toBe(200);
    const letters = await deadLettersIn(deps.store).list();
    expect(letters.map((letter) => letter.reasonCode)).toEqual([code]);
  });

  describe("an event without ns", () => {
    const withoutNamespace = () => {
      const { ns: _ns, ...event } = JSON.parse(insert("app", "orders")) as Record<string, unknown>;
      return JSON.stringify(event);
    };

    it("goes to the default target when every namespace goes there", async () => {
      const deps = makeFirehoseDeps();
      expect((await deliver(deps, [withoutNamespace()])).status).toBe(200);
      expect(await mirror(deps)).toEqual([{ _id: { $numberInt: "1" }, a: "x" }]);
    });

    it.each([
      { name: "a namespace map", values: { FIREHOSE_NAMESPACE_MAP: '{"app.orders":"replica.o"}' } },
      { name: "a template", values: { FIREHOSE_UNMAPPED_TARGET: "mirror_{db}.{coll}" } },
    ])("is dead-lettered (change_no_namespace) when $name decides targets", async ({ values }) => {
      const deps = makeFirehoseDeps({ values });
      expect((await deliver(deps, [withoutNamespace()])).status).toBe(200);
      const letters = await deadLettersIn(deps.store).list();
      expect(letters.map((letter) => letter.reasonCode)).toEqual(["change_no_namespace"]);
      expect(await mirror(deps)).toEqual([]);
    });
  });

  it.each([
    {
      name: "a template that sends a collection of a whole captured database into it",
      values: { FIREHOSE_UNMAPPED_TARGET: "{db}.{coll}", CAPTURED_NAMESPACES: '["app.*"]' },
      error: /writes into app.any_collection, a captured collection/,
    },
    {
      name: "a template that sends a captured collection into itself",
      values: { FIREHOSE_UNMAPPED_TARGET: "{db}.{coll}", CAPTURED_NAMESPACES: '["app.orders"]' },
      error: /FIREHOSE_UNMAPPED_TARGET "\{db\}.\{coll\}" for app.orders writes into app.orders, a captured collection/,
    },
    {
      name: "a template without placeholders",
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror.all" },
      error: /must be "default" or a "database.collection" template/,
    },
    {
      name: "a template without a dot",
      values: { FIREHOSE_UNMAPPED_TARGET: "{db}" },
      error: /must be "default" or a "database.collection" template/,
    },
    {
      name: "a template that makes invalid names",
      values: { FIREHOSE_UNMAPPED_TARGET: "a$b_{db}.{coll}" },
      error: /does not make valid names/,
    },
  ])("refuses $name at start-up", ({ values, error }) => {
    expect(() => makeFirehoseDeps({ values })).toThrow(error);
  });
});
