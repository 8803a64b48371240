import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkWriteKeepingRefusals } from "../../src/core/firehose/apply/bulk-write-refusals";
import { PERMANENT_FOR_A_RECORD } from "../../src/core/mongo-error-codes";
import type { CollectionPort, Document, WriteOperation } from "../../src/core/ports";

/*
 * What a real MongoDB answers when one document of a bulk write cannot be stored, beside one that
 * can: the refusal must be that operation's alone (a code in PERMANENT_FOR_A_RECORD, or the driver's
 * own refusal to encode it), and the other write must land. The webhook checks most of these before
 * writing (document-limits.ts, the record formats); this is what it relies on when it does not.
 * Runs against MONGODB_URI (a replica set, as Atlas is); skipped without one.
 */
const uri = process.env.MONGODB_URI;

function nested(levels: number): Document {
  let doc: Document = { s: 1 };
  for (let i = 1; i < levels; i++) doc = { s: doc };
  return doc;
}

const replace = (id: unknown, replacement: Document): WriteOperation => ({
  replaceOne: { filter: { _id: id }, replacement: { _id: id, ...replacement }, upsert: true },
});
const update = (id: unknown, change: Document): WriteOperation => ({
  updateOne: { filter: { _id: id }, update: change },
});

if (!uri) {
  it("record refusal codes: real MongoDB (MONGODB_URI)", (context) =>
    context.skip("MONGODB_URI is not set, so what a real server answers is not checked here"));
} else {
  describe("a real server's refusal of one document in a bulk write", () => {
    let client: MongoClient;
    const db = `akb_refusals_${process.pid}_${Date.now()}`;
    beforeAll(async () => {
      client = await new MongoClient(uri).connect();
      await client.db(db).createCollection("validated", { validator: { v: { $type: "int" } } });
      await client.db(db).collection("unique").createIndex({ email: 1 }, { unique: true });
      await client
        .db(db)
        .collection("target")
        .insertOne({ _id: "held" as never, a: "scalar" });
    });
    afterAll(async () => {
      await client.db(db).dropDatabase();
      await client.close();
    });
    const collection = (name: string) => client.db(db).collection(name) as unknown as CollectionPort;

    it.each([
      ["a validator's refusal", "validated", replace("bad", { v: "not an int" })],
      ["another unique index", "unique", replace("bad", { email: "taken@example.com" })],
      ["nesting beyond the server's storage depth (181 levels)", "target", replace("bad", nested(181))],
      ["an update path through a string", "target", update("held", { $set: { "a.b": 1 } })],
      ["an update changing a path and one inside it", "target", update("held", { $set: { a: 1, "a.b": 2 } })],
      ["an update changing _id", "target", update("held", { $set: { _id: "other" } })],
      ["a replacement over 16 MiB", "target", replace("bad", { s: "x".repeat(16 * 1024 * 1024) })],
    ])("%s is that operation's refusal, and the other write lands", async (_name, name, bad) => {
      if (name === "unique")
        await collection(name).bulkWrite([replace("first", { email: "taken@example.com" })], { ordered: false });
      const good = replace(`good-${name}`, { v: 1 });
      const refusals = await bulkWriteKeepingRefusals(collection(name), [bad, good], "database write");
      expect(refusals).toHaveLength(1);
      expect(refusals[0].opIndex).toBe(0);
      if (refusals[0].by === "server") expect(PERMANENT_FOR_A_RECORD.has(refusals[0].code)).toBe(true);
      expect(
        await client
          .db(db)
          .collection(name)
          .countDocuments({ _id: `good-${name}` as never }),
      ).toBe(1);
    });
  });
}
