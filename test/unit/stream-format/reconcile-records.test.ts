import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../src/core/ejson/parse-extended-json";
import type { Document } from "../../../src/core/ports";
import {
  closingRecordDocument,
  isClosingRecord,
  readClosingRecord,
  readMarkOf,
} from "../../../src/core/stream-format/reconcile-records";

/**
 * The reconcile records as docs/record-format.md#reconcile-marks-and-closing-records writes them: what
 * the producer builds is what the webhook reads back, and a malformed one reads as nothing or as why.
 */
const parse = (record: unknown) => parseExtendedJson(JSON.stringify(record), nodeBson) as Document;
const ns = { db: "app", coll: "orders" };
const clusterTime = { $timestamp: { t: 1738790815, i: 1 } };

describe("a reconcile read's mark", () => {
  it.each([
    {
      name: "a marked read",
      record: { operationType: "read", ns, _akb: { reconcile: { id: "rc1", part: 1, seq: 7 } } },
      mark: { id: "rc1", ns: "app.orders", part: 1, seq: 7 },
    },
    {
      name: "an Int64 sequence number",
      record: { operationType: "read", ns, _akb: { reconcile: { id: "rc1", part: 0, seq: { $numberLong: "7" } } } },
      mark: { id: "rc1", ns: "app.orders", part: 0, seq: 7 },
    },
    {
      name: "a plain snapshot's read",
      record: { operationType: "read", ns, _akb: { degraded: ["fullDocument"] } },
      mark: undefined,
    },
    {
      name: "a change that is no read",
      record: { operationType: "insert", ns, _akb: { reconcile: { id: "rc1", part: 0, seq: 1 } } },
      mark: undefined,
    },
    {
      name: "a negative part",
      record: { operationType: "read", ns, _akb: { reconcile: { id: "rc1", part: -1, seq: 1 } } },
      mark: undefined,
    },
    {
      name: "an empty id",
      record: { operationType: "read", ns, _akb: { reconcile: { id: "", part: 0, seq: 1 } } },
      mark: undefined,
    },
    {
      name: "no namespace",
      record: { operationType: "read", _akb: { reconcile: { id: "rc1", part: 0, seq: 1 } } },
      mark: undefined,
    },
  ])("$name", ({ record, mark }) => {
    expect(readMarkOf(parse(record), nodeBson)).toEqual(mark);
  });
});

describe("a closing record", () => {
  it("reads back as the producer built it", () => {
    const fields = { id: "rc1", part: 0, parts: 2, sent: 5, ranges: [[0, 3] as const, [4, 6] as const] };
    // The read position as the producer's canonical Extended JSON carries it (a Timestamp once parsed).
    const built = parse(closingRecordDocument(fields, ns, clusterTime, new Date(0)));
    expect(isClosingRecord(built)).toBe(true);
    expect(readClosingRecord(built, nodeBson)).toMatchObject({
      ...fields,
      ranges: [
        [0, 3],
        [4, 6],
      ],
      ns: "app.orders",
    });
  });

  it.each([
    { name: "no producer's field", record: { operationType: "reconcile", ns, clusterTime }, closing: false },
    {
      name: "ns as a string",
      record: { operationType: "reconcile", ns: "app.orders", clusterTime, _akb: {} },
      closing: false,
    },
    {
      name: "another operation",
      record: { operationType: "read", ns, clusterTime, _akb: { reconcile: {} } },
      closing: false,
    },
    {
      name: "the producer's field and ns",
      record: { operationType: "reconcile", ns, clusterTime, _akb: {} },
      closing: true,
    },
  ])("$name: a closing record is $closing", ({ record, closing }) => {
    expect(isClosingRecord(parse(record))).toBe(closing);
  });

  it.each([
    { name: "no reconcile fields", reconcile: undefined, invalid: "no _akb.reconcile" },
    {
      name: "no parts",
      reconcile: { id: "rc1", part: 0, sent: 0 },
      invalid: "parts must be a whole number of at least 1",
    },
    {
      name: "a part beyond parts",
      reconcile: { id: "rc1", part: 2, parts: 2, sent: 0 },
      invalid: "part must be a whole number below parts",
    },
    {
      name: "sent unlike its ranges",
      reconcile: { id: "rc1", part: 0, parts: 1, sent: 3, ranges: [[0, 2]] },
      invalid: "sent must equal the numbers its ranges hold",
    },
    {
      name: "ranges out of order",
      reconcile: {
        id: "rc1",
        part: 0,
        parts: 1,
        sent: 2,
        ranges: [
          [2, 3],
          [0, 1],
        ],
      },
      invalid: "ranges must be ascending [from, to] pairs of whole numbers",
    },
  ])("$name: invalid, saying why", ({ reconcile, invalid }) => {
    const record = parse({
      operationType: "reconcile",
      ns,
      clusterTime,
      _akb: reconcile === undefined ? {} : { reconcile },
    });
    expect(readClosingRecord(record, nodeBson)).toEqual({ invalid });
  });
});
