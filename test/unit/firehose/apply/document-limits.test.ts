import {
  Binary,
  BSON,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  EJSON,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../../src/core/ejson/parse-extended-json";
import type { DocumentRecord } from "../../../../src/core/firehose/protocol/decode-record";
import {
  bsonSize,
  documentLimitProblem,
  MAX_DOCUMENT_BYTES,
  MAX_NESTING,
  nesting,
  SIZE_CHECK_FROM_BYTES,
} from "../../../../src/core/firehose/apply/document-limits";
import type { WriteOperation } from "../../../../src/core/ports";

// Every kind of value the parser makes, and what the webhook adds.
const leaf = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }).filter((s) => !/[\ud800-\udfff]/.test(s)),
  fc.integer(),
  fc.double(),
  fc.constant(-0),
  fc.boolean(),
  fc.constant(null),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.integer().map((n) => new Int32(n)),
  fc.double().map((n) => new Double(n)),
  fc.constant(Decimal128.fromString("1234.5")),
  fc
    .tuple(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 2, 4, 128))
    .map(([bytes, subType]) => new Binary(bytes, subType)),
  fc.tuple(fc.nat(), fc.nat()).map(([t, i]) => new Timestamp({ t, i })),
  fc
    .tuple(fc.string(), fc.constantFrom("", "i", "imx"))
    .map(([pattern, options]) => new BSONRegExp(pattern.replace(/\0/g, ""), options)),
  fc.constant(new MinKey()),
  fc.constant(new MaxKey()),
  fc.string().map((s) => new BSONSymbol(s)),
  fc.string().map((s) => new Code(s)),
  fc.string().map((s) => new Code(s, { x: 1, y: "é" })),
  fc.constant(new DBRef("coll", new ObjectId("56e1fc72e0c917e9c4714161"))),
  fc.constant(new DBRef("coll", 7 as never, "db", { extra: "field" })),
);
const key = fc.string({ maxLength: 8 }).filter((k) => !k.includes("\0") && !k.startsWith("$") && k !== "__proto__");
const { document } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("document"), fc.array(tie("value"), { maxLength: 12 })),
  document: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
}));

describe("bsonSize", () => {
  it("equals the BSON library's own size of any document", () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(bsonSize(doc, nodeBson)).toBe(BSON.calculateObjectSize(doc));
      }),
      { numRuns: 2000 },
    );
  });

  it("counts a long array's index keys", () => {
    const doc = { a: Array.from({ length: 12_345 }, () => 0) };
    expect(bsonSize(doc, nodeBson)).toBe(BSON.calculateObjectSize(doc));
  });
});

// As in SERVER-26703: {s: {s: ... {s: 1}}}, `levels` documents deep.
function nested(levels: number): Record<string, unknown> {
  let doc: Record<string, unknown> = { s: 1 };
  for (let i = 1; i < levels; i++) doc = { s: doc };
  return doc;
}

describe("nesting", () => {
  it.each([
    ["a scalar", 5, 0],
    ["an empty document", {}, 1],
    ["100 documents", nested(100), 100],
    ["arrays count too", { a: [[{ b: [] }]] }, 5],
    ["a BSON value is no level", { id: new ObjectId(), l: Long.fromNumber(1) }, 1],
    // DOCS-15222: a code with scope pushes two levels, so x's fields are at level 4.
    ["a code's scope is two levels below it", { c: new Code("f", { x: { y: 1 } }) }, 4],
    ["a DBRef is a document", { r: new DBRef("c", new ObjectId()) }, 2],
  ])("%s: %i", (_name, value, depth) => {
    expect(nesting(value)).toBe(depth);
  });
});

describe("the parser's measure of a record's nesting", () => {
  it("is never below the nesting of what it parsed (documentLimitProblem walks only records above 100)", () => {
    fc.assert(
      fc.property(document, fc.boolean(), (doc, relaxed) => {
        const measured = { depth: 0 };
        const parsed = parseExtendedJson(EJSON.stringify(doc, { relaxed }), nodeBson, measured);
        expect(measured.depth).toBeGreaterThanOrEqual(nesting(parsed));
      }),
      { numRuns: 1000 },
    );
  });
});

const record = (fields: Partial<DocumentRecord>): DocumentRecord => ({
  kind: "document",
  index: 0,
  document: {},
  depth: 1,
  bytes: 100,
  ...fields,
});
const replace = (replacement: Record<string, unknown>): WriteOperation => ({
  replaceOne: { filter: { _id: 1 }, replacement, upsert: true },
});

describe("documentLimitProblem", () => {
  it("measures nothing for a record within both bounds (it could not be over)", () => {
    // A document over the limits, but a record said to be small and shallow: not walked.
    const huge = { s: "x".repeat(MAX_DOCUMENT_BYTES + 1), d: nested(150) };
    expect(
      documentLimitProblem(record({ bytes: SIZE_CHECK_FROM_BYTES, depth: MAX_NESTING }), replace(huge), nodeBson),
    ).toBeUndefined();
  });

  it("refuses a document of 101 levels and stores one of 100 (MongoDB's documented limit)", () => {
    const deep = record({ depth: 102 });
    expect(documentLimitProblem(deep, replace(nested(100)), nodeBson)).toBeUndefined();
    expect(documentLimitProblem(deep, replace(nested(101)), nodeBson)).toEqual({
      kind: "refused",
      code: "document_too_deep",
      message: "the document nests 101 levels deep; MongoDB holds 100",
    });
  });

  it("refuses a document over 16 MiB as BSON, and stores one of exactly 16 MiB", () => {
    const big = record({ bytes: 17 * 1024 * 1024 });
    // 16 MiB exactly: document overhead 5, element: type 1, "s\0" 2, length 4, terminator 1.
    const exact = { s: "x".repeat(MAX_DOCUMENT_BYTES - 13) };
    expect(BSON.calculateObjectSize(exact)).toBe(MAX_DOCUMENT_BYTES);
    expect(documentLimitProblem(big, replace(exact), nodeBson)).toBeUndefined();
    expect(documentLimitProblem(big, replace({ s: "x".repeat(MAX_DOCUMENT_BYTES - 12) }), nodeBson)).toMatchObject({
      code: "document_too_large",
      message: `the document is ${MAX_DOCUMENT_BYTES + 1} bytes as BSON; MongoDB holds ${MAX_DOCUMENT_BYTES}`,
    });
  });

  it("counts an update's paths into the depth of the document it leaves", () => {
    const update: WriteOperation = {
      updateOne: { filter: { _id: 1 }, update: { $set: { "a.b.c": nested(98), "_akb.pos": "p" } } },
    };
    expect(documentLimitProblem(record({ depth: 120 }), update, nodeBson)).toMatchObject({
      code: "document_too_deep",
      message: "the update nests 101 levels deep; MongoDB holds 100",
    });
  });

  it("has nothing to say of a delete", () => {
    expect(
      documentLimitProblem(record({ depth: 500, bytes: 1e8 }), { deleteOne: { filter: { _id: 1 } } }, nodeBson),
    ).toBeUndefined();
  });
});
