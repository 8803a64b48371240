import {
  Binary,
  BSON,
  BSONRegExp,
  Decimal128,
  Double,
  EJSON,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../src/core/ejson/parse-extended-json";
import { isBridgeError } from "../../../src/core/errors";
import { writeRelaxed } from "../../helpers/relaxed-writer";

// Random BSON values of every type the parser reads.
const leaf = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.integer().map((n) => new Int32(n)),
  fc.double().map((n) => new Double(n)),
  fc.integer({ min: -1000, max: 1000 }).map((n) => new Double(n)), // whole-number doubles must stay doubles
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n) => Long.fromNumber(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -20, max: 20 }))
    .map(([digits, exp]) => Decimal128.fromString(`${digits}E${exp}`)),
  // Plain decimals of up to 15 significant digits take the direct encoding; longer ones the library.
  fc
    .tuple(fc.boolean(), fc.stringMatching(/^\d{1,17}$/), fc.option(fc.stringMatching(/^\d{1,17}$/)))
    .map(([negative, whole, fraction]) =>
      Decimal128.fromString(`${negative ? "-" : ""}${whole}${fraction === null ? "" : `.${fraction}`}`),
    ),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
  fc
    .tuple(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(0, 1, 3, 5, 128))
    .map(([bytes, subType]) => new Binary(bytes, subType)),
  fc.tuple(fc.nat(), fc.nat()).map(([t, i]) => new Timestamp({ t, i })),
  fc
    .tuple(fc.string(), fc.constantFrom("", "i", "im", "msx"))
    .map(([pattern, flags]) => new BSONRegExp(pattern, flags)),
  fc.constant(new MinKey()),
  fc.constant(new MaxKey()),
  fc.boolean(),
  fc.constant(null),
);
const key = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((k) => !k.startsWith("$") && !k.includes("\0") && k !== "__proto__");
const { document } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("document"), fc.array(tie("value"), { maxLength: 4 })),
  document: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
}));

// JSON's tokens: a string or a number (written apart from the parser's own scanner, as an oracle).
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * The library's reading with every bare integer of 16 or more digits typed first, as the parser
 * reads it: an Int64 with all its digits within the Int64 range, the double it is beyond it. The
 * library itself (like JSON.parse) rounds such an integer beyond 2^53 to a double's precision.
 */
function libraryExact(text: string): unknown {
  const typed = text.replace(JSON_TOKEN, (token) => {
    if (!/^-?\d{16,}$/.test(token)) return token;
    const value = BigInt(token);
    const int64 = value >= -(2n ** 63n) && value < 2n ** 63n;
    return int64 ? `{"$numberLong":"${token}"}` : `{"$numberDouble":"${token}"}`;
  });
  return EJSON.parse(typed, { relaxed: false });
}

const bsonHex = (value: unknown) => Buffer.from(BSON.serialize(value as Record<string, unknown>)).toString("hex");

const sameBson = (text: string) => {
  expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(libraryExact(text)));
};

describe("parseExtendedJson agrees with EJSON.parse(text, {relaxed: false}), long integers kept exact", () => {
  it("on canonical Extended JSON of random documents", () => {
    fc.assert(
      fc.property(document, (doc) => sameBson(EJSON.stringify(doc, { relaxed: false }))),
      { numRuns: 1500 },
    );
  });

  it("on relaxed Extended JSON of random documents", () => {
    fc.assert(
      fc.property(document, (doc) => sameBson(EJSON.stringify(doc, { relaxed: true }))),
      { numRuns: 1500 },
    );
  });

  it("on arbitrary plain JSON objects (including $-prefixed keys): the same BSON, or a refusal of ours", () => {
    // Wrapper keys now and then, so that malformed wrappers come up too. (Not $ref and $id: the
    // specification keeps a DBRef-like object as it is, in its own key order, where the library
    // builds a DBRef and writes $ref first.)
    const anyKey = fc.oneof(
      fc.string(),
      fc.constantFrom("$oid", "$date", "$numberInt", "$binary", "$code", "$scope", "$minKey", "$type"),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, fc.jsonValue(), tie("object"), fc.array(tie("value"), { maxLength: 3 })),
      object: fc.dictionary(anyKey, tie("value"), { maxKeys: 4 }),
    })).object;
    fc.assert(
      fc.property(json, (doc) => {
        const text = JSON.stringify(doc);
        let parsed: unknown;
        try {
          parsed = parseExtendedJson(text, nodeBson);
        } catch (error) {
          expect(isBridgeError(error) && error.kind === "refused").toBe(true);
          return;
        }
        let library: string;
        try {
          library = bsonHex(libraryExact(text));
        } catch {
          // Only the record's own keys are read as names where the library reads a wrapper (and
          // then fails, or makes the record a value that is no document).
          expect(Object.keys(doc).some((key) => key.startsWith("$"))).toBe(true);
          return;
        }
        expect(bsonHex(parsed)).toBe(library);
      }),
      { numRuns: 1500 },
    );
  });

  it.each([
    ["Int64 above 2^53", '{"n":{"$numberLong":"9007199254740993"}}'],
    ["Int64 overflowing 18 digits", '{"n":{"$numberLong":"9223372036854775807"}}'],
    ["bare Int64 bounds", '{"max":9223372036854775807,"min":-9223372036854775808}'],
    ["bare integers just beyond the Int64 range", '{"a":9223372036854775808,"b":-9223372036854775809}'],
    ["bare integer of 20 digits", '{"n":18446744073709551615}'],
    ["long integers with a fraction or an exponent", '{"a":9007199254740993.0,"b":1.2345678901234567e18}'],
    [
      "digits inside strings and escapes",
      '{"s":"\\"9007199254740993\\\\","n":9007199254740993,"t":"9007199254740993"}',
    ],
    ["long integer in an array at the top of a field", '{"a":[[1217532254631850005],-1217532254631850005]}'],
    ["double 1.0 keeps its type", '{"d":{"$numberDouble":"1.0"}}'],
    [
      "dates outside 1970-9999",
      '{"a":{"$date":{"$numberLong":"-62135596800000"}},"b":{"$date":{"$numberLong":"253402300800000"}}}',
    ],
    ["relaxed ISO date", '{"d":{"$date":"2026-11-22T03:33:00.123Z"}}'],
    ["uuid shorthand", '{"u":{"$uuid":"c8edabc3-f738-4ca3-b68d-ab92a91478a4"}}'],
    ["symbol", '{"s":{"$symbol":"x"}}'],
    ["decimal keeping trailing zeros", '{"d":{"$numberDecimal":"21.300"}}'],
    ["negative zero decimal", '{"d":{"$numberDecimal":"-0.00"}}'],
    ["15-digit decimal", '{"d":{"$numberDecimal":"999999999999999"}}'],
    ["decimal with a bare trailing point", '{"d":{"$numberDecimal":"1."}}'],
    ["decimal with leading zeros", '{"d":{"$numberDecimal":"000123.4500"}}'],
    ["query-like object", '{"q":{"$gt":5}}'],
    [
      "binary of 65 bytes (Node's decoder)",
      `{"b":{"$binary":{"base64":"${Buffer.alloc(65, 7).toString("base64")}","subType":"00"}}}`,
    ],
    ["empty binary", '{"b":{"$binary":{"base64":"","subType":"05"}}}'],
    ["long integer beside a symbol", '{"s":{"$symbol":"x"},"n":1217532254631850005}'],
    ...["5", "fF", "80"].map((subType) => [
      `binary subtype "${subType}"`,
      `{"b":{"$binary":{"base64":"AA==","subType":"${subType}"}}}`,
    ]),
    ["__proto__ key holding a wrapper", '{"__proto__":{"$oid":"6565a1f0c2b4a1d2e3f40516"}}'],
  ])("edge case: %s", (_name, text) => sameBson(text));

  it("never pollutes prototypes through a __proto__ key", () => {
    const parsed = parseExtendedJson('{"__proto__":{"$oid":"6565a1f0c2b4a1d2e3f40516"}}', nodeBson) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
  });
});

