import { Double, EJSON, Long } from "bson";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { describe, expect, it } from "vitest";
import { applyHandedRecords, applyRecordsInProcess } from "../../../src/core/firehose/apply/apply-records";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../../src/core/firehose/receive-delivery";
import {
  applyRecordsByCall,
  readRecordsHandoff,
  type RecordsHandoff,
} from "../../../src/core/firehose/records-handoff";
import { isBridgeError } from "../../../src/core/errors";
import { EmbeddedStore } from "../../../src/embedded/store";
import { readFixture, type FirehoseFixture } from "../../helpers/fixtures";
import { canonicalContents, deliveryFromFixture, makeFirehoseDeps } from "../../helpers/firehose";
import { firehoseRequest } from "../../helpers/mirror-model";
import { deadLettersIn } from "../../helpers/dead-letters";

/*
 * The apply step handed to another function (src/core/firehose/records-handoff.ts): the core's one
 * way through a delivery, with each chunk crossing to applyHandedRecords as plain data and back.
 */

type Deps = ReturnType<typeof makeFirehoseDeps>;

/** Deps whose apply step calls applyHandedRecords through `cross` (each way), as App Services would. */
function handedOn(cross: (value: unknown) => unknown = (value) => value): Deps & { calls: RecordsHandoff[] } {
  const deps = makeFirehoseDeps();
  const calls: RecordsHandoff[] = [];
  const call = async (handoff: RecordsHandoff) => {
    calls.push(handoff);
    return cross(await applyHandedRecords([cross(handoff)], deps));
  };
  return { ...deps, applyRecords: applyRecordsByCall(call), calls };
}

const canonical = (value: unknown) => EJSON.parse(EJSON.stringify(value, { relaxed: false }), { relaxed: false });

/** 700 records in three chunks: documents repeated across chunks, changes and deletes, bad records. */
function manyRecords(): string[] {
  return Array.from({ length: 700 }, (_, i) => {
    if (i % 97 === 5) return "{not json";
    if (i % 3 !== 0) return JSON.stringify({ _id: `p${i % 250}`, i, n: { $numberLong: String(i) } });
    return JSON.stringify({
      _id: { _data: `82${(1763771000 + i).toString(16).toUpperCase()}000000012B042C0100296E5A1004` },
      operationType: i % 9 === 0 ? "delete" : "replace",
      clusterTime: { $timestamp: { t: 1763771000 + i, i: 1 } },
      ns: { db: "app", coll: "orders" },
      documentKey: { _id: `c${i % 120}` },
      ...(i % 9 === 0 ? {} : { fullDocument: { _id: `c${i % 120}`, i, d: { $numberDecimal: "1.50" } } }),
    });
  });
}

async function outcome(deps: Deps, requests: ReturnType<typeof firehoseRequest>[]) {
  const statuses = [];
  for (const request of requests) statuses.push((await receiveFirehoseDelivery(request, deps)).status);
  return {
    statuses,
    lines: deps.logger.lines.map(({ durationMs: _duration, ...line }) => line),
    mirror: await canonicalContents(deps.store, "monitors", "firehose"),
    deletes: await canonicalContents(deps.store, "monitors", "firehose_deletes"),
    letters: (await deadLettersIn(deps.store).list()).map(({ receivedAt: _at, ...letter }) => letter),
  };
}

const requests = () => [
  ...["single-record", "some-invalid-records", "duplicate-ids-last-wins", "records-without-id"].map((name) =>
    deliveryFromFixture(readFixture<FirehoseFixture>(`firehose/${name}.json`)),
  ),
  firehoseRequest("many", manyRecords()),
];

