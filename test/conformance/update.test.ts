import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { expect, it } from "vitest";
import { conformance, exact, rejection, type Collection } from "./harness";

/*
 * Update operators: https://www.mongodb.com/docs/manual/reference/operator/update/ and the page of each
 * operator named in the cases; upserts: https://www.mongodb.com/docs/manual/reference/method/db.collection.updateOne/#upsert
 * and https://www.mongodb.com/docs/manual/reference/method/db.collection.replaceOne/#upsert.
 */

/** The one document with this _id, with exact types and without its _id, as canonical Extended JSON. */
async function stored(c: Collection, _id: unknown = 1): Promise<string> {
  const document = await c.findOne({ _id }, { promoteValues: false, projection: { _id: 0 } });
  return exact(document);
}

async function updated(c: Collection, start: object, update: object): Promise<{ modified: number; after: string }> {
  await c.insertOne({ _id: 1, ...start });
  const result = await c.updateOne({ _id: 1 }, update);
  return { modified: result.modifiedCount, after: await stored(c) };
}

conformance("update operators", ({ collection }) => {
  it.each([
    {
      name: "Int32 overflowing becomes Int64",
      start: { v: new Int32(2147483647) },
      inc: 1,
      after: { v: Long.fromString("2147483648") },
    },
    {
      name: "Int32 plus Int64 is Int64",
      start: { v: new Int32(1) },
      inc: Long.fromNumber(2),
      after: { v: Long.fromNumber(3) },
    },
    {
      name: "Int64 beyond 2^53 stays exact",
      start: { v: Long.fromString("9007199254740993") },
      inc: 1,
      after: { v: Long.fromString("9007199254740994") },
    },
    {
      name: "a whole Double plus an Int32 stays a Double",
      start: { v: new Double(5) },
      inc: 1,
      after: { v: new Double(6) },
    },
    {
      name: "Int32 plus a Double is a Double",
      start: { v: new Int32(1) },
      inc: new Double(0.5),
      after: { v: new Double(1.5) },
    },
    { name: "a missing field takes the operand", start: {}, inc: Long.fromNumber(7), after: { v: Long.fromNumber(7) } },
  ])("$inc: $name", async ({ start, inc, after }) => {
    // $inc page ("creates the field"), $mul page's table of numeric type conversions.
    const result = await updated(collection(), start, { $inc: { v: inc } });
    expect(result.after).toBe(exact(after));
    expect(result.modified).toBe(1);
  });

  it("$inc with Decimal128 computes in decimal; a Double joins as its 15 significant digits", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, v: Decimal128.fromString("1.5") });
    await c.updateOne({ _id: 1 }, { $inc: { v: new Double(1.1) } });
    expect(await c.countDocuments({ v: Decimal128.fromString("2.6") })).toBe(1);
    await c.updateOne({ _id: 1 }, { $inc: { v: Decimal128.fromString("-0.6") } });
    expect(await c.countDocuments({ v: 2 })).toBe(1);
  });

  it.each([
    { name: "a string field", start: { v: "a" }, update: { $inc: { v: 1 } }, code: 14 },
    { name: "a null field", start: { v: null }, update: { $inc: { v: 1 } }, code: 14 },
    { name: "a non-numeric operand", start: { v: 1 }, update: { $inc: { v: "1" } }, code: 14 },
    { name: "$mul of a string field", start: { v: "a" }, update: { $mul: { v: 2 } }, code: 14 },
    {
      name: "an Int64 overflow",
      start: { v: Long.fromString("9223372036854775807") },
      update: { $inc: { v: 1 } },
      code: 2,
    },
  ])("$inc/$mul refuse $name (code $code) and leave the document", async ({ start, update, code }) => {
    const c = collection();
    await c.insertOne({ _id: 1, ...start });
    const before = await stored(c);
    expect((await rejection(c.updateOne({ _id: 1 }, update))).code).toBe(code);
    expect(await stored(c)).toBe(before);
  });

  it("$mul creates a missing field as zero of the operand's type, and multiplies by the table", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, i: new Int32(3) });
    await c.updateOne({ _id: 1 }, { $mul: { i: new Double(2.5), l: Long.fromNumber(5), d: new Double(2) } });
    expect(await stored(c)).toBe(exact({ i: new Double(7.5), d: new Double(0), l: Long.fromNumber(0) }));
  });

  it("$max and $min compare in the BSON order, and change nothing when the value stands", async () => {
    // $max page: "If the field does not exist, $max sets the field to the specified value"; values of
    // different types compare by the BSON comparison order.
    const c = collection();
    await c.insertOne({ _id: 1, s: "a", i: new Int32(5), d: new Date(10) });
    const kept = await c.updateOne({ _id: 1 }, { $max: { s: 5, i: new Double(5), d: new Date(3) } });
    expect(kept.matchedCount).toBe(1);
    expect(kept.modifiedCount).toBe(0);
    expect(await stored(c)).toBe(exact({ s: "a", i: new Int32(5), d: new Date(10) }));
    const changed = await c.updateOne({ _id: 1 }, { $min: { s: 5, d: new Date(3) }, $max: { n: 1 } });
    expect(changed.modifiedCount).toBe(1);
    expect(await stored(c)).toBe(exact({ s: new Int32(5), i: new Int32(5), d: new Date(3), n: new Int32(1) }));
  });

  it("$set of the same value is no modification; of another type is one", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, v: new Int32(5) });
    expect((await c.updateOne({ _id: 1 }, { $set: { v: new Int32(5) } })).modifiedCount).toBe(0);
    expect((await c.updateOne({ _id: 1 }, { $set: { v: new Double(5) } })).modifiedCount).toBe(1);
    expect(await stored(c)).toBe(exact({ v: new Double(5) }));
  });

  it("an upsert seeds the new document from the filter's equalities ($eq, dotted paths, $and, one-clause $or, one-value $in)", async () => {
    const c = collection();
    const result = await c.updateOne(
      { _id: 7, a: 1, "b.c": 2, $and: [{ d: 3 }], $or: [{ e: 4 }], f: { $in: [5] }, g: { $gt: 0 }, h: { $eq: 6 } },
      { $set: { z: 9 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(1);
    expect(result.upsertedId).toBe(7);
    const document = await c.findOne({ _id: 7 });
    expect(document).toEqual({ _id: 7, a: 1, b: { c: 2 }, d: 3, e: 4, f: 5, h: 6, z: 9, created: true });
    // Matched now: $setOnInsert does nothing.
    await c.updateOne({ _id: 7 }, { $set: { z: 10 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(await c.findOne({ _id: 7 }, { projection: { created: 1, z: 1, _id: 0 } })).toEqual({ z: 10, created: true });
  });

  it("an upsert cannot seed two equalities on one path (NotSingleValueField, 54)", async () => {
    const c = collection();
    const error = await rejection(c.updateOne({ a: 1, "a.b": 2 }, { $set: { z: 1 } }, { upsert: true }));
    expect(error.code).toBe(54);
  });

  it("a replacement upsert takes only the filter's _id", async () => {
    const c = collection();
    await c.replaceOne({ _id: "r", a: 1 }, { b: 2 }, { upsert: true });
    expect(await c.findOne({ _id: "r" })).toEqual({ _id: "r", b: 2 });
  });

  it("_id is immutable: another value is refused (66), the same value may be set", async () => {
    // The _id field page: "Once set, you cannot update the value of the _id field".
    const c = collection();
    await c.insertOne({ _id: 1, v: 1 });
    expect((await rejection(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }))).code).toBe(66);
    expect((await rejection(c.updateOne({ _id: 1 }, { $unset: { _id: "" } }))).code).toBe(66);
    expect((await rejection(c.replaceOne({ _id: 1 }, { _id: 3, v: 2 }))).code).toBe(66);
    const same = await c.updateOne({ _id: 1 }, { $set: { _id: 1, v: 2 } });
    expect(same.modifiedCount).toBe(1);
    expect(await c.find({}).toArray()).toEqual([{ _id: 1, v: 2 }]);
  });

  it("refuses an unknown operator (9), two operators on one path (40), and a path through a value (28)", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, a: 5 });
    expect((await rejection(c.updateOne({ _id: 1 }, { $set: { b: 1 }, $nope: { c: 1 } }))).code).toBe(9);
    expect((await rejection(c.updateOne({ _id: 1 }, { $set: { b: 1 }, $inc: { "b.c": 1 } }))).code).toBe(40);
    expect((await rejection(c.updateOne({ _id: 1 }, { $set: { "a.b": 1 } }))).code).toBe(28);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 5 });
  });

  it("array operators: $push with $each, $position, $sort and $slice; $addToSet by value; $pull, $pullAll, $pop", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, p: [3, 1], s: [new Int32(1)], q: [1, 2, 3, 4, { x: 1 }], r: [1, 2, 1], t: [1, 2, 3] });
    await c.updateOne(
      { _id: 1 },
      {
        $push: { p: { $each: [5, 0], $position: 1, $sort: -1, $slice: 3 } },
        $addToSet: { s: { $each: [Long.fromNumber(1), 2, 2] } },
        $pull: { q: { $gte: 3 } },
        $pullAll: { r: [1] },
        $pop: { t: -1 },
      },
    );
    expect(await c.findOne({ _id: 1 })).toEqual({
      _id: 1,
      p: [5, 3, 1],
      s: [1, 2],
      q: [1, 2, { x: 1 }],
      r: [2],
      t: [2, 3],
    });
    await c.updateOne({ _id: 1 }, { $pull: { q: { x: 1 } }, $set: { "t.4": "e" } });
    expect(await c.findOne({ _id: 1 }, { projection: { q: 1, t: 1, _id: 0 } })).toEqual({
      q: [1, 2],
      t: [2, 3, null, null, "e"],
    });
  });

  it("$rename, $unset, $currentDate, and new fields in the order of their paths", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, a: 1, b: { c: 2 } });
    await c.updateOne(
      { _id: 1 },
      { $rename: { a: "z.y" }, $unset: { "b.c": 1 }, $currentDate: { d: true }, $set: { m: 1, e: 1 } },
    );
    const document = await c.findOne({ _id: 1 });
    expect(document.d).toBeInstanceOf(Date);
    expect(Object.keys(document)).toEqual(["_id", "b", "d", "e", "m", "z"]);
    expect({ ...document, d: undefined }).toEqual({ _id: 1, b: {}, d: undefined, e: 1, m: 1, z: { y: 1 } });
  });

  it("updateOne with sort updates the first document in that order (MongoDB 8.0)", async () => {
    const c = collection();
    await c.insertMany([
      { _id: 1, n: 3 },
      { _id: 2, n: 1 },
      { _id: 3, n: 2 },
    ]);
    await c.updateOne({}, { $set: { picked: true } }, { sort: { n: 1 } });
    expect((await c.find({ picked: true }).toArray()).map((d: { _id: number }) => d._id)).toEqual([2]);
  });

  it("findOneAndUpdate returns the document before or after, sorted and projected", async () => {
    const c = collection();
    await c.insertMany([
      { _id: new ObjectId("6565a1f0c2b4a1d2e3f40516"), n: 2, tag: "x" },
      { _id: new ObjectId("6565a1f0c2b4a1d2e3f40517"), n: 1, tag: "x" },
    ]);
    const before = await c.findOneAndUpdate(
      { tag: "x" },
      { $inc: { n: 10 } },
      { sort: { n: 1 }, projection: { _id: 0, n: 1 } },
    );
    expect(before).toEqual({ n: 1 });
    const after = await c.findOneAndUpdate(
      { tag: "x" },
      { $inc: { n: 10 } },
      { sort: { n: -1 }, projection: { _id: 0 }, returnDocument: "after" },
    );
    expect(after).toEqual({ n: 21, tag: "x" });
  });
});
