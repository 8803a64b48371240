import { expect, it } from "vitest";
import { conformance, rejection, type Collection } from "./harness";

/*
 * Write errors as the driver reports them: db.collection.bulkWrite()
 * (https://www.mongodb.com/docs/manual/reference/method/db.collection.bulkWrite/: ordered stops at
 * the first error, unordered goes on; the error carries writeErrors and what was written), the
 * server's limits (https://www.mongodb.com/docs/manual/reference/limits/: 16 MiB per document, 100
 * levels of nesting), and what the driver refuses before sending anything.
 */

const MiB = 1024 * 1024;

function deeplyNested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let n = 1; n < levels; n++) value = { a: value };
  return value;
}

interface BulkError {
  writeErrors: { index: number; code: number; errmsg: string }[];
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  upsertedIds: Record<number, unknown>;
  insertedIds: Record<number, unknown>;
  code: number;
}

async function seeded(c: Collection): Promise<Collection> {
  await c.insertMany([
    { _id: 1, v: 1, s: "text" },
    { _id: 2, v: 2 },
  ]);
  return c;
}

const MIXED = [
  { insertOne: { document: { _id: 3 } } },
  { insertOne: { document: { _id: 1 } } }, // duplicate key: 11000
  { updateOne: { filter: { _id: 2 }, update: { $set: { _id: 9 } } } }, // immutable _id: 66
  { updateOne: { filter: { _id: 1 }, update: { $inc: { s: 1 } } } }, // $inc of a string: 14
  { updateOne: { filter: { _id: 2 }, update: { $set: { v: 20 } } } },
  { updateOne: { filter: { _id: 5 }, update: { $set: { v: 5 } }, upsert: true } },
  { deleteOne: { filter: { _id: 3 } } },
];

