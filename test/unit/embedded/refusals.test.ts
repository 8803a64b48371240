import { describe, expect, it } from "vitest";
import type { Document } from "../../../src/core/ports";
import { EmbeddedStore, EmbeddedUnsupportedError, type EmbeddedCollection } from "../../../src/embedded/store";

/*
 * What the embedded store does not implement is refused, never ignored: the call fails with an
 * EmbeddedUnsupportedError naming the feature and pointing at MONGODB_URI, and nothing is written
 * (docs/embedded-store.md lists them).
 */

interface Case {
  name: string;
  /** Text the error must name. */
  names: string;
  run: (c: EmbeddedCollection) => Promise<unknown>;
}

const CASES: Case[] = [
  {
    name: "find with a collation",
    names: '"collation" option of find',
    run: (c) => c.find({}, { collation: { locale: "fr" } } as Document).toArray(),
  },
  {
    name: "find with a hint",
    names: '"hint" option of find',
    run: (c) => c.find({}, { hint: { _id: 1 } } as Document).toArray(),
  },
  {
    name: "find with let",
    names: '"let" option of find',
    run: (c) => c.find({}, { let: { x: 1 } } as Document).toArray(),
  },
  {
    name: "find in a session",
    names: "sessions and transactions",
    run: (c) => c.find({}, { session: {} } as Document).toArray(),
  },
  { name: "$where", names: "query operator $where", run: (c) => c.find({ $where: "true" }).toArray() },
  { name: "$expr", names: "query operator $expr", run: (c) => c.find({ $expr: { $gt: ["$a", 1] } }).toArray() },
  { name: "$text", names: "query operator $text", run: (c) => c.find({ $text: { $search: "x" } }).toArray() },
  { name: "$near", names: "query operator $near", run: (c) => c.find({ a: { $near: [0, 0] } }).toArray() },
  { name: "$jsonSchema", names: "query operator $jsonSchema", run: (c) => c.find({ $jsonSchema: {} }).toArray() },
  {
    name: "a $meta sort",
    names: "$meta",
    run: (c) =>
      c
        .find({})
        .sort({ s: { $meta: "textScore" } })
        .toArray(),
  },
  {
    name: "a $slice projection",
    names: "projection",
    run: (c) => c.find({}, { projection: { a: { $slice: 1 } } }).toArray(),
  },
  {
    name: "a positional projection",
    names: 'positional projection "a.$"',
    run: (c) => c.find({ a: 1 }, { projection: { "a.$": 1 } }).toArray(),
  },
  {
    name: "a regular expression PCRE runs differently",
    names: "regular expression /a++/",
    run: (c) => c.find({ a: { $regex: "a++" } }).toArray(),
  },
  {
    name: "updateOne with arrayFilters",
    names: '"arrayFilters" option of updateOne',
    run: (c) => c.updateOne({ _id: 1 }, { $set: { "a.$[x]": 1 } }, { arrayFilters: [{ x: 1 }] }),
  },
  {
    name: "updateOne with a collation",
    names: '"collation" option of updateOne',
    run: (c) => c.updateOne({ _id: 1 }, { $set: { a: 2 } }, { collation: { locale: "fr" } }),
  },
  {
    name: "updateMany with a hint",
    names: '"hint" option of updateMany',
    run: (c) => c.updateMany({}, { $set: { a: 2 } }, { hint: { _id: 1 } }),
  },
  {
    name: "an update pipeline",
    names: "aggregation pipeline",
    run: (c) => c.updateOne({ _id: 1 }, [{ $set: { a: 2 } }] as unknown as Document),
  },
  {
    name: "an all-positional update path",
    names: "positional update path 'a.$[]'",
    run: (c) => c.updateOne({ _id: 1 }, { $set: { "a.$[]": 2 } }),
  },
  {
    name: "a positional update path",
    names: "positional update path 'a.$'",
    run: (c) => c.updateOne({ a: 1 }, { $set: { "a.$": 2 } }),
  },
  {
    name: "replaceOne with let",
    names: '"let" option of replaceOne',
    run: (c) => c.replaceOne({ _id: 1 }, { a: 2 }, { let: {} }),
  },
  {
    name: "findOneAndUpdate with its result metadata",
    names: '"includeResultMetadata" option of findOneAndUpdate',
    run: (c) => c.findOneAndUpdate({ _id: 1 }, { $set: { a: 2 } }, { includeResultMetadata: true }),
  },
  {
    name: "deleteMany with a collation",
    names: '"collation" option of deleteMany',
    run: (c) => c.deleteMany({}, { collation: { locale: "fr" } }),
  },
  {
    name: "countDocuments with a hint",
    names: '"hint" option of countDocuments',
    run: (c) => c.countDocuments({}, { hint: { _id: 1 } }),
  },
  {
    name: "insertOne with the server's ObjectIds",
    names: '"forceServerObjectId" option of insertOne',
    run: (c) => c.insertOne({ a: 1 }, { forceServerObjectId: true }),
  },
  {
    name: "a unique index",
    names: '"unique" option of createIndex',
    run: (c) => c.createIndex({ a: 1 }, { unique: true }),
  },
  { name: "$group", names: "aggregation stage $group", run: (c) => c.aggregate([{ $group: { _id: null } }]).toArray() },
  {
    name: "an expression in $project",
    names: "aggregation expression $add",
    run: (c) => c.aggregate([{ $project: { b: { $add: ["$a", 1] } } }]).toArray(),
  },
  {
    name: "an expression in $project that no document reaches (refused when the stage is read, as the server parses it)",
    names: "aggregation expression $add",
    run: (c) => c.aggregate([{ $match: { a: "none" } }, { $project: { b: { $add: ["$a", 1] } } }]).toArray(),
  },
  {
    name: "aggregate with a collation",
    names: '"collation" option of aggregate',
    run: (c) => c.aggregate([], { collation: { locale: "fr" } }).toArray(),
  },
  {
    name: "a bulk write with arrayFilters in one of its operations",
    names: '"arrayFilters" option of bulkWrite\'s updateOne',
    run: (c) =>
      c.bulkWrite([
        { insertOne: { document: { _id: 2 } } },
        { updateOne: { filter: { _id: 1 }, update: { $set: { "a.$[x]": 1 } }, arrayFilters: [{ x: 1 }] } as never },
      ]),
  },
  {
    name: "a bulk write with let",
    names: '"let" option of bulkWrite',
    run: (c) => c.bulkWrite([{ insertOne: { document: { _id: 2 } } }], { let: {} }),
  },
];

describe("what the embedded store does not implement is refused by name, and nothing is written", () => {
  it.each(CASES)("$name", async ({ names, run }) => {
    const store = new EmbeddedStore();
    const collection = store.db("t").collection("c");
    await collection.insertOne({ _id: 1, a: [1, 2] });
    const events: unknown[] = [];
    store.watch((event) => events.push(event));
    const error = await run(collection).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedUnsupportedError);
    expect((error as Error).message).toContain(names);
    expect((error as Error).message).toContain("MONGODB_URI");
    expect(await collection.find({}).toArray()).toEqual([{ _id: 1, a: [1, 2] }]);
    expect(events).toEqual([]);
  });
});
