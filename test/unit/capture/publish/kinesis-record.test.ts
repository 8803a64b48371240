import { EJSON, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../../../src/core/capture/config";
import { buildKinesisRecord, RecordTooLargeError } from "../../../../src/core/capture/publish/kinesis-record";
import { partitionKeyFor } from "../../../../src/core/capture/publish/partition-key";
import { readChangeEvent } from "../../../helpers/capture";

const config = (values: Record<string, unknown> = {}) => readCaptureConfig((name) => values[name]);
const canonical = (value: unknown) => JSON.parse(EJSON.stringify(value, { relaxed: false }));
const decode = (data: string) => JSON.parse(data) as Record<string, unknown>;

describe("buildKinesisRecord: envelope format", () => {
  it.each(["insert", "update", "replace", "delete", "heartbeat"])(
    "%s: is MongoDB's change event, every field lossless",
    (name) => {
      const event = readChangeEvent(name);
      const record = buildKinesisRecord(event, config(), nodeBson);
      const envelope = decode(record.data);
      const expected: Record<string, unknown> = {
        _id: event._id,
        operationType: event.operationType,
        clusterTime: event.clusterTime,
        wallTime: event.wallTime,
        ns: event.ns,
        documentKey: event.documentKey,
      };
      if (event.fullDocument) expected.fullDocument = event.fullDocument;
      if (event.updateDescription) expected.updateDescription = event.updateDescription;
      expect(envelope).toEqual(canonical(expected));
      // MongoDB's own field names, and nothing of ours when nothing was left out.
      expect(Object.keys(envelope).slice(0, 6)).toEqual([
        "_id",
        "operationType",
        "clusterTime",
        "wallTime",
        "ns",
        "documentKey",
      ]);
      // and it parses back to exactly the same BSON values
      const back = EJSON.parse(record.data, { relaxed: false }) as Record<string, unknown>;
      expect(EJSON.stringify(back.fullDocument ?? null, { relaxed: false })).toBe(
        EJSON.stringify(event.fullDocument ?? null, { relaxed: false }),
      );
      expect(record.degraded).toEqual([]);
      expect(record.bytes).toBe(Buffer.byteLength(record.data) + Buffer.byteLength(record.partitionKey));
    },
  );

  it("keys records by documentKey._id", () => {
    expect(buildKinesisRecord(readChangeEvent("insert"), config(), nodeBson).partitionKey).toBe(
      "6565a1f0c2b4a1d2e3f40516",
    );
    expect(buildKinesisRecord(readChangeEvent("heartbeat"), config(), nodeBson).partitionKey).toBe(
      "atlas-kinesis-bridge",
    );
  });
});

describe("buildKinesisRecord: document format", () => {
  it("sends the full document alone", () => {
    const event = readChangeEvent("insert");
    const record = buildKinesisRecord(event, config({ KINESIS_RECORD_FORMAT: "document" }), nodeBson);
    expect(decode(record.data)).toEqual(canonical(event.fullDocument));
  });

  it("sends a delete as its key with a deleted marker, never null", () => {
    const record = buildKinesisRecord(
      readChangeEvent("delete"),
      config({ KINESIS_RECORD_FORMAT: "document" }),
      nodeBson,
    );
    expect(decode(record.data)).toEqual({ _id: { $oid: "6565a1f0c2b4a1d2e3f40516" }, __deleted: true });
  });
});

describe("Streamkap encodings", () => {
  it.each([
    {
      name: "array_string turns arrays into JSON strings",
      values: { ARRAY_ENCODING: "array_string" },
      tags: JSON.stringify(["☃", { $numberInt: "7" }, { kind: "nested" }]),
      acceleration: { x: { $numberDouble: "0.01" }, y: { $numberDouble: "-0.02" }, z: { $numberDouble: "9.81" } },
    },
    {
      name: "string turns nested documents into JSON strings, Extended JSON values stay",
      values: { NESTED_DOCUMENT_ENCODING: "string" },
      tags: ["☃", { $numberInt: "7" }, JSON.stringify({ kind: "nested" })],
      acceleration: JSON.stringify({
        x: { $numberDouble: "0.01" },
        y: { $numberDouble: "-0.02" },
        z: { $numberDouble: "9.81" },
      }),
    },
  ])("$name", ({ values, tags, acceleration }) => {
    for (const format of ["envelope", "document"]) {
      const record = buildKinesisRecord(
        readChangeEvent("insert"),
        config({ ...values, KINESIS_RECORD_FORMAT: format }),
        nodeBson,
      );
      const parsed = decode(record.data);
      const document = (format === "envelope" ? parsed.fullDocument : parsed) as Record<string, unknown>;
      expect(document.tags).toEqual(tags);
      expect(document.acceleration).toEqual(acceleration);
      expect(document.recordedAt).toEqual({ $date: { $numberLong: "1763771100000" } });
      expect(document._id).toEqual({ $oid: "6565a1f0c2b4a1d2e3f40516" });
    }
  });
});

describe("size limit", () => {
  const big = (event: ReturnType<typeof readChangeEvent>, bytes: number) => ({
    ...event,
    fullDocument: { ...(event.fullDocument as object), blob: "x".repeat(bytes) },
    fullDocumentBeforeChange: { _id: event.documentKey?._id, blob: "y".repeat(bytes) },
  });

  it("drops updateDescription and the pre-image first", () => {
    const event = big(readChangeEvent("update"), 3000);
    const record = buildKinesisRecord(event, config({ KINESIS_MAX_RECORD_BYTES: 5000 }), nodeBson);
    const envelope = decode(record.data);
    expect(record.degraded).toEqual(["updateDescription", "fullDocumentBeforeChange"]);
    expect(envelope._akb).toEqual({ degraded: record.degraded });
    expect(envelope.updateDescription).toBeUndefined();
    expect((envelope.fullDocument as Record<string, unknown>).blob).toHaveLength(3000);
    expect(record.bytes).toBeLessThanOrEqual(5000);
  });

  it("then the full document, keeping the key and a marker", () => {
    const event = big(readChangeEvent("update"), 6000);
    const record = buildKinesisRecord(event, config({ KINESIS_MAX_RECORD_BYTES: 5000 }), nodeBson);
    const envelope = decode(record.data);
    expect(record.degraded).toEqual(["updateDescription", "fullDocumentBeforeChange", "fullDocument"]);
    expect(envelope.fullDocument).toBeUndefined();
    expect(envelope.documentKey).toEqual({ _id: { $oid: "6565a1f0c2b4a1d2e3f40516" } });
  });

  it("refuses (never truncates) when even the key alone is over the limit", () => {
    const event = { ...readChangeEvent("delete"), documentKey: { _id: "k".repeat(3000) } };
    expect(() => buildKinesisRecord(event, config({ KINESIS_MAX_RECORD_BYTES: 2048 }), nodeBson)).toThrow(
      RecordTooLargeError,
    );
  });
});

describe("partitionKeyFor", () => {
  it.each([
    ["a string", "order-17", "order-17"],
    ["an ObjectId", new ObjectId("6565a1f0c2b4a1d2e3f40516"), "6565a1f0c2b4a1d2e3f40516"],
    ["a number", 42, '{"_id":{"$numberInt":"42"}}'],
    ["a compound key", { region: "eu", n: 1 }, '{"_id":{"region":"eu","n":{"$numberInt":"1"}}}'],
  ])("%s", (_name, id, key) => {
    expect(partitionKeyFor(id, nodeBson)).toBe(key);
  });

  it("hashes keys over 256 characters and empty keys, deterministically", () => {
    const long = partitionKeyFor("é".repeat(300), nodeBson);
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(partitionKeyFor("é".repeat(300), nodeBson)).toBe(long);
    expect(partitionKeyFor("", nodeBson)).toMatch(/^sha256:/);
  });
});
