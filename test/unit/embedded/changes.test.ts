import { Double, Int32 } from "bson";
import { describe, expect, it } from "vitest";
import { EmbeddedStore, type ChangeEvent } from "../../../src/embedded/store";

/*
 * The embedded store's change feed, as MongoDB's change events describe writes
 * (https://www.mongodb.com/docs/manual/reference/change-events/): one event per write that changed a
 * document, none for an update that changed nothing (MongoDB writes no oplog entry for a no-op).
 */

async function watched() {
  const store = new EmbeddedStore();
  const collection = store.db("app").collection("c");
  const events: ChangeEvent[] = [];
  store.watch((event) => events.push(event));
  return { collection, events };
}

describe("the embedded store's change events", () => {
  it.each([
    { name: "$set of the same value", update: { $set: { v: 5 } } },
    { name: "$max of a smaller value", update: { $max: { v: 1 } } },
    { name: "$max of an equal Double over an Int32", update: { $max: { v: new Double(5) } } },
    { name: "$min of a string (strings sort above numbers)", update: { $min: { v: "a" } } },
    { name: "$inc by 0", update: { $inc: { v: 0 } } },
    { name: "$unset of a missing field", update: { $unset: { w: "" } } },
    { name: "$addToSet of a present value", update: { $addToSet: { list: 1 } } },
  ])("an update that changes nothing ($name): modifiedCount 0, no event", async ({ update }) => {
    const { collection, events } = await watched();
    await collection.insertOne({ _id: 1, v: new Int32(5), list: [1] });
    events.length = 0;
    const result = await collection.updateOne({ _id: 1 }, update);
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(events).toEqual([]);
  });

  it("an update's event names what it changed and removed, with exact types", async () => {
    const { collection, events } = await watched();
    await collection.insertOne({ _id: 1, v: new Int32(5), w: 1, keep: new Double(2) });
    events.length = 0;
    await collection.updateOne(
      { _id: 1 },
      { $set: { v: new Int32(5), "n.m": 1 }, $unset: { w: "" }, $inc: { keep: 0.5 } },
    );
    expect(events).toHaveLength(1);
    expect(events[0].operationType).toBe("update");
    expect(events[0].documentKey).toEqual({ _id: new Int32(1) });
    expect(events[0].updateDescription).toEqual({
      updatedFields: { keep: new Double(2.5), "n.m": new Int32(1) },
      removedFields: ["w"],
      truncatedArrays: [],
    });
    expect(events[0].fullDocument).toEqual({
      _id: new Int32(1),
      v: new Int32(5),
      keep: new Double(2.5),
      n: { m: new Int32(1) },
    });
  });

  it("an upsert is an insert event; a replacement a replace event; a delete a delete event", async () => {
    const { collection, events } = await watched();
    await collection.updateOne({ _id: "u" }, { $set: { a: 1 } }, { upsert: true });
    await collection.replaceOne({ _id: "u" }, { b: 2 });
    await collection.replaceOne({ _id: "u" }, { b: 2 }); // the same bytes: no write
    await collection.deleteOne({ _id: "u" });
    expect(events.map((event) => event.operationType)).toEqual(["insert", "replace", "delete"]);
    expect(events[1].fullDocument).toEqual({ _id: "u", b: new Int32(2) });
    expect(events[2].fullDocumentBeforeChange).toEqual({ _id: "u", b: new Int32(2) });
  });

  it("a refused write in a bulk write emits nothing for it, and the others' events in order", async () => {
    const { collection, events } = await watched();
    await collection.insertOne({ _id: 1 });
    events.length = 0;
    await collection
      .bulkWrite(
        [
          { insertOne: { document: { _id: 2 } } },
          { insertOne: { document: { _id: 1 } } },
          { updateOne: { filter: { _id: 2 }, update: { $set: { a: 1 } } } },
        ],
        { ordered: false },
      )
      .catch(() => undefined);
    expect(events.map((event) => [event.operationType, event.documentKey._id])).toEqual([
      ["insert", new Int32(2)],
      ["update", new Int32(2)],
    ]);
  });
});