describe("the apply step handed to applyHandedRecords", () => {
  it.each([
    { name: "as they are (the local runtime, the Node 10 harness)", cross: undefined },
    { name: "through canonical Extended JSON both ways", cross: canonical },
  ])(
    "values crossing $name: the same answers, log lines, documents and dead letters as in process",
    async ({ cross }) => {
      const handed = handedOn(cross);
      const inProcess = makeFirehoseDeps();
      expect(await outcome(handed, requests())).toEqual(await outcome(inProcess, requests()));
      // One call per chunk: 250 records at most, documents only (empty and refused records stay behind).
      expect(handed.calls.filter((call) => call.requestId === "many").map((call) => call.records.length)).toEqual([
        247, 247, 198,
      ]);
    },
  );

  it("values crossing through relaxed Extended JSON (which makes numbers of Int64s and whole Doubles): refused, 503, nothing stored altered", async () => {
    const relaxed = (value: unknown) => EJSON.parse(EJSON.stringify(value, { relaxed: true }), { relaxed: true });
    const handed = handedOn(relaxed);
    const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
    const response = await receiveFirehoseDelivery(deliveryFromFixture(fixture), handed);
    expect(response.status).toBe(503);
    expect(handed.logger.lines).toEqual([
      expect.objectContaining({
        code: "store_failed",
        error: expect.stringContaining("probes did not arrive as a BSON Double and a BSON Long"),
      }),
    ]);
    expect(await canonicalContents(handed.store, "monitors", "firehose")).toEqual([]);
  });

  it("hands on only what planning reads of a record", async () => {
    const handed = handedOn();
    await receiveFirehoseDelivery(
      deliveryFromFixture(readFixture<FirehoseFixture>("firehose/single-record.json")),
      handed,
    );
    expect(Object.keys(handed.calls[0].records[0]).sort()).toEqual(["bytes", "depth", "document", "index"]);
  });

  const wellFormed = {
    stored: 0,
    stale: 0,
    superseded: 0,
    heartbeats: 0,
    basicJson: 0,
    refused: [],
    reconcile: { marks: [], closings: [], touched: [], accepted: 0 },
  };
  it.each([
    {
      name: "a rejected call",
      call: () => Promise.reject(new Error("down")),
      message: "applying the records failed; retry the batch",
    },
    {
      name: "undefined",
      call: async () => undefined,
      message: "applying the records gave no outcome (a undefined instead of an object); retry the batch",
    },
    {
      name: "a negative count",
      call: async () => ({ ...wellFormed, stale: -1 }),
      message: "applying the records gave no outcome (stale is not a count); retry the batch",
    },
    {
      name: "a reason code that does not exist",
      call: async () => ({ ...wellFormed, refused: [{ index: 0, code: "bad_day", message: "x" }] }),
      message:
        "applying the records gave no outcome (refused is not a list of handed records and their reasons); retry the batch",
    },
    {
      name: "no reconcile notes",
      call: async () => ({ ...wellFormed, reconcile: undefined }),
      message: "applying the records gave no outcome (reconcile is not a chunk's reconcile notes); retry the batch",
    },
  ])(
    "$name fails the delivery as a failed write does: 503, store_failed, nothing dead-lettered",
    async ({ call, message }) => {
      const deps: FirehoseDeliveryDeps & Deps = { ...makeFirehoseDeps(), applyRecords: applyRecordsByCall(call) };
      const fixture = readFixture<FirehoseFixture>("firehose/some-invalid-records.json");
      const response = await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps);
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body).errorMessage).toBe(message);
      expect(deps.logger.lines).toEqual([expect.objectContaining({ status: 503, code: "store_failed" })]);
      expect(await deadLettersIn(deps.store).count()).toBe(0);
    },
  );
});

describe("readRecordsHandoff (applyFirehoseRecords' arguments)", () => {
  const record = { index: 0, document: { _id: 1 }, depth: 1, bytes: 8 };
  const probes = { double: new Double(1), long: Long.fromNumber(1) };
  it.each([
    { name: "nothing", args: [], problem: "given 0 arguments" },
    { name: "null", args: [null], problem: "given null" },
    { name: "a list", args: [[record]], problem: "given an array" },
    { name: "a number as request id", args: [{ requestId: 7, records: [] }], problem: "requestId is not a string" },
    {
      name: "no probes",
      args: [{ requestId: "r", records: [record] }],
      problem:
        "probes did not arrive as a BSON Double and a BSON Long, so the documents' BSON types would not have either",
    },
    {
      name: "probes made numbers (relaxed Extended JSON)",
      args: [{ requestId: "r", records: [record], probes: { double: 1, long: 1 } }],
      problem:
        "probes did not arrive as a BSON Double and a BSON Long, so the documents' BSON types would not have either",
    },
    {
      name: "a record that is a string",
      args: [{ requestId: "r", records: ["x"], probes }],
      problem: "records[0] is not an object",
    },
    {
      name: "a negative index",
      args: [{ requestId: "r", records: [{ ...record, index: -1 }], probes }],
      problem: "records[0].index is not a whole number above the one before",
    },
    {
      name: "a repeated index",
      args: [{ requestId: "r", records: [record, record], probes }],
      problem: "records[1].index is not a whole number above the one before",
    },
    {
      name: "no document",
      args: [{ requestId: "r", records: [{ ...record, document: null }], probes }],
      problem: "records[0].document is not a document",
    },
    {
      name: "a fractional size",
      args: [{ requestId: "r", records: [{ ...record, bytes: 1.5 }], probes }],
      problem: "records[0].depth or .bytes is not a whole number",
    },
  ])("refuses $name, naming what it takes", ({ args, problem }) => {
    let thrown: unknown;
    try {
      readRecordsHandoff(args, nodeBson);
    } catch (error) {
      thrown = error;
    }
    expect(isBridgeError(thrown) && { kind: thrown.kind, code: thrown.code, message: thrown.message }).toEqual({
      kind: "refused",
      code: "records_handoff_invalid",
      message: `applyFirehoseRecords takes one argument, {requestId, records: [{index, document, depth, bytes}], probes}: a chunk of a delivery's decoded records, as receiveFirehoseDelivery hands it on; ${problem}`,
    });
  });

  it("takes a handoff, as it is or through canonical Extended JSON (its numbers then BSON Int32s)", () => {
    const handoff = { requestId: "r", records: [record], probes };
    expect(readRecordsHandoff([handoff], nodeBson)).toEqual(handoff);
    const crossed = canonical(handoff) as typeof handoff;
    expect(crossed.records[0].index).toEqual(expect.objectContaining({ _bsontype: "Int32" }));
    expect(readRecordsHandoff([crossed], nodeBson)).toEqual({
      ...handoff,
      records: [{ ...record, document: crossed.records[0].document }],
    });
  });

  it("writes nothing when it refuses", async () => {
    const store = new EmbeddedStore();
    const deps = { ...makeFirehoseDeps({ dataSource: store }), applyRecords: applyRecordsInProcess };
    await expect(
      applyHandedRecords([{ requestId: "r", records: [{ ...record, index: "0" }], probes }], deps),
    ).rejects.toThrow(/records\[0\]\.index/);
    expect(store.db("monitors").collectionNames()).toEqual([]);
  });
});
