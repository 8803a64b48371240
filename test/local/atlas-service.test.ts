import { Double, Int32, Long } from "bson";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../src/embedded/store";
import { localAtlasService } from "../../src/local/atlas-service";

const numbers = { _id: 1, double: new Double(2), int: new Int32(3), long: Long.fromNumber(4) };

describe("the local mongodb-atlas service", () => {
  const cases = [
    { name: "a watched collection's find keeps every number's type", ns: "app.orders", exact: true },
    { name: "another collection's find hands plain numbers", ns: "streamkap.kinesis_outbox", exact: false },
  ];
  it.each(cases)("$name", async ({ ns, exact }) => {
    const store = new EmbeddedStore();
    const [db, coll] = ns.split(".");
    await store
      .db(db)
      .collection(coll)
      .insertOne({ ...numbers });
    const service = localAtlasService(store, (namespace) => namespace === "app.orders");
    const [read] = await service.db(db).collection(coll).find({ _id: 1 }).toArray();
    if (exact) {
      expect(read.double).toBeInstanceOf(Double);
      expect(read.int).toBeInstanceOf(Int32);
      expect(read.long).toBeInstanceOf(Long);
    } else {
      expect(read).toEqual({ _id: 1, double: 2, int: 3, long: 4 });
    }
    // Every other method is the store's own: a write through the service lands in the store.
    await service
      .db(db)
      .collection(coll)
      .updateOne({ _id: 1 }, { $set: { seen: true } });
    expect(await store.db(db).collection(coll).findOne({ _id: 1 })).toMatchObject({ seen: true });
  });
});
