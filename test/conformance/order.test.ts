import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from "bson";
import { expect, it } from "vitest";
import { conformance, type Collection } from "./harness";

/*
 * MongoDB's comparison and sort order of BSON values:
 * https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
 * and how a sort treats arrays and missing fields:
 * https://www.mongodb.com/docs/manual/reference/method/cursor.sort/
 */

/** Inserts one document per value ({_id: index, v: value}) and returns the _ids sorted by v. */
async function sortedBy(collection: Collection, values: unknown[], direction: 1 | -1): Promise<number[]> {
  await collection.insertMany(values.map((v, _id) => (v === undefined ? { _id } : { _id, v })));
  const documents = await collection.find({}).sort({ v: direction }).toArray();
  return documents.map((document: { _id: number }) => document._id);
}

conformance("comparison/sort order", ({ collection }) => {
  it("sorts values of different types in the manual's order of types", async () => {
    // comparison/sort order page: MinKey, Null, Numbers, Symbol/String, Object, Array, BinData,
    // ObjectId, Boolean, Date, Timestamp, Regular Expression, MaxKey (listed here out of order).
    const values = [
      new MaxKey(),
      new BSONRegExp("a", "i"),
      new Timestamp({ t: 1, i: 1 }),
      new Date(0),
      true,
      new ObjectId("6565a1f0c2b4a1d2e3f40516"),
      new Binary(Buffer.from([1]), 0),
      [["nested"]], // an array whose only element is an array: sorts as that (array) element
      { a: 1 },
      "text",
      new Int32(42),
      null,
      new MinKey(),
    ];
    expect(await sortedBy(collection(), values, 1)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(await sortedBy(collection(), values, -1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("compares numbers by value across Int32, Int64, Double and Decimal128, NaN first", async () => {
    // "MongoDB treats some types as equivalent for comparison purposes. For instance, numeric types
    // undergo conversion before comparison." The exact values decide, also beyond 2^53.
    const values = [
      Long.fromString("9007199254740993"), // 2^53 + 1: no double holds it
      new Double(9007199254740992), // 2^53
      Long.fromString("9007199254740994"),
      new Double(0.1), // 0.1000000000000000055…
      Decimal128.fromString("0.1"),
      new Int32(-3),
      Decimal128.fromString("-2.5"),
      new Double(NaN),
      new Double(-Infinity),
      Decimal128.fromString("1E+400"),
    ];
    expect(await sortedBy(collection(), values, 1)).toEqual([7, 8, 5, 6, 4, 3, 1, 0, 2, 9]);
  });

  it("compares strings by their UTF-8 bytes (the simple binary comparison)", async () => {
    // "By default, MongoDB uses the simple binary comparison to compare strings."
    const values = ["\u{1F600}", "\uFFFF", "é", "z", "Z", "\uE000"];
    expect(await sortedBy(collection(), values, 1)).toEqual([4, 3, 2, 5, 1, 0]);
  });

  it("compares documents field by field: the value's type, then the field name, then the value", async () => {
    // "MongoDB's comparison of BSON objects uses the following order: recursively compare key-value
    // pairs in the order that they appear ... compare the field types ... the key field names ... the
    // field values ... An object without further pairs is less than an object with further pairs."
    const values = [{ a: "x" }, { b: 0 }, { a: 1, b: 0 }, { a: 1 }, { a: 2 }];
    expect(await sortedBy(collection(), values, 1)).toEqual([3, 2, 4, 1, 0]);
  });

  it("sorts an array field by its smallest element ascending and its largest descending", async () => {
    // "With arrays, a less-than comparison or an ascending sort compares the smallest elements of the
    // arrays, and a greater-than comparison or a descending sort compares the largest elements."
    const values = [[1, 10], [5], [0, 6], 3];
    expect(await sortedBy(collection(), values, 1)).toEqual([2, 0, 3, 1]);
    expect(await sortedBy(collection(), values, -1)).toEqual([0, 2, 1, 3]);
  });

  it("sorts an empty array below null, and a missing field as null", async () => {
    // "A comparison of an empty array ... considers the empty array as less than a null value or a
    // missing field value." (The missing field sorts with null; the number after both.)
    expect(await sortedBy(collection(), [1, [], null], 1)).toEqual([1, 2, 0]);
    expect(await sortedBy(collection(), [1, [], undefined], -1)).toEqual([0, 2, 1]);
  });

  it("compares BinData by length, then subtype, then bytes", async () => {
    // "MongoDB sorts BinData in the following order: first, the length or size of the data; then, by
    // the BSON one-byte subtype; finally, by the data, performing a byte-by-byte comparison."
    const values = [
      new Binary(Buffer.from([0, 0]), 0),
      new Binary(Buffer.from([9]), 5),
      new Binary(Buffer.from([2]), 0),
      new Binary(Buffer.from([1]), 4),
      new Binary(Buffer.from([1]), 0),
    ];
    expect(await sortedBy(collection(), values, 1)).toEqual([4, 2, 3, 1, 0]);
  });

  it("orders ObjectIds by their bytes, Dates by time (before 1970 first), Timestamps by time then increment, false before true", async () => {
    const ids = await sortedBy(
      collection(),
      [
        new ObjectId("6565a1f0c2b4a1d2e3f40517"),
        new ObjectId("0565a1f0c2b4a1d2e3f40516"),
        new ObjectId("6565a1f0c2b4a1d2e3f40516"),
      ],
      1,
    );
    expect(ids).toEqual([1, 2, 0]);
    expect(await sortedBy(collection(), [new Date(5), new Date(-5), new Date(0)], 1)).toEqual([1, 2, 0]);
    expect(
      await sortedBy(
        collection(),
        [new Timestamp({ t: 2, i: 0 }), new Timestamp({ t: 1, i: 9 }), new Timestamp({ t: 1, i: 2 })],
        1,
      ),
    ).toEqual([2, 1, 0]);
    expect(await sortedBy(collection(), [true, false], 1)).toEqual([1, 0]);
  });

  it("range operators compare only within a type, except MinKey and MaxKey bounds", async () => {
    // Query comparison operators: "$gt ... selects documents where the value of the field is greater
    // than the specified value" (type bracketing); MinKey and MaxKey compare with every type.
    const c = collection();
    await c.insertMany([
      { _id: 1, v: 5 },
      { _id: 2, v: "5" },
      { _id: 3, v: new Date(5) },
      { _id: 4, v: null },
      { _id: 5 },
      { _id: 6, v: new MaxKey() },
    ]);
    const found = async (filter: object) =>
      (await c.find(filter).sort({ _id: 1 }).toArray()).map((document: { _id: number }) => document._id);
    expect(await found({ v: { $gt: 1 } })).toEqual([1]);
    expect(await found({ v: { $gte: "" } })).toEqual([2]);
    expect(await found({ v: { $lt: new MaxKey() } })).toEqual([1, 2, 3, 4, 5]);
    expect(await found({ v: { $gt: new MinKey() } })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await found({ v: { $lte: null } })).toEqual([4, 5]);
  });
});
