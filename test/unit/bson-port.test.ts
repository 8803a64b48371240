import * as bson7 from "bson";
import * as bson4 from "bson4";
import { describe, expect, it } from "vitest";
import { makeBsonPort } from "../../src/core/bson-port";
import { partitionKeyFor } from "../../src/core/capture/publish/partition-key";
import { idKey, matchesId } from "../../src/core/id-key";
import { BRACKET, idBracket } from "../../src/core/id-order";

const hex = "6565a1f0c2b4a1d2e3f40516";

// js-bson 4 (the BSON library the Node 10 tests give the functions) tags ObjectIds "ObjectID", bson 5 and
// later "ObjectId"; the cores must treat both alike, or the same document gets another partition key.
describe.each([
  { library: "bson 7 (Node hosts)", port: makeBsonPort(bson7, bson7.EJSON), id: new bson7.ObjectId(hex) },
  { library: "bson 4 (tags ObjectID)", port: makeBsonPort(bson4, bson4.EJSON), id: new bson4.ObjectId(hex) },
])("an ObjectId from $library", ({ port, id }) => {
  it("is an ObjectId to the cores", () => {
    expect(port.bsonType(id)).toBe("ObjectId");
  });
  it("is keyed, bracketed and partitioned by its hex", () => {
    expect(partitionKeyFor(id, port)).toBe(hex);
    expect(idKey(id, port)).toBe(`o:${hex}`);
    expect(idBracket(id, port)).toBe(BRACKET.objectId);
  });
  // matchesId must agree with comparing keys, whichever path it takes (bytes for two ObjectIds).
  it.each([
    { name: "the same ObjectId, another object", other: () => new (id.constructor as new (h: string) => unknown)(hex) },
    {
      name: "another ObjectId",
      other: () => new (id.constructor as new (h: string) => unknown)(hex.replace(/6$/, "7")),
    },
    { name: "its hex as a string", other: () => hex },
    { name: "a document holding it", other: () => ({ _id: id }) },
  ])("matches $name exactly when the keys are equal", ({ other }) => {
    const value = other();
    expect(matchesId(value, id, idKey(id, port), port)).toBe(idKey(value, port) === idKey(id, port));
  });
});

describe("matchesId beyond two js-bson ObjectIds", () => {
  const port = makeBsonPort(bson7, bson7.EJSON);
  it.each([
    { name: "Int32 1 and the number 1", value: new bson7.Int32(1), id: 1, matches: true },
    { name: "Long 1 and Double 1", value: bson7.Long.fromNumber(1), id: new bson7.Double(1), matches: true },
    { name: "the string '1' and the number 1", value: "1", id: 1, matches: false },
    { name: "two equal documents", value: { a: 1 }, id: { a: 1 }, matches: true },
    { name: "documents with fields in another order", value: { a: 1, b: 2 }, id: { b: 2, a: 1 }, matches: false },
    // A runtime's own ObjectId without equals is compared by its key.
    {
      name: "ObjectIds without equals, same hex",
      value: { _bsontype: "ObjectId", toHexString: () => hex },
      id: { _bsontype: "ObjectId", toHexString: () => hex },
      matches: true,
    },
    {
      name: "ObjectIds without equals, another hex",
      value: { _bsontype: "ObjectId", toHexString: () => hex.replace(/6$/, "7") },
      id: { _bsontype: "ObjectId", toHexString: () => hex },
      matches: false,
    },
  ])("$name: $matches", ({ value, id, matches }) => {
    expect(matchesId(value, id, idKey(id, port), port)).toBe(matches);
  });
});
