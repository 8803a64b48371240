import { EJSON } from "bson";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../../src/core/ejson/parse-extended-json";
import { legacyChange } from "../../../../src/core/firehose/formats/legacy-change";
import {
  CHANGE_EVENT_FIELDS,
  hasChangeEventMarks,
  mongodbChangeEvent,
} from "../../../../src/core/firehose/formats/mongodb-change-event";
import { plainDocument } from "../../../../src/core/firehose/formats/plain-document";
import { reconcileClosing } from "../../../../src/core/firehose/formats/reconcile-closing";
import type { Recognition, RecordFormat } from "../../../../src/core/firehose/formats/record-format";
import { RECORD_FORMATS, recogniseRecord } from "../../../../src/core/firehose/formats/record-formats";
import type { Document } from "../../../../src/core/ports";
import { MONGODB_OUTPUT_FORMATS, readChangeEventFixture } from "../../../helpers/change-events";
import { readFixture, type FirehoseFixture } from "../../../helpers/fixtures";

/** The heartbeat collection, as the default settings name it. */
const STREAM = { heartbeatSource: "streamkap.streamkap_heartbeat" };

const parse = (record: unknown) => parseExtendedJson(JSON.stringify(record), nodeBson) as Document;

/** The format that claims a record, and what it makes of it, for a table's expectation. */
function claim(record: Document, formats: readonly RecordFormat[] = RECORD_FORMATS): string {
  const format = formats.find((candidate) => candidate.recognise(record, nodeBson) !== undefined);
  const recognition = recogniseRecord(record, nodeBson, STREAM, formats);
  return `${format?.name}: ${outcome(recognition)}`;
}

function outcome(recognition: Recognition): string {
  if (recognition.kind === "refused") return `refused ${recognition.refusal.code}`;
  return recognition.kind;
}

const PLAIN = plainDocument.name;
const EVENT = mongodbChangeEvent.name;
const LEGACY = legacyChange.name;
const CLOSING = reconcileClosing.name;
const token = { _data: "8267A3D79F000000012B022C0100296E5A1004" };
const clusterTime = { $timestamp: { t: 1738790815, i: 1 } };
const legacyDelete = (extra: Document) => ({
  kind: "atlas-kinesis-bridge/change@1",
  operationType: "delete",
  ns: { db: "app", coll: "orders" },
  documentKey: { _id: "o-1" },
  clusterTime,
  ...extra,
});

const heartbeatNs = { db: "streamkap", coll: "streamkap_heartbeat" };
const heartbeat = {
  operationType: "update",
  ns: heartbeatNs,
  documentKey: { _id: "app-1" },
  clusterTime,
  fullDocument: { _id: "app-1", app: "app-1", at: { $date: "2025-02-05T21:26:55.101Z" }, outboxDepth: 0 },
};
const closingRecord = (reconcile: Document, ns: Document = { db: "app", coll: "orders" }) => ({
  operationType: "reconcile",
  clusterTime,
  wallTime: { $date: "2025-02-05T21:26:55.101Z" },
  ns,
  _akb: { reconcile },
});

