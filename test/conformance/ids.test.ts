import { Binary, BSONRegExp, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from "bson";
import { expect, it } from "vitest";
import { conformance, exact, ids, rejection } from "./harness";

/*
 * The `_id` field: https://www.mongodb.com/docs/manual/core/document/#the-_id-field (unique, any type
 * but array, regular expression or undefined; the first field), read in the BSON order
 * (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/).
 */

conformance("_id", ({ collection }) => {
  it("is unique by value across numeric types: Int32 1, Int64 1, Double 1 and Decimal128 1.0 are one _id", async () => {
    const c = collection();
    await c.insertOne({ _id: new Int32(1) });
    for (const same of [Long.fromNumber(1), new Double(1), Decimal128.fromString("1.0")]) {
      const error = await rejection(c.insertOne({ _id: same }));
      expect(error.code).toBe(11000);
    }
    expect(await c.countDocuments({})).toBe(1);
  });

  it("keeps Int64 values beyond 2^53 apart, in order, and ranges over them exact", async () => {
    // Snowflake-like ids: 2^53, 2^53 + 1 and 2^53 + 2 are three _ids (a double holds only the first and last).
    const c = collection();
    const longs = ["9007199254740992", "9007199254740993", "9007199254740994"].map((text) => Long.fromString(text));
    await c.insertMany(longs.reverse().map((_id) => ({ _id })));
    const all = await c.find({}, { promoteValues: false }).sort({ _id: 1 }).toArray();
    expect(all.map((document: { _id: Long }) => document._id.toString())).toEqual([
      "9007199254740992",
      "9007199254740993",
      "9007199254740994",
    ]);
    const after = await c
      .find({ _id: { $gt: Long.fromString("9007199254740992") } }, { promoteValues: false })
      .toArray();
    expect(after.map((document: { _id: Long }) => document._id.toString()).sort()).toEqual([
      "9007199254740993",
      "9007199254740994",
    ]);
    // The double 2^53 + 2 is the third _id; the Int64 2^53 + 1 is not a double.
    expect(await c.countDocuments({ _id: new Double(9007199254740994) })).toBe(1);
    expect((await rejection(c.insertOne({ _id: new Double(9007199254740992) }))).code).toBe(11000);
  });

  it("reads _ids of every type in the BSON order, ascending and descending, with a range bound kept to its type", async () => {
    const c = collection();
    const values = [
      new MaxKey(),
      new Timestamp({ t: 5, i: 1 }),
      new Date(7),
      false,
      new ObjectId("6565a1f0c2b4a1d2e3f40516"),
      new Binary(Buffer.from([1, 2]), 0),
      { b: 1 },
      { a: 2 },
      "s",
      Long.fromString("9007199254740993"),
      new Double(2.5),
      new Int32(1),
      new MinKey(),
    ];
    await c.insertMany(values.map((_id) => ({ _id })));
    // The null _id is stored by an upsert (the driver gives an inserted null _id a new ObjectId).
    await c.updateOne({ _id: null }, { $set: { n: 1 } }, { upsert: true });
    const ascending = ids(await c.find({}, { promoteValues: false }).sort({ _id: 1 }).toArray());
    const expected = [null, ...values.slice().reverse()].map((v) => exact({ v }).slice(5, -1));
    expected.splice(0, 2, expected[1], expected[0]); // MinKey sorts before null
    expect(ascending).toEqual(expected);
    const descending = ids(await c.find({}, { promoteValues: false }).sort({ _id: -1 }).toArray());
    expect(descending).toEqual(expected.slice().reverse());
    const objects = ids(
      await c
        .find({ _id: { $gt: { a: 2 } } }, { promoteValues: false })
        .sort({ _id: 1 })
        .toArray(),
    );
    expect(objects).toEqual([exact({ b: 1 })]);
    const afterMinKey = await c
      .find({ _id: { $gt: new MinKey() } })
      .sort({ _id: -1 })
      .limit(2)
      .toArray();
    expect(ids(afterMinKey)).toEqual([
      exact({ v: new MaxKey() }).slice(5, -1),
      exact({ v: new Timestamp({ t: 5, i: 1 }) }).slice(5, -1),
    ]);
  });

  it.each([
    { name: "an array", id: [1, 2], code: 53 },
    { name: "a regular expression", id: new BSONRegExp("a", ""), code: 53 },
    { name: "a document with a $-prefixed field", id: { $x: 1 }, code: 52 },
  ])("refuses $name as _id (code $code)", async ({ id, code }) => {
    const c = collection();
    expect((await rejection(c.insertOne({ _id: id }))).code).toBe(code);
    expect(await c.countDocuments({})).toBe(0);
  });

  it("stores _id as the first field whatever its place in the inserted document", async () => {
    const c = collection();
    await c.insertOne({ a: 1, _id: "x", b: 2 });
    const [stored] = await c.find({}).toArray();
    expect(Object.keys(stored)).toEqual(["_id", "a", "b"]);
  });

  it("gives a document without _id (or with a null one) a new ObjectId, in the caller's own object (the driver does)", async () => {
    const c = collection();
    const document: { _id?: unknown; a: number } = { a: 1 };
    const result = await c.insertOne(document);
    expect(document._id).toBeInstanceOf(ObjectId);
    expect(exact({ v: result.insertedId })).toBe(exact({ v: document._id }));
  });
});
