import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../src/core/firehose/receive-delivery";
import { readFixture, type FirehoseExpectation, type FirehoseFixture } from "../helpers/fixtures";
import { canonicalContents, deliveryFromFixture, makeFirehoseDeps } from "../helpers/firehose";
import { conformance } from "./harness";

/*
 * What the project's own code relies on, as cases: the webhook's guarded upserts, bulk writes and
 * their refusals, snapshot reads by _id type. Each follows the manual page named in it (CRUD
 * methods: https://www.mongodb.com/docs/manual/reference/method/js-collection/). Run against a real
 * server with MONGODB_URI (see harness.ts).
 */

conformance("what the project relies on", (context) => {
  const { collection } = context;
  const names = new Map<string, unknown>();
  // One collection per name within a case file, as the cases below were written.
  const coll = (name: string) => {
    if (!names.has(name)) names.set(name, collection());
    return names.get(name) as ReturnType<typeof collection>;
  };

  it("replaceOne upsert creates, then replaces, by _id; types survive a round trip", async () => {
    const id = new ObjectId();
    await coll("a").replaceOne(
      { _id: id },
      { v: new Int32(1), d: new Double(2), l: Long.fromString("9007199254740993") },
      { upsert: true },
    );
    await coll("a").replaceOne(
      { _id: id },
      { v: new Int32(2), d: new Double(3), l: Long.fromString("9007199254740995") },
      { upsert: true },
    );
    const all = await coll("a").find({}, { promoteValues: false }).toArray();
    expect(all).toHaveLength(1);
    expect(all[0]._id.equals(id)).toBe(true);
    expect(all[0].d).toBeInstanceOf(Double);
    expect(all[0].l.toString()).toBe("9007199254740995");
  });

  it("numeric _ids match across BSON number types", async () => {
    await coll("b").insertOne({ _id: 1, v: "int" });
    await coll("b").replaceOne({ _id: new Double(1) }, { v: "double" }, { upsert: true });
    await coll("b").replaceOne({ _id: Long.fromNumber(1) }, { v: "long" }, { upsert: true });
    expect(await coll("b").find({}).toArray()).toEqual([{ _id: 1, v: "long" }]);
    // An Int64 42 and a Decimal128 42 delivered to the webhook are one document.
    await coll("b").replaceOne({ _id: Long.fromNumber(42) }, { v: "long" }, { upsert: true });
    await coll("b").replaceOne({ _id: Decimal128.fromString("42") }, { v: "decimal" }, { upsert: true });
    expect(await coll("b").countDocuments({ _id: 42 })).toBe(1);
    expect(await coll("b").findOne({ _id: 42 })).toEqual({ _id: 42, v: "decimal" });
  });

  it("an _id given as a wrapper (Double, Long) matches with further conditions, as the ordering guard asks", async () => {
    await coll("g").insertMany([
      { _id: 4.5, pos: "a" },
      { _id: 7, pos: "a" },
    ]);
    await coll("g").replaceOne({ _id: new Double(4.5), pos: { $lt: "b" } }, { pos: "b" }, { upsert: true });
    await coll("g").replaceOne({ _id: Long.fromNumber(7), pos: { $lt: "b" } }, { pos: "b" }, { upsert: true });
    expect(await coll("g").find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 4.5, pos: "b" },
      { _id: 7, pos: "b" },
    ]);
  });

  it("$type on _id selects type groups in _id order; a range bound skips NaN, $gte: -Infinity does not reach it", async () => {
    const ids = [NaN, -Infinity, 2, "s", new ObjectId("6565a1f0c2b4a1d2e3f40516"), true, new Date(0)];
    await coll("t").insertMany(ids.map((_id) => ({ _id })));
    // A null _id comes from an upsert (the driver gives an inserted null _id a new ObjectId).
    await coll("t").updateOne({ _id: null }, { $set: { n: 1 } }, { upsert: true });
    const read = async (filter: object) =>
      (await coll("t").find(filter).sort({ _id: 1 }).toArray()).map((doc: { _id: unknown }) => String(doc._id));
    expect(await read({ _id: { $type: "number" } })).toEqual(["NaN", "-Infinity", "2"]);
    expect(await read({ _id: { $type: ["string", "symbol", "objectId", "bool", "date"] } })).toEqual([
      "s",
      "6565a1f0c2b4a1d2e3f40516",
      "true",
      String(new Date(0)),
    ]);
    expect(await read({ _id: { $lt: 5 } })).toEqual(["-Infinity", "2"]);
    expect(await read({ _id: { $gte: -Infinity } })).toEqual(["-Infinity", "2"]);
    expect(await coll("t").countDocuments({ _id: { $gte: "a", $lt: "t" } })).toBe(1);
  });

  it("insertOne of an existing _id fails with E11000", async () => {
    await coll("c").insertOne({ _id: "x" });
    await expect(coll("c").insertOne({ _id: "x" })).rejects.toMatchObject({ code: 11000 });
  });

  it("a conditional upsert whose guard fails on an existing _id raises E11000 (the ordering guard relies on it)", async () => {
    await coll("d").insertOne({ _id: "doc", pos: 5 });
    await expect(
      coll("d").replaceOne({ _id: "doc", pos: { $lt: 3 } }, { pos: 3 }, { upsert: true }),
    ).rejects.toMatchObject({ code: 11000 });
    const result = await coll("d").replaceOne({ _id: "doc", pos: { $lt: 7 } }, { pos: 7 }, { upsert: true });
    expect(result.modifiedCount).toBe(1);
    expect(await coll("d").findOne({ _id: "doc" })).toEqual({ _id: "doc", pos: 7 });
  });

  it("unordered bulkWrite applies every good operation and reports each bad one by index", async () => {
    await coll("e").insertOne({ _id: "taken" });
    const error = await coll("e")
      .bulkWrite(
        [
          { insertOne: { document: { _id: "a" } } },
          { insertOne: { document: { _id: "taken" } } },
          { insertOne: { document: { _id: "b" } } },
        ],
        { ordered: false },
      )
      .catch((e: unknown) => e);
    expect(
      (error as { writeErrors: { index: number; code: number }[] }).writeErrors.map((w) => [w.index, w.code]),
    ).toEqual([[1, 11000]]);
    expect(await coll("e").countDocuments({})).toBe(3);
  });

  it("ordered bulkWrite stops at the first error", async () => {
    await coll("f").insertOne({ _id: "taken" });
    await expect(
      coll("f").bulkWrite(
        [{ insertOne: { document: { _id: "taken" } } }, { insertOne: { document: { _id: "after" } } }],
        { ordered: true },
      ),
    ).rejects.toMatchObject({ writeErrors: [expect.objectContaining({ index: 0 })] });
    expect(await coll("f").countDocuments({})).toBe(1);
  });

  it("updateOne with operators and upsert seeds the new document from the filter's equalities", async () => {
    await coll("g").updateOne({ _id: "hb", app: "x" }, { $set: { at: new Date(5) }, $inc: { n: 1 } }, { upsert: true });
    await coll("g").updateOne({ _id: "hb" }, { $inc: { n: 1 } }, { upsert: true });
    expect(await coll("g").findOne({ _id: "hb" })).toEqual({ _id: "hb", app: "x", at: new Date(5), n: 2 });
  });

  it("an update keeps the BSON types of the fields it does not touch", async () => {
    await coll("g2").insertOne({
      _id: 1,
      whole: new Double(2),
      big: Long.fromString("9007199254740993"),
      small: new Int32(7),
      nested: { d: new Double(1) },
    });
    await coll("g2").updateOne({ _id: 1 }, { $set: { "nested.e": "new" }, $inc: { small: 1 } });
    const [stored] = await coll("g2").find({ _id: 1 }, { promoteValues: false }).toArray();
    expect(stored.whole).toEqual(new Double(2));
    expect(String(stored.big)).toBe("9007199254740993");
    expect(stored.small).toEqual(new Int32(8));
    expect(stored.nested).toEqual({ d: new Double(1), e: "new" });
  });

  it("$in on _id finds each listed document once", async () => {
    await coll("g3").insertMany([{ _id: 1 }, { _id: "a" }, { _id: new ObjectId("6565a1f0c2b4a1d2e3f40516") }]);
    const found = await coll("g3")
      .find({ _id: { $in: [new Int32(1), "a", "a", "missing", new ObjectId("6565a1f0c2b4a1d2e3f40516")] } })
      .toArray();
    expect(found.map((d: { _id: unknown }) => String(d._id)).sort()).toEqual(["1", "6565a1f0c2b4a1d2e3f40516", "a"]);
  });

  it("find supports query operators, sort, skip and limit", async () => {
    await coll("h").insertMany([1, 2, 3, 4, 5].map((n) => ({ _id: n, even: n % 2 === 0 })));
    const found = await coll("h")
      .find({ _id: { $gte: 2 }, even: false })
      .sort({ _id: -1 })
      .limit(1)
      .toArray();
    expect(found).toEqual([{ _id: 5, even: false }]);
    expect(await coll("h").find({}).sort({ _id: 1 }).skip(3).toArray()).toEqual([
      { _id: 4, even: true },
      { _id: 5, even: false },
    ]);
    expect((await coll("h").deleteMany({ even: true })).deletedCount).toBe(2);
  });

  it("ordered and unordered bulk builders: find().upsert().updateOne()/replaceOne(), insert", async () => {
    const ordered = coll("i").initializeOrderedBulkOp();
    ordered.insert({ _id: "a", n: 1 });
    ordered.find({ _id: "a" }).updateOne({ $inc: { n: 1 } });
    ordered.find({ _id: "b" }).upsert().replaceOne({ n: 10 });
    await ordered.execute();
    const unordered = coll("i").initializeUnorderedBulkOp();
    unordered.insert({ _id: "a" }); // duplicate: reported, the rest still applied
    unordered
      .find({ _id: "c" })
      .upsert()
      .updateOne({ $set: { n: 3 } });
    await expect(unordered.execute()).rejects.toMatchObject({
      writeErrors: [expect.objectContaining({ index: 0, code: 11000 })],
    });
    expect(await coll("i").find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: "a", n: 2 },
      { _id: "b", n: 10 },
      { _id: "c", n: 3 },
    ]);
  });

  it("the webhook core stores the fixtures identically", async () => {
    const deps = makeFirehoseDeps({
      dataSource: context.client,
      values: { FIREHOSE_DATABASE: context.databaseName, FIREHOSE_COLLECTION: "fixtures" },
    });
    for (const name of ["single-record", "some-invalid-records"]) {
      const fixture = readFixture<FirehoseFixture>(`firehose/${name}.json`);
      expect((await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps)).status).toBe(200);
    }
    const expected = ["single-record", "some-invalid-records"].flatMap(
      (name) => readFixture<FirehoseExpectation>(`firehose/${name}.expected.json`).stored,
    );
    const stored = await canonicalContents(context.client, context.databaseName, "fixtures");
    expect(stored.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      expected.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });
});