describe("the registry of record formats", () => {
  it("tries the reconcile closing, the legacy change record, then MongoDB's change event, then the plain document", () => {
    expect(RECORD_FORMATS.map((format) => format.name)).toEqual([CLOSING, LEGACY, EVENT, PLAIN]);
  });

  it.each([
    { name: "a document", record: { _id: 1, v: 2 }, claimed: `${PLAIN}: document` },
    { name: "a document without _id", record: { v: 2 }, claimed: `${PLAIN}: document` },
    { name: "one mark: operationType", record: { _id: 1, operationType: "deposit" }, claimed: `${PLAIN}: document` },
    { name: "one mark: ns", record: { _id: 1, ns: "app.orders", op: "i" }, claimed: `${PLAIN}: document` },
    { name: "one mark: a resume token as _id", record: { _id: token, v: 1 }, claimed: `${PLAIN}: document` },
    {
      name: "two marks: operationType and ns",
      record: { operationType: "insert", ns: { db: "a", coll: "b" } },
      claimed: `${EVENT}: refused change_no_document_key`,
    },
    {
      name: "a resume token, documentKey and clusterTime, no operationType",
      record: { _id: token, documentKey: { _id: 1 }, clusterTime },
      claimed: `${EVENT}: refused change_no_operation`,
    },
    {
      name: "a valid operationType with ns mistyped",
      record: { _id: token, operationType: "insert", ns: "a.b", documentKey: { _id: 1 }, clusterTime },
      claimed: `${EVENT}: refused change_invalid_namespace`,
    },
    {
      name: "an insert without ns (routing decides)",
      record: { _id: token, operationType: "insert", documentKey: { _id: 1 }, clusterTime, fullDocument: { _id: 1 } },
      claimed: `${EVENT}: change`,
    },
    {
      name: "a closing record without a reconcile id",
      record: closingRecord({ snapshot: "s-1" }),
      claimed: `${CLOSING}: refused reconcile_invalid`,
    },
    {
      name: "a closing record",
      record: closingRecord({ id: "rc1", part: 0, parts: 1, sent: 2, ranges: [[0, 2]] }),
      claimed: `${CLOSING}: closing`,
    },
    {
      name: "a closing record of the heartbeat collection",
      record: closingRecord({ id: "rc1", part: 0, parts: 1, sent: 0 }, heartbeatNs),
      claimed: `${CLOSING}: refused reconcile_invalid`,
    },
    {
      name: "operationType reconcile without the producer's field (no closing)",
      record: { operationType: "reconcile", clusterTime, ns: { db: "app", coll: "orders" } },
      claimed: `${EVENT}: refused change_unknown_operation`,
    },
    {
      name: "a change of the heartbeat collection",
      record: { ...heartbeat, _id: token },
      claimed: `${EVENT}: heartbeat`,
    },
    {
      name: "a legacy change record of the heartbeat collection",
      record: { ...heartbeat, kind: "atlas-kinesis-bridge/change@1" },
      claimed: `${LEGACY}: heartbeat`,
    },
    {
      name: "a change of a collection named like the heartbeat's database",
      record: { ...heartbeat, _id: token, ns: { db: "streamkap", coll: "streamkap_heartbeats" } },
      claimed: `${EVENT}: change`,
    },
    { name: "a legacy change record", record: legacyDelete({}), claimed: `${LEGACY}: change` },
    {
      name: "a legacy change record with a malformed resume token",
      record: legacyDelete({ resumeToken: "82FF" }),
      claimed: `${LEGACY}: refused change_invalid_resume_token`,
    },
  ])("$name -> $claimed", ({ record, claimed }) => {
    expect(claim(parse(record))).toBe(claimed);
  });

  const mongodbEvents = MONGODB_OUTPUT_FORMATS.flatMap((format) =>
    readChangeEventFixture(format).records.map((record, index) => ({ format, index, record })),
  );
  it.each(mongodbEvents)("$format event $index is a change to apply", ({ record }) => {
    expect(claim(parse(record))).toBe(`${EVENT}: change`);
  });

  const fixtureDir = join(import.meta.dirname, "..", "..", "..", "fixtures", "change-events");
  const ours = readdirSync(fixtureDir).filter((file) => file.endsWith(".json"));
  it.each(ours)("our publisher's %s is a change to apply (a heartbeat's, the heartbeat)", (file) => {
    const record = EJSON.parse(JSON.stringify(readFixture(`change-events/${file}`)), { relaxed: false }) as Document;
    expect(claim(record)).toBe(`${EVENT}: ${file === "heartbeat.json" ? "heartbeat" : "change"}`);
  });

  const plainRecords = readFixture<FirehoseFixture>("firehose/plain-json-records.json").body.records.map(
    (record) => JSON.parse(Buffer.from(record.data as string, "base64").toString("utf8")) as Document,
  );
  it.each(plainRecords.map((record, index) => ({ index, record })))(
    "plain fixture record $index is a document",
    ({ record }) => {
      expect(claim(parse(record))).toBe(`${PLAIN}: document`);
    },
  );

  it("takes a new format as one module placed in the list before those that would claim its records", () => {
    const closing: RecordFormat = {
      name: "snapshot closing record",
      recognise: (record) =>
        record.operationType === "reconcile" ? { kind: "document", document: { _id: "closed" } } : undefined,
    };
    const record = parse({ operationType: "reconcile", clusterTime, ns: { db: "app", coll: "orders" } });
    expect(claim(record)).toBe(`${EVENT}: refused change_unknown_operation`);
    expect(claim(record, [legacyChange, closing, mongodbChangeEvent, plainDocument])).toBe(
      "snapshot closing record: document",
    );
  });
});

describe("the marks of a change event", () => {
  const marks = [...CHANGE_EVENT_FIELDS, "a resume token as _id"];
  const withMarks = (...names: string[]): Document => {
    const record: Document = { _id: 1, v: 1 };
    for (const name of names) {
      if (name === "a resume token as _id") record._id = token;
      else record[name] = name === "ns" ? "app.orders" : null;
    }
    return record;
  };

  it.each(marks)("%s alone leaves a plain document", (name) => {
    expect(hasChangeEventMarks(withMarks(name))).toBe(false);
  });

  const pairs = marks.flatMap((first, i) => marks.slice(i + 1).map((second) => [first, second]));
  it.each(pairs)("%s with %s make a change event", (first, second) => {
    expect(hasChangeEventMarks(withMarks(first, second))).toBe(true);
  });
});

describe("plain documents: which _id can be stored", () => {
  it.each([
    { name: "a string", id: "a" },
    { name: "a number", id: 7 },
    { name: "an ObjectId", id: { $oid: "6565a1f0c2b4a1d2e3f40516" } },
    { name: "an Int64 beyond 2^53", id: { $numberLong: "1217532254631850005" } },
    { name: "a document", id: { region: "eu", n: 1 } },
    { name: "null", id: null },
  ])("$name is stored", ({ id }) => {
    expect(claim(parse({ _id: id, v: 1 }))).toBe(`${PLAIN}: document`);
  });

  it.each([
    { name: "an array", id: [1, 2] },
    { name: "a regular expression", id: { $regularExpression: { pattern: "a", options: "" } } },
    { name: "a document with an operator", id: { $gt: 1 } },
  ])("$name is refused (invalid_id)", ({ id }) => {
    const recognition = recogniseRecord(parse({ _id: id, v: 1 }), nodeBson, STREAM);
    expect(recognition).toEqual({
      kind: "refused",
      refusal: { kind: "refused", code: "invalid_id", message: expect.any(String) },
    });
  });
});