// Int64 values where a double loses digits: near 2^53, up to the Int64 bounds, both signs.
const near = (center: bigint, spread: bigint) => fc.bigInt({ min: -spread, max: spread }).map((d) => center + d);
const int64 = fc
  .oneof(
    near(2n ** 53n, 1000n),
    near(-(2n ** 53n), 1000n),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }),
    fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
    fc.bigInt({ min: 0n, max: 1000n }).map((d) => 2n ** 63n - 1n - d),
    fc.bigInt({ min: 0n, max: 1000n }).map((d) => -(2n ** 63n) + d),
    fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 1n),
    // Whole range, outside int32 (a bare number that fits int32 reads back as an Int32).
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => n > 2n ** 31n - 1n || n < -(2n ** 31n)),
  )
  .map((n) => Long.fromBigInt(n));
// Values a relaxed writer writes as they are read back: Int32s, fractions, strings (digits too), ...
const relaxedLeaf = fc.oneof(
  int64,
  int64,
  fc.integer().map((n) => new Int32(n)),
  fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d) && isFinite(d)),
  fc.string({ unit: "grapheme" }),
  fc.stringMatching(/^-?\d{16,20}$/),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
  fc.boolean(),
  fc.constant(null),
);
const { relaxedDocument } = fc.letrec((tie) => ({
  relaxedValue: fc.oneof(
    { depthSize: "small" },
    relaxedLeaf,
    tie("relaxedDocument"),
    fc.array(tie("relaxedValue"), { maxLength: 4 }),
  ),
  relaxedDocument: fc.dictionary(key, tie("relaxedValue"), { maxKeys: 6 }),
}));

describe("Int64 beyond 2^53 in relaxed Extended JSON, written with all its digits", () => {
  it.each(["go", "java"] as const)("reads back as the exact BSON (%s writer's layout)", (layout) => {
    fc.assert(
      fc.property(relaxedDocument, (doc) => {
        const text = writeRelaxed(doc, layout);
        expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(doc));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ["a snowflake _id", "1217532254631850005"],
    ["2^53 + 1", "9007199254740993"],
    ["the Int64 maximum", "9223372036854775807"],
    ["the Int64 minimum", "-9223372036854775808"],
  ])("%s keeps every digit", (_name, digits) => {
    const parsed = parseExtendedJson(`{"_id":${digits}}`, nodeBson) as { _id: Long };
    expect(parsed._id).toBeInstanceOf(Long);
    expect(parsed._id.toString()).toBe(digits);
  });

  it.each([
    ["2^63", "9223372036854775808", 2 ** 63],
    ["-2^63 - 1", "-9223372036854775809", -(2 ** 63)],
    ["a 20-digit integer", "18446744073709551615", 18446744073709551615],
  ])("%s, beyond the Int64 range, is the double it is", (_name, digits, value) => {
    const parsed = parseExtendedJson(`{"n":${digits}}`, nodeBson) as { n: unknown };
    const read = parsed.n instanceof Double ? parsed.n.value : parsed.n;
    expect(read).toBe(value);
    expect(BSON.deserialize(BSON.serialize(parsed), { promoteValues: false }).n).toBeInstanceOf(Double);
  });
});
