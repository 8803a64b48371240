import { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DataFolderError,
  openDataFolderToRead,
  openDataFolderToWrite,
  DATA_FOLDER_MARKER,
} from "../../../src/embedded/data-folder";

const scratch = mkdtempSync(join(tmpdir(), "akb-folder-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(scratch, `f${++n}`);

describe("a data folder of the embedded store", () => {
  it("keeps documents with their exact BSON types, and TTL indexes, across processes' opens", async () => {
    const dir = freshDir();
    const writer = openDataFolderToWrite(dir, { command: "test" });
    const doc = {
      _id: new ObjectId(),
      int: new Int32(7),
      whole: new Double(3),
      long: Long.fromString("9007199254740993"),
      decimal: Decimal128.fromString("1.10"),
      at: new Date("2026-01-02T03:04:05Z"),
      bytes: new Binary(Buffer.from([0, 1, 2])),
      nested: { list: [1, "two", null] },
    };
    const collection = writer.store.db("monitors").collection("firehose");
    await collection.insertOne(doc);
    await collection.insertOne({ _id: "second" });
    await writer.store
      .db("monitors")
      .collection("firehose_deletes")
      .createIndex({ deletedAt: 1 }, { expireAfterSeconds: 604800 });
    await writer.close();

    const reader = openDataFolderToRead(dir);
    const [back] = await reader.store
      .db("monitors")
      .collection("firehose")
      .find({ _id: doc._id }, { promoteValues: false })
      .toArray();
    expect(BSON.serialize(back)).toEqual(BSON.serialize(doc));
    expect(await reader.store.db("monitors").collection("firehose").countDocuments()).toBe(2);
    expect(reader.store.db("monitors").collection("firehose_deletes").ttlIndexes()).toEqual([["deletedAt", 604800]]);
    // The layout of mongodump's output: the documents as BSON one after the other.
    const bytes = readFileSync(join(dir, "monitors", "firehose.bson"));
    expect(BSON.deserialize(bytes.subarray(0, bytes.readInt32LE(0)))._id).toEqual(doc._id);
  });

  it("saves what changed on its interval, so a reader sees a running writer's data", async () => {
    const dir = freshDir();
    const writer = openDataFolderToWrite(dir, { command: "test", saveEveryMs: 50 });
    await writer.store.db("a").collection("b").insertOne({ _id: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await openDataFolderToRead(dir).store.db("a").collection("b").countDocuments()).toBe(1);
    await writer.store.db("a").collection("b").deleteOne({ _id: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await openDataFolderToRead(dir).store.db("a").collection("b").countDocuments()).toBe(0);
    await writer.close();
  });

  it("has one writer at a time; a lock left by a process that is gone is taken over", async () => {
    const dir = freshDir();
    const first = openDataFolderToWrite(dir, { command: "npm run serve" });
    expect(() => openDataFolderToWrite(dir, { command: "npm run replay-firehose-backup" })).toThrow(
      new RegExp(`data folder ${dir} is in use by npm run serve \\(pid ${process.pid}, since `),
    );
    await first.close();
    // A lock of a process that no longer runs (pid beyond any live one).
    writeFileSync(join(dir, "akb-store.lock"), JSON.stringify({ pid: 2 ** 22 + 12345, command: "npm start" }));
    const second = openDataFolderToWrite(dir, { command: "test" });
    await second.close();
  });

  it.each([
    ["a folder that does not exist", (dir: string) => dir, "does not exist"],
    ["a folder with no saved store", (dir: string) => (mkdirSync(dir), dir), "holds no saved store"],
    [
      "a damaged collection file",
      (dir: string) => {
        mkdirSync(join(dir, "db"), { recursive: true });
        writeFileSync(join(dir, DATA_FOLDER_MARKER), "{}");
        writeFileSync(
          join(dir, "db", "coll.bson"),
          Buffer.concat([BSON.serialize({ _id: 1 }), Buffer.from([9, 0, 0])]),
        );
        return dir;
      },
      "coll.bson: not a BSON document at byte 14; the file is damaged",
    ],
  ])("reading %s is refused, naming it", (_name, prepare, message) => {
    const dir = prepare(freshDir());
    expect(() => openDataFolderToRead(dir)).toThrow(DataFolderError);
    expect(() => openDataFolderToRead(dir)).toThrow(message);
  });

  it("never writes into a folder that holds something else", () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(() => openDataFolderToWrite(dir, { command: "test" })).toThrow(/is not empty and is not a data folder/);
  });

  it("reads a plain mongodump folder (metadata in canonical Extended JSON)", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, "streamkap"), { recursive: true });
    writeFileSync(
      join(dir, "streamkap", "kinesis_outbox.bson"),
      Buffer.concat([BSON.serialize({ _id: "a", attempts: 1 }), BSON.serialize({ _id: "b", attempts: 2 })]),
    );
    writeFileSync(
      join(dir, "streamkap", "kinesis_outbox.metadata.json"),
      '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},"key":{"at":{"$numberInt":"1"}},"name":"at_1","expireAfterSeconds":{"$numberInt":"60"}}],"uuid":"0f3b","collectionName":"kinesis_outbox","type":"collection"}',
    );
    const folder = openDataFolderToRead(dir);
    expect(
      await folder.store
        .db("streamkap")
        .collection("kinesis_outbox")
        .countDocuments({ attempts: { $gt: 1 } }),
    ).toBe(1);
    expect(folder.store.db("streamkap").collection("kinesis_outbox").ttlIndexes()).toEqual([["at", 60]]);
  });
});
