import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsedBody } from "../../../../src/core/firehose/protocol/parse-delivery-body";
import {
  readDelivery,
  readDeliveryWith,
  readParsedDelivery,
  readScannedDelivery,
  type Delivery,
} from "../../../../src/core/firehose/protocol/read-delivery";
import { scanDeliveryBody, scannedBody } from "../../../../src/core/firehose/protocol/scan-delivery-body";
import { decodeUtf8Run } from "../../../../src/adapters/node/decode-utf8-run";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const A = b64('{"_id":"a","t":"Zürich"}');
const B = b64('{"_id":"b"}');

/** Everything the core reads from a delivery, as plain data. */
function observe(delivery: Delivery) {
  const records = [];
  for (let index = 0; index < delivery.recordCount; index++) {
    const settled = delivery.settled(index);
    records.push(
      settled
        ? { settled }
        : {
            text: delivery.utf8Text(index),
            bytes: delivery.bytes(index).toString("hex"),
            raw: delivery.rawData(index),
          },
    );
  }
  return { requestId: delivery.requestId, records };
}

const scannerCases: { name: string; body: string; scanned: boolean }[] = [
  {
    name: "Firehose's compact form",
    body: `{"requestId":"r-1","timestamp":1763771100123,"records":[{"data":"${A}"},{"data":"${B}"}]}`,
    scanned: true,
  },
  { name: "no timestamp", body: `{"requestId":"r-1","records":[{"data":"${A}"}]}`, scanned: true },
  {
    name: "keys in another order",
    body: `{"records":[{"data":"${A}"}],"timestamp":1.5e3,"requestId":"r-1"}`,
    scanned: true,
  },
  {
    name: "JSON whitespace everywhere",
    body: ` {\n\t"requestId" : "r-1" ,\r\n "records" : [ { "data" : "${A}" } , {"data":""} ] } \n`,
    scanned: true,
  },
  { name: "no records", body: `{"requestId":"r-1","timestamp":0,"records":[]}`, scanned: true },
  {
    name: "negative timestamp with exponent",
    body: `{"requestId":"r-1","timestamp":-12.5E-2,"records":[]}`,
    scanned: true,
  },
  { name: "escape in the request id", body: `{"requestId":"r\\u002d1","records":[]}`, scanned: false },
  { name: "non-ASCII request id", body: `{"requestId":"r-é","records":[]}`, scanned: false },
  { name: "empty request id", body: `{"requestId":"","records":[]}`, scanned: false },
  { name: "another top-level key", body: `{"requestId":"r-1","records":[],"extra":1}`, scanned: false },
  { name: "a duplicate key", body: `{"requestId":"r-1","requestId":"r-2","records":[]}`, scanned: false },
  { name: "records missing", body: `{"requestId":"r-1"}`, scanned: false },
  { name: "a record with another key", body: `{"requestId":"r-1","records":[{"data":"${A}","x":1}]}`, scanned: false },
  { name: "a record without data", body: `{"requestId":"r-1","records":[{}]}`, scanned: false },
  { name: "data that is not a string", body: `{"requestId":"r-1","records":[{"data":12}]}`, scanned: false },
  { name: "a record that is not an object", body: `{"requestId":"r-1","records":["${A}"]}`, scanned: false },
  { name: "timestamp as a string", body: `{"requestId":"r-1","timestamp":"1","records":[]}`, scanned: false },
  { name: "timestamp with a leading zero", body: `{"requestId":"r-1","timestamp":01,"records":[]}`, scanned: false },
  { name: "trailing comma", body: `{"requestId":"r-1","records":[{"data":"${A}"},]}`, scanned: false },
  { name: "text after the body", body: `{"requestId":"r-1","records":[]} x`, scanned: false },
  { name: "byte-order mark", body: `\uFEFF{"requestId":"r-1","records":[]}`, scanned: false },
  { name: "truncated", body: `{"requestId":"r-1","records":[{"data":"${A}`, scanned: false },
];

describe("the body strategies", () => {
  it("pass a body the scan is not sure of to the parse, which reads it the same", () => {
    const body = Buffer.from(`{"requestId":"r-1","records":[{"data":"${A}"}],"extra":1}`, "utf8");
    expect(readDeliveryWith(scannedBody, body)).toBeUndefined();
    expect(observe(readDelivery(body))).toEqual(observe(readDeliveryWith(parsedBody, body)!));
    expect(readDelivery(body).utf8Text(0)).toBe('{"_id":"a","t":"Zürich"}');
  });
});

