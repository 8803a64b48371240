import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { expect, it } from "vitest";
import { conformance, rejection, type Collection } from "./harness";

/*
 * Query operators: https://www.mongodb.com/docs/manual/reference/operator/query/ and the pages of each
 * operator named in the cases; querying arrays, embedded documents and null:
 * https://www.mongodb.com/docs/manual/tutorial/query-arrays/,
 * https://www.mongodb.com/docs/manual/tutorial/query-embedded-documents/,
 * https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/.
 */

async function matched(c: Collection, filter: object): Promise<number[]> {
  return (await c.find(filter).sort({ _id: 1 }).toArray()).map((document: { _id: number }) => document._id);
}

const TYPED = [
  { _id: 1, v: new Double(1.5) },
  { _id: 2, v: "s" },
  { _id: 3, v: { a: 1 } },
  { _id: 4, v: [new Int32(7)] },
  { _id: 5, v: new Binary(Buffer.from([1]), 0) },
  { _id: 6, v: new ObjectId("6565a1f0c2b4a1d2e3f40516") },
  { _id: 7, v: true },
  { _id: 8, v: new Date(0) },
  { _id: 9, v: null },
  { _id: 10, v: new BSONRegExp("a", "") },
  { _id: 11, v: new Code("x") },
  { _id: 12, v: new BSONSymbol("y") },
  { _id: 13, v: new Code("x", { s: 1 }) },
  { _id: 14, v: new Int32(3) },
  { _id: 15, v: new Timestamp({ t: 1, i: 1 }) },
  { _id: 16, v: Long.fromNumber(3) },
  { _id: 17, v: Decimal128.fromString("3") },
  { _id: 18, v: new MinKey() },
  { _id: 19, v: new MaxKey() },
];

