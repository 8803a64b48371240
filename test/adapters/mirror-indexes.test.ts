import { describe, expect, it } from "vitest";
import { ensureMirrorTtlIndexes } from "../../src/adapters/mongodb/mirror-indexes";
import { DELETE_POSITION_RETENTION_S, RECONCILE_RETENTION_S } from "../../src/core/firehose/config";
import { EmbeddedStore } from "../../src/embedded/store";

/** What the local runtime and `npm run serve` do on the embedded store, as the mongosh script does on MongoDB. */
describe("ensureMirrorTtlIndexes", () => {
  it.each([
    { names: {}, db: "monitors", deletes: "firehose_deletes", reconciles: "firehose_reconciles" },
    {
      names: { database: "mirror", deletesCollection: "d", reconcileCollection: "r" },
      db: "mirror",
      deletes: "d",
      reconciles: "r",
    },
  ])("expires delete positions and reconcile rows after their retention ($db)", async (c) => {
    const store = new EmbeddedStore();
    await ensureMirrorTtlIndexes(store, c.names);
    const now = Date.now();
    const deletes = store.db(c.db).collection(c.deletes);
    const reconciles = store.db(c.db).collection(c.reconciles);
    await deletes.insertMany([
      { _id: "old", deletedAt: new Date(now - DELETE_POSITION_RETENTION_S * 1000 - 1000) },
      { _id: "new", deletedAt: new Date(now) },
    ]);
    await reconciles.insertMany([
      { _id: "m|old", at: new Date(now - RECONCILE_RETENTION_S * 1000 - 1000) },
      { _id: "m|new", at: new Date(now) },
    ]);
    expect(deletes.sweepExpired(now) + reconciles.sweepExpired(now)).toBe(2);
    expect((await deletes.find({}).toArray()).map((row) => row._id)).toEqual(["new"]);
    expect((await reconciles.find({}).toArray()).map((row) => row._id)).toEqual(["m|new"]);
  });
});