describe("scanDeliveryBody", () => {
  it.each(scannerCases)("$name -> scanned: $scanned", ({ body, scanned }) => {
    const bytes = Buffer.from(body, "utf8");
    expect(scanDeliveryBody(bytes) !== undefined).toBe(scanned);
    // Whatever the scanner decides, the reading is the one JSON.parse gives (or both refuse the body).
    let parsed: ReturnType<typeof observe> | Error;
    try {
      parsed = observe(readParsedDelivery(bytes));
    } catch (error) {
      parsed = error as Error;
    }
    if (parsed instanceof Error) expect(() => readDelivery(bytes)).toThrow(parsed.message);
    else expect(observe(readDelivery(bytes))).toEqual(parsed);
  });

  it("gives the offsets of each record's base64 text", () => {
    const body = Buffer.from(`{"requestId":"r-1","records":[{"data":"${A}"},{"data":"${B}"}]}`);
    const scanned = scanDeliveryBody(body)!;
    expect(scanned.requestId).toBe("r-1");
    expect(scanned.dataStarts.map((start, i) => body.toString("latin1", start, scanned.dataEnds[i]))).toEqual([A, B]);
  });
});

// Record texts the scanner reads differently from JSON.parse; each must end up read by JSON.parse.
const fallbackCases: { name: string; data: string; expected: { text?: string; reason?: string; raw?: string } }[] = [
  {
    name: "escaped slashes in base64 (legal JSON)",
    data: b64('{"k":"???"}').replace(/\//g, "\\/"),
    expected: { text: '{"k":"???"}' },
  },
  { name: "unicode escapes in base64", data: "eyJr\\u0049joxfQ==", expected: { text: '{"k":1}' } },
  {
    name: "raw non-ASCII in data",
    data: "Zürich==",
    expected: { reason: "data is not valid base64", raw: "Zürich==" },
  },
  {
    name: "an escaped quote inside data",
    data: 'ab\\"cd',
    expected: { reason: "data is not valid base64", raw: 'ab"cd' },
  },
];

describe("readDelivery falls back to JSON.parse where the scanner cannot know the string", () => {
  it.each(fallbackCases)("$name", ({ data, expected }) => {
    const body = Buffer.from(`{"requestId":"r-1","records":[{"data":"${B}"},{"data":"${data}"}]}`, "utf8");
    expect(readScannedDelivery(body)).toBeUndefined();
    const delivery = readDelivery(body);
    expect(delivery.recordCount).toBe(2);
    expect(delivery.utf8Text(0)).toBe('{"_id":"b"}');
    const settled = delivery.settled(1);
    if (expected.text !== undefined) {
      expect(settled).toBeUndefined();
      expect(delivery.utf8Text(1)).toBe(expected.text);
    } else {
      expect(settled).toMatchObject({ kind: "rejected", refusal: { message: expected.reason }, data: expected.raw });
    }
  });

  it("refuses the whole body when a record holds a raw control character (as JSON.parse does)", () => {
    const body = Buffer.from(`{"requestId":"r-1","records":[{"data":"${B}"},{"data":"ab\tcd"}]}`, "utf8");
    expect(() => readDelivery(body)).toThrow("body is not valid JSON");
  });

  it("settles empty, non-base64 and non-string data without decoding them", () => {
    const body = Buffer.from(
      JSON.stringify({ requestId: "r-1", records: [{ data: "" }, { data: "abc" }, { data: 5 }, null, { data: B }] }),
    );
    const delivery = readDelivery(body);
    expect([0, 1, 2, 3].map((index) => delivery.settled(index))).toEqual([
      { kind: "empty", index: 0 },
      {
        kind: "rejected",
        index: 1,
        refusal: { kind: "refused", code: "not_base64", message: "data is not valid base64" },
        data: "abc",
      },
      {
        kind: "rejected",
        index: 2,
        refusal: { kind: "refused", code: "no_data", message: "record has no base64 string in data" },
        data: 5,
      },
      {
        kind: "rejected",
        index: 3,
        refusal: { kind: "refused", code: "no_data", message: "record has no base64 string in data" },
        data: undefined,
      },
    ]);
    expect(delivery.utf8Text(4)).toBe('{"_id":"b"}');
    expect(delivery.byteLength(4)).toBe(11);
  });
});

// Random delivery bodies in every spelling JSON allows, and some it does not.
const recordValue = fc.oneof(
  fc.uint8Array({ maxLength: 60 }).map((bytes) => ({ data: Buffer.from(bytes).toString("base64") })),
  fc.string({ unit: "binary", maxLength: 12 }).map((text) => ({ data: b64(text) })),
  fc.string({ maxLength: 12 }).map((data) => ({ data })),
  fc.string({ unit: "binary", maxLength: 8 }).map((data) => ({ data })),
  fc.constantFrom<unknown>({}, null, "x", { data: 1 }, { data: B, extra: true }),
);
const bodyValue = fc.record(
  {
    requestId: fc.oneof(fc.constant("r-1"), fc.string({ maxLength: 8 })),
    timestamp: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    records: fc.array(recordValue, { maxLength: 6 }),
  },
  { requiredKeys: ["records"] },
);
const spelling = fc.constantFrom(
  (value: unknown) => JSON.stringify(value),
  (value: unknown) => JSON.stringify(value, null, 2),
  (value: unknown) => JSON.stringify(value).replace(/\//g, "\\/"),
  (value: unknown) => JSON.stringify(value).replace(/A/g, "\\u0041"),
);

describe("readDelivery reads every body exactly as JSON.parse does (property)", () => {
  it("on random bodies, spellings and single-byte corruptions", () => {
    fc.assert(
      fc.property(
        bodyValue,
        spelling,
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
        (value, spell, corruption) => {
          const bytes = Buffer.from(spell(value), "utf8");
          if (corruption) bytes[corruption[0] % bytes.length] = corruption[1];
          let expected: ReturnType<typeof observe> | string;
          try {
            expected = observe(readParsedDelivery(bytes));
          } catch (error) {
            expected = (error as Error).message;
          }
          if (typeof expected === "string") expect(() => readDelivery(bytes)).toThrow(expected);
          else expect(observe(readDelivery(bytes))).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** A body of one record per buffer, each base64-encoded as Firehose sends it. */
const bodyOf = (records: Buffer[]) =>
  Buffer.from(
    JSON.stringify({ requestId: "r-1", records: records.map((bytes) => ({ data: bytes.toString("base64") })) }),
  );
const texts = (delivery: Delivery, order: number[]) =>
  order.map((index) => (delivery.settled(index) ? "settled" : delivery.utf8Text(index)));

describe("readDelivery with a run decoder (Node hosts)", () => {
  const records = ['{"a":1}', '{"b":"Zürich"}', "", '{"c":"東京"}', '{"d":"😀"}'].map((text) =>
    Buffer.from(text, "utf8"),
  );

  it("decodes runs of records in one call each, and reads every record as record-by-record decoding does", () => {
    const runs: string[] = [];
    const recording = (bytes: Buffer) => {
      runs.push(bytes.toString("utf8"));
      return decodeUtf8Run!(bytes);
    };
    const delivery = readDelivery(bodyOf(records), recording, 30);
    expect(texts(delivery, [0, 1, 2, 3, 4])).toEqual(texts(readDelivery(bodyOf(records)), [0, 1, 2, 3, 4]));
    // Each record's bytes end with a NUL; a run holds records spanning up to 30 bytes, the empty one included.
    expect(runs).toEqual(['{"a":1}\0{"b":"Zürich"}\0\0', '{"c":"東京"}\0{"d":"😀"}\0']);
  });

  const runCases: { name: string; record: Buffer; expected: string | undefined }[] = [
    { name: "invalid UTF-8 (only that record fails)", record: Buffer.from([0x7b, 0xc3, 0x7d]), expected: undefined },
    {
      name: "a NUL inside a record (valid UTF-8, kept for JSON.parse to refuse)",
      record: Buffer.from('{"a":\0}'),
      expected: '{"a":\0}',
    },
    { name: "a genuine U+FFFD", record: Buffer.from('{"a":"\uFFFD"}'), expected: '{"a":"\uFFFD"}' },
  ];
  it.each(runCases)("a run holding $name falls back to record by record", ({ record, expected }) => {
    const all = [records[0], record, records[1]];
    const delivery = readDelivery(bodyOf(all), decodeUtf8Run, 1 << 20);
    expect(texts(delivery, [0, 1, 2])).toEqual(['{"a":1}', expected, '{"b":"Zürich"}']);
  });

  it("decodes record by record when the decoder fails for any reason", () => {
    const delivery = readDelivery(bodyOf(records), () => {
      throw new Error("no decoder today");
    });
    expect(texts(delivery, [0, 1, 2, 3, 4])).toEqual(texts(readDelivery(bodyOf(records)), [0, 1, 2, 3, 4]));
  });

  it("equals record-by-record decoding for any records, run size and reading order (property)", () => {
    const recordBytes = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }).map((text) => Buffer.from(text, "utf8")),
      fc.string({ unit: "binary-ascii", maxLength: 12 }).map((text) => Buffer.from(text, "utf8")),
      fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(
        fc.array(recordBytes, { maxLength: 12 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (all, runBytes, picks) => {
          const body = bodyOf(all);
          const order = [...all.keys(), ...picks.filter(() => all.length > 0).map((pick) => pick % all.length)];
          expect(texts(readDelivery(body, decodeUtf8Run, runBytes), order)).toEqual(texts(readDelivery(body), order));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