conformance("query operators", ({ collection }) => {
  it.each([
    { alias: "double", code: 1, ids: [1] },
    { alias: "string", code: 2, ids: [2] },
    { alias: "object", code: 3, ids: [3] },
    { alias: "array", code: 4, ids: [4] },
    { alias: "binData", code: 5, ids: [5] },
    { alias: "objectId", code: 7, ids: [6] },
    { alias: "bool", code: 8, ids: [7] },
    { alias: "date", code: 9, ids: [8] },
    { alias: "null", code: 10, ids: [9] },
    { alias: "regex", code: 11, ids: [10] },
    { alias: "javascript", code: 13, ids: [11] },
    { alias: "symbol", code: 14, ids: [12] },
    { alias: "javascriptWithScope", code: 15, ids: [13] },
    { alias: "int", code: 16, ids: [4, 14] },
    { alias: "timestamp", code: 17, ids: [15] },
    { alias: "long", code: 18, ids: [16] },
    { alias: "decimal", code: 19, ids: [17] },
    { alias: "minKey", code: -1, ids: [18] },
    { alias: "maxKey", code: 127, ids: [19] },
  ])("$type $alias (or $code) selects its type, also inside an array", async ({ alias, code, ids }) => {
    // $type page: the aliases and numbers of the BSON types; an array field matches when an element does.
    const c = collection();
    await c.insertMany(TYPED.map((document) => ({ ...document })));
    expect(await matched(c, { v: { $type: alias } })).toEqual(ids);
    expect(await matched(c, { v: { $type: code } })).toEqual(ids);
  });

  it('$type "number" selects every numeric type, and a list of types any of them', async () => {
    const c = collection();
    await c.insertMany(TYPED.map((document) => ({ ...document })));
    expect(await matched(c, { v: { $type: "number" } })).toEqual([1, 4, 14, 16, 17]);
    expect(await matched(c, { v: { $type: ["string", "bool"] } })).toEqual([2, 7]);
    expect((await rejection(c.find({ v: { $type: "nope" } }).toArray())).code).toBe(2);
  });

  it("equality matches numbers by value across their types", async () => {
    // Comparison/sort order page: numeric types are converted before comparison.
    const c = collection();
    await c.insertMany([
      { _id: 1, v: new Int32(1) },
      { _id: 2, v: Long.fromNumber(1) },
      { _id: 3, v: new Double(1) },
      { _id: 4, v: Decimal128.fromString("1.000") },
      { _id: 5, v: Decimal128.fromString("1.1") },
    ]);
    expect(await matched(c, { v: 1 })).toEqual([1, 2, 3, 4]);
    expect(await matched(c, { v: Decimal128.fromString("1") })).toEqual([1, 2, 3, 4]);
    expect(await matched(c, { v: { $in: [Long.fromNumber(1)] } })).toEqual([1, 2, 3, 4]);
    // The driver writes a bigint as an Int64.
    expect(await matched(c, { v: BigInt(1) })).toEqual([1, 2, 3, 4]);
    expect(await matched(c, { v: { $gt: new Double(1.05) } })).toEqual([5]);
  });

  it("null matches null and a missing field; $exists tells them apart", async () => {
    // query-for-null-fields page.
    const c = collection();
    await c.insertMany([{ _id: 1, v: null }, { _id: 2 }, { _id: 3, v: 0 }, { _id: 4, v: [null, 1] }]);
    expect(await matched(c, { v: null })).toEqual([1, 2, 4]);
    // The driver writes an undefined value as null (its ignoreUndefined is off).
    expect(await matched(c, { v: undefined })).toEqual([1, 2, 4]);
    expect(await matched(c, { v: { $exists: false } })).toEqual([2]);
    expect(await matched(c, { v: { $type: "null" } })).toEqual([1, 4]);
    expect(await matched(c, { v: { $ne: null } })).toEqual([3]);
  });

  it("an array field matches through any element, or as a whole", async () => {
    // query-arrays page: an element equal, the whole array equal (order matters), element conditions.
    const c = collection();
    await c.insertMany([
      { _id: 1, v: [1, 5] },
      { _id: 2, v: [5, 1] },
      { _id: 3, v: [[1, 5], 2] },
      { _id: 4, v: 5 },
    ]);
    expect(await matched(c, { v: 5 })).toEqual([1, 2, 4]);
    expect(await matched(c, { v: [1, 5] })).toEqual([1, 3]);
    // Each condition may be met by another element.
    expect(await matched(c, { v: { $gt: 3, $lt: 4 } })).toEqual([1, 2]);
    expect(await matched(c, { v: { $gt: 1, $lt: 3 } })).toEqual([1, 2, 3]);
    expect(await matched(c, { v: { $elemMatch: { $gt: 1, $lt: 3 } } })).toEqual([3]);
    expect(await matched(c, { v: { $all: [5, 1] } })).toEqual([1, 2]);
    expect(await matched(c, { v: { $size: 2 } })).toEqual([1, 2, 3]);
  });

  it("dotted paths reach into embedded documents and arrays of them", async () => {
    // query-embedded-documents and query-array-of-documents pages.
    const c = collection();
    await c.insertMany([
      { _id: 1, a: { b: 1 } },
      { _id: 2, a: [{ b: 2 }, { b: 1, c: 3 }] },
      { _id: 3, a: [{ c: 1 }] },
      { _id: 4, a: [1, 2] },
    ]);
    expect(await matched(c, { "a.b": 1 })).toEqual([1, 2]);
    expect(await matched(c, { "a.0.b": 2 })).toEqual([2]);
    expect(await matched(c, { "a.b": null })).toEqual([3]);
    expect(await matched(c, { a: { $elemMatch: { b: 1, c: 3 } } })).toEqual([2]);
    expect(await matched(c, { "a.1": 2 })).toEqual([4]);
  });

  it("a positional path also looks into each array element for a field of that name (null then matches)", async () => {
    // query-array-of-documents page, "Use the Array Index to Query for a Field in the Embedded
    // Document"; a document element without a field "0" has the field missing, which equals null.
    const c = collection();
    await c.insertMany([
      { _id: 1, plan: [{ lease: 5 }, { lease: null }] },
      { _id: 2, plan: [{ lease: 5 }] },
    ]);
    expect(await matched(c, { "plan.0.lease": 5 })).toEqual([1, 2]);
    expect(await matched(c, { "plan.0.lease": null })).toEqual([1, 2]);
    expect(await matched(c, { "plan.0.lease": { $not: { $gte: 1 } } })).toEqual([]);
  });

  it("$in, $nin, $not, $nor, $or, $and, $regex, $mod and the $bits operators as their pages describe", async () => {
    const c = collection();
    await c.insertMany([
      { _id: 1, v: "apple", n: 6 },
      { _id: 2, v: "Banana", n: -7 },
      { _id: 3, v: "cherry\n", n: new Double(6.5) },
      { _id: 4, n: 54 },
    ]);
    expect(await matched(c, { v: { $in: [/^b/i, "apple"] } })).toEqual([1, 2]);
    expect(await matched(c, { v: { $nin: ["apple", null] } })).toEqual([2, 3]);
    expect(await matched(c, { v: { $not: /an/ } })).toEqual([1, 3, 4]);
    expect(await matched(c, { $nor: [{ v: "apple" }, { n: 54 }] })).toEqual([2, 3]);
    expect(await matched(c, { $or: [{ v: "apple" }, { n: { $lt: 0 } }] })).toEqual([1, 2]);
    expect(await matched(c, { $and: [{ n: { $gt: 0 } }, { n: { $lt: 7 } }] })).toEqual([1, 3]);
    // PCRE's "$" also matches before a final newline.
    expect(await matched(c, { v: { $regex: "y$" } })).toEqual([3]);
    expect(await matched(c, { v: { $regex: "^BAN", $options: "i" } })).toEqual([2]);
    // $mod truncates a double dividend; the remainder has the dividend's sign.
    expect(await matched(c, { n: { $mod: [4, 2] } })).toEqual([1, 3, 4]);
    expect(await matched(c, { n: { $mod: [4, -3] } })).toEqual([2]);
    expect(await matched(c, { n: { $bitsAllSet: [1, 2] } })).toEqual([1, 4]);
    expect(await matched(c, { n: { $bitsAnySet: 1 } })).toEqual([2]);
    expect(await matched(c, { n: { $bitsAllClear: [0] } })).toEqual([1, 4]);
  });

  it("NaN equals only NaN; no range bound takes it", async () => {
    const c = collection();
    await c.insertMany([
      { _id: 1, v: NaN },
      { _id: 2, v: -Infinity },
      { _id: 3, v: Decimal128.fromString("NaN") },
    ]);
    expect(await matched(c, { v: NaN })).toEqual([1, 3]);
    expect(await matched(c, { v: { $lt: 0 } })).toEqual([2]);
    expect(await matched(c, { v: { $gte: NaN } })).toEqual([1, 3]);
    expect(await matched(c, { v: { $gt: NaN } })).toEqual([]);
  });

  it("refuses an unknown operator (BadValue)", async () => {
    const c = collection();
    await c.insertOne({ _id: 1 });
    expect((await rejection(c.find({ v: { $nope: 1 } }).toArray())).code).toBe(2);
    expect((await rejection(c.find({ $nope: [] }).toArray())).code).toBe(2);
  });

  it("counts with skip and limit", async () => {
    // db.collection.countDocuments(): "skip" and "limit" options.
    const c = collection();
    await c.insertMany([1, 2, 3, 4, 5].map((_id) => ({ _id })));
    expect(await c.countDocuments({ _id: { $gt: 1 } }, { skip: 1, limit: 2 })).toBe(2);
    expect(await c.countDocuments({}, { skip: 4 })).toBe(1);
  });
});

conformance("distinct", ({ collection }) => {
  it("gives each value once (numbers equal across types), looking into arrays", async () => {
    // db.collection.distinct(): "If the value of the specified field is an array, distinct considers
    // each element of the array as a separate value."
    const c = collection();
    await c.insertMany([
      { _id: 1, v: 1, tag: "x" },
      { _id: 2, v: [new Double(1), 2], tag: "x" },
      { _id: 3, v: "a", tag: "x" },
      { _id: 4, v: 9, tag: "y" },
    ]);
    const values = await c.distinct("v", { tag: "x" });
    expect(values.map((v: unknown) => String(v)).sort()).toEqual(["1", "2", "a"]);
  });
});