conformance("write errors", ({ collection }) => {
  it("an unordered bulk write reports each failed operation by index and code, with what it wrote", async () => {
    const c = await seeded(collection());
    const error = (await rejection(c.bulkWrite(MIXED, { ordered: false }))) as unknown as BulkError;
    expect(error.writeErrors.map((w) => [w.index, w.code]).sort((a, b) => a[0] - b[0])).toEqual([
      [1, 11000],
      [2, 66],
      [3, 14],
    ]);
    expect(error.writeErrors.every((w) => typeof w.errmsg === "string" && w.errmsg.length > 0)).toBe(true);
    expect(error.code).toBe(error.writeErrors[0].code);
    expect(error.insertedCount).toBe(1);
    expect(error.matchedCount).toBe(1);
    expect(error.modifiedCount).toBe(1);
    expect(error.upsertedCount).toBe(1);
    expect(error.upsertedIds).toEqual({ 5: 5 });
    expect(error.insertedIds).toEqual({ 0: 3 });
    expect(error.deletedCount).toBe(1);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 1, s: "text" },
      { _id: 2, v: 20 },
      { _id: 5, v: 5 },
    ]);
  });

  it("an ordered bulk write stops at the first failed operation and reports what came before", async () => {
    const c = await seeded(collection());
    const error = (await rejection(c.bulkWrite(MIXED, { ordered: true }))) as unknown as BulkError;
    expect(error.writeErrors.map((w) => [w.index, w.code])).toEqual([[1, 11000]]);
    expect(error.insertedCount).toBe(1);
    expect(error.matchedCount).toBe(0);
    expect(error.insertedIds).toEqual({ 0: 3 });
    expect(await c.countDocuments({})).toBe(3);
  });

  it("an unordered bulk write runs its inserts, then its updates, then its deletes (as the driver batches them)", async () => {
    // bulkWrite page: "with an unordered list of operations, MongoDB can execute the operations in
    // parallel"; the Node.js driver groups them by kind.
    const c = collection();
    const result = await c.bulkWrite(
      [
        { deleteOne: { filter: { _id: 1 } } },
        { updateOne: { filter: { _id: 1 }, update: { $set: { seen: true } } } },
        { insertOne: { document: { _id: 1 } } },
      ],
      { ordered: false },
    );
    expect([result.insertedCount, result.matchedCount, result.deletedCount]).toEqual([1, 1, 1]);
    expect(await c.countDocuments({})).toBe(0);
  });

  it("refuses a document nested more than 100 levels (Overflow, 15), in a bulk write as a write error", async () => {
    const c = collection();
    await c.insertOne({ _id: "ok", v: deeplyNested(99) });
    expect((await rejection(c.insertOne({ _id: "deep", v: deeplyNested(100) }))).code).toBe(15);
    const error = (await rejection(
      c.bulkWrite(
        [
          { insertOne: { document: { _id: "deep", v: deeplyNested(100) } } },
          { insertOne: { document: { _id: "after" } } },
        ],
        { ordered: false },
      ),
    )) as unknown as BulkError;
    expect(error.writeErrors.map((w) => [w.index, w.code])).toEqual([[0, 15]]);
    expect(await c.countDocuments({})).toBe(2);
  });

  it("refuses an update that makes a document larger than 16 MiB (BSONObjectTooLarge, 10334)", async () => {
    const c = collection();
    await c.insertOne({ _id: 1, a: "x".repeat(9 * MiB) });
    const error = await rejection(c.updateOne({ _id: 1 }, { $set: { b: "y".repeat(8 * MiB) } }));
    expect(error.code).toBe(10334);
    expect((await c.findOne({ _id: 1 }, { projection: { b: 1 } })).b).toBeUndefined();
  });

  it("refuses an inserted document over 16 MiB (BadValue, 2); a bulk write refuses one in the driver, before anything is sent", async () => {
    const c = collection();
    expect((await rejection(c.insertOne({ _id: 1, a: "x".repeat(16 * MiB) }))).code).toBe(2);
    const error = await rejection(
      c.bulkWrite([
        { insertOne: { document: { _id: 2 } } },
        { insertOne: { document: { _id: 3, a: "x".repeat(16 * MiB) } } },
      ]),
    );
    expect(error.name).toBe("MongoInvalidArgumentError");
    expect(await c.countDocuments({})).toBe(0);
  });

  it("the driver refuses an update without operators and a replacement with them, before sending", async () => {
    const c = collection();
    await c.insertOne({ _id: 1 });
    expect((await rejection(c.updateOne({ _id: 1 }, { v: 1 }))).name).toBe("MongoInvalidArgumentError");
    expect((await rejection(c.replaceOne({ _id: 1 }, { $set: { v: 1 } }))).name).toBe("MongoInvalidArgumentError");
    expect(
      (
        await rejection(
          c.bulkWrite([{ insertOne: { document: { _id: 2 } } }, { updateOne: { filter: {}, update: { v: 1 } } }]),
        )
      ).name,
    ).toBe("MongoInvalidArgumentError");
    expect(await c.countDocuments({})).toBe(1);
  });

  it("reports an invalid _id (53), a $-prefixed field in _id (52) and a replacement's $-prefixed field (52) as write errors", async () => {
    const c = collection();
    await c.insertOne({ _id: 1 });
    const error = (await rejection(
      c.bulkWrite(
        [
          { insertOne: { document: { _id: [1] } } },
          { insertOne: { document: { _id: { $x: 1 } } } },
          { replaceOne: { filter: { _id: 1 }, replacement: { a: 1, $b: 2 } } },
          { insertOne: { document: { _id: 2 } } },
        ],
        { ordered: false },
      ),
    )) as unknown as BulkError;
    expect(error.writeErrors.map((w) => [w.index, w.code]).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 53],
      [1, 52],
      [2, 52],
    ]);
    expect(error.insertedCount).toBe(1);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 1 }, { _id: 2 }]);
  });

  it("a duplicate key error names the _id index and the key", async () => {
    const c = collection();
    await c.insertOne({ _id: "k" });
    const error = await rejection(c.insertOne({ _id: "k" }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ _id: 1 });
    expect(error.keyValue).toEqual({ _id: "k" });
    expect(String(error.errmsg)).toMatch(/index: _id_ dup key/);
  });
});
