import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { compileMatch, filterPaths, MatchFilterError } from "../../../../src/core/capture/shaping/match-filter";
import { compileFilter } from "../../../../src/embedded/query";

const matches = (filter: object | string, document: object) =>
  compileMatch(typeof filter === "string" ? filter : JSON.stringify(filter), nodeBson).test(
    document as Record<string, unknown>,
  );

const id = new ObjectId("6565a1f0c2b4a1d2e3f40516");

describe("compileMatch: MongoDB's meaning for the supported operators", () => {
  it.each<[string, object | string, object, boolean]>([
    ["equality", { region: "eu" }, { region: "eu" }, true],
    ["equality, other value", { region: "eu" }, { region: "us" }, false],
    ["equality on a missing field", { region: "eu" }, {}, false],
    ["null matches a missing field", { region: null }, {}, true],
    ["null matches null", { region: null }, { region: null }, true],
    ["null does not match a value", { region: null }, { region: "eu" }, false],
    ["an int equals a double, a long and a decimal of the same value", { n: 5 }, { n: new Double(5) }, true],
    ["Int32 wrapper", { n: 5 }, { n: new Int32(5) }, true],
    ["Long", { n: 5 }, { n: Long.fromNumber(5) }, true],
    ["Decimal128", { n: 5 }, { n: new Decimal128("5.0") }, true],
    ["a string is not a number", { n: 5 }, { n: "5" }, false],
    ["an Extended JSON ObjectId", { owner: { $oid: id.toHexString() } }, { owner: id }, true],
    ["another ObjectId", { owner: { $oid: "6565a1f0c2b4a1d2e3f40517" } }, { owner: id }, false],
    [
      "an Extended JSON date",
      { at: { $date: "2026-01-01T00:00:00Z" } },
      { at: new Date("2026-01-01T00:00:00Z") },
      true,
    ],
    ["a dotted path", { "profile.region": "eu" }, { profile: { region: "eu" } }, true],
    [
      "a dotted path through an array of documents",
      { "addresses.city": "Oslo" },
      { addresses: [{ city: "Rome" }, { city: "Oslo" }] },
      true,
    ],
    [
      "a dotted path through an array, no element matches",
      { "addresses.city": "Oslo" },
      { addresses: [{ city: "Rome" }] },
      false,
    ],
    ["an array field matches one of its elements", { tags: "vip" }, { tags: ["new", "vip"] }, true],
    ["an array field matches an equal array", { tags: ["new", "vip"] }, { tags: ["new", "vip"] }, true],
    ["an array in another order is not equal", { tags: ["vip", "new"] }, { tags: ["new", "vip"] }, false],
    ["an embedded document, exactly", { profile: { a: 1, b: 2 } }, { profile: { a: 1, b: 2 } }, true],
    ["an embedded document in another field order", { profile: { a: 1, b: 2 } }, { profile: { b: 2, a: 1 } }, false],
    ["a position in a dotted path", { "tags.1": "vip" }, { tags: ["new", "vip"] }, true],
    // MongoDB 8.0's rules for null on a dotted path (its jstests/core/query/null_query_semantics.js).
    ["dotted null, a scalar on the way", { "a.b": null }, { a: 4 }, true],
    ["dotted null, an empty array", { "a.b": null }, { a: [] }, false],
    ["dotted null, an array of scalars", { "a.b": null }, { a: [null, null] }, false],
    ["dotted null, a document of the array lacks it", { "a.b": null }, { a: [{ b: 3 }, {}] }, true],
    ["dotted $ne null, an empty array", { "a.b": { $ne: null } }, { a: [] }, true],
    ["dotted $exists false, an empty array", { "a.b": { $exists: false } }, { a: [] }, true],
    ["null does not match an empty array", { a: null }, { a: [] }, false],
    ["null matches an array holding null", { a: null }, { a: [1, null] }, true],
    ["$eq", { n: { $eq: 3 } }, { n: 3 }, true],
    ["$ne", { region: { $ne: "eu" } }, { region: "us" }, true],
    ["$ne matches a missing field", { region: { $ne: "eu" } }, {}, true],
    ["$ne with an array holding the value", { tags: { $ne: "vip" } }, { tags: ["vip"] }, false],
    ["$gt", { n: { $gt: 3 } }, { n: 4 }, true],
    ["$gt, equal", { n: { $gt: 3 } }, { n: 3 }, false],
    ["$gte, equal", { n: { $gte: 3 } }, { n: new Long(3) }, true],
    ["$lt on strings (code point order)", { name: { $lt: "b" } }, { name: "a" }, true],
    ["$lt: a string is not less than a number", { n: { $lt: 10 } }, { n: "1" }, false],
    [
      "$lte on dates",
      { at: { $lte: { $date: "2026-01-01T00:00:00Z" } } },
      { at: new Date("2025-06-01T00:00:00Z") },
      true,
    ],
    ["$gt on an array: any element", { scores: { $gt: 8 } }, { scores: [1, 9] }, true],
    ["$gt on a missing field", { n: { $gt: 3 } }, {}, false],
    ["$gte null matches a missing field", { n: { $gte: null } }, {}, true],
    ["$gt null matches nothing", { n: { $gt: null } }, { n: 5 }, false],
    ["a range", { n: { $gt: 1, $lt: 5 } }, { n: 3 }, true],
    ["a range, outside", { n: { $gt: 1, $lt: 5 } }, { n: 5 }, false],
    ["$in", { region: { $in: ["eu", "uk"] } }, { region: "uk" }, true],
    ["$in with null matches a missing field", { region: { $in: [null] } }, {}, true],
    ["$in with an array field", { tags: { $in: ["vip", "x"] } }, { tags: ["new", "vip"] }, true],
    ["$nin", { region: { $nin: ["eu", "uk"] } }, { region: "us" }, true],
    ["$nin, listed", { region: { $nin: ["eu", "uk"] } }, { region: "eu" }, false],
    ["$exists true", { consent: { $exists: true } }, { consent: false }, true],
    ["$exists true, missing", { consent: { $exists: true } }, {}, false],
    ["$exists false", { consent: { $exists: false } }, {}, true],
    ["$exists through an empty array", { "a.b": { $exists: true } }, { a: [] }, false],
    ["$not", { n: { $not: { $gt: 5 } } }, { n: 3 }, true],
    ["$not matches a missing field", { n: { $not: { $gt: 5 } } }, {}, true],
    ["$and", { $and: [{ region: "eu" }, { n: { $gt: 1 } }] }, { region: "eu", n: 2 }, true],
    ["$and, one fails", { $and: [{ region: "eu" }, { n: { $gt: 1 } }] }, { region: "eu", n: 0 }, false],
    ["$or", { $or: [{ region: "eu" }, { vip: true }] }, { region: "us", vip: true }, true],
    ["$nor", { $nor: [{ region: "eu" }, { vip: true }] }, { region: "us", vip: false }, true],
    ["several fields are an implicit $and", { region: "eu", vip: true }, { region: "eu", vip: false }, false],
    ["an empty filter matches everything", {}, { any: 1 }, true],
    [
      "Extended JSON numbers in the filter",
      { n: { $gte: { $numberLong: "9007199254740993" } } },
      { n: Long.fromString("9007199254740993") },
      true,
    ],
    // The manual's comparison order is exact beyond 2^53 (the JS numbers these once went through were not).
    [
      "a Long beyond 2^53 is not the double next to it",
      { n: { $numberLong: "9007199254740993" } },
      { n: new Double(9007199254740992) },
      false,
    ],
    [
      "$gt tells 2^53 + 1 from 2^53",
      { n: { $gt: { $numberLong: "9007199254740992" } } },
      { n: Long.fromString("9007199254740993") },
      true,
    ],
    ["a Decimal128 0.1 is not the double 0.1", { n: { $numberDecimal: "0.1" } }, { n: new Double(0.1) }, false],
    ["NaN equals NaN", { n: { $numberDouble: "NaN" } }, { n: new Double(NaN) }, true],
    ["$lt does not match NaN, which sorts below every number", { n: { $lt: 5 } }, { n: new Double(NaN) }, false],
    ["$gt orders strings by UTF-8 bytes: U+10000 after U+FFFF", { s: { $gt: "\uffff" } }, { s: "\ud800\udc00" }, true],
    ["$gt compares within a type bracket: a string is not above a number", { n: { $gt: 5 } }, { n: "6" }, false],
  ])("%s", (_name, filter, document, expected) => {
    expect(matches(filter, document)).toBe(expected);
  });

  it("refuses what it does not support, naming every problem, so a filter never means something else here", () => {
    const error = (() => {
      try {
        compileMatch('{"a": {"$regex": "x"}, "$where": "1", "b": {"$size": 2}}', nodeBson);
      } catch (e) {
        return e;
      }
    })() as MatchFilterError;
    expect(error).toBeInstanceOf(MatchFilterError);
    expect(error.problems).toEqual([
      "a: $regex is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
      "$where: $where is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
      "b: $size is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
    ]);
    expect(() => compileMatch("{not json", nodeBson)).toThrow("not valid JSON");
  });

  it("lists the field paths a filter reads", () => {
    expect(filterPaths({ region: "eu", $or: [{ "profile.age": { $gt: 1 } }, { $and: [{ vip: true }] }] })).toEqual([
      ["region"],
      ["profile", "age"],
      ["vip"],
    ]);
  });
});

// The embedded store's matcher is written apart from compileMatch, against the MongoDB manual, and
// held to it by test/conformance/query.test.ts (which also runs against a real server).
describe("compileMatch agrees with the embedded store's matcher on random documents and filters", () => {
  const scalar = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom("a", "b", "eu", "us"),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.oneof(
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    fc.record({ c: scalar }, { requiredKeys: [], noNullPrototype: true }),
  );
  const documentArb = fc.record(
    { a: value, b: value, n: fc.record({ c: value }, { requiredKeys: [], noNullPrototype: true }) },
    { requiredKeys: [], noNullPrototype: true },
  );
  const path = fc.constantFrom("a", "b", "n.c", "a.c", "b.c");
  const condition = fc.oneof(
    scalar,
    scalar.map((v) => ({ $eq: v })),
    scalar.map((v) => ({ $ne: v })),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte"), scalar).map(([op, v]) => ({ [op]: v })),
    fc.array(scalar, { maxLength: 3 }).map((v) => ({ $in: v })),
    fc.array(scalar, { maxLength: 3 }).map((v) => ({ $nin: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc.tuple(fc.constantFrom("$gt", "$lt"), fc.integer({ min: -3, max: 3 })).map(([op, v]) => ({ $not: { [op]: v } })),
  );
  const clause = fc.tuple(path, condition).map(([p, c]) => ({ [p]: c }));
  const filterArb = fc.oneof(
    clause,
    fc.tuple(clause, clause).map(([x, y]) => ({ $and: [x, y] })),
    fc.tuple(clause, clause).map(([x, y]) => ({ $or: [x, y] })),
    fc.tuple(clause, clause).map(([x, y]) => ({ $nor: [x, y] })),
  );

  it("on 3,000 pairs", () => {
    fc.assert(
      fc.property(filterArb, documentArb, (filter, document) => {
        expect(matches(filter, document)).toBe(compileFilter(filter)(document));
      }),
      { numRuns: 3000 },
    );
  });
});
