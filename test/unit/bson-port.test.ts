import * as bson7 from "bson";
import * as bson4 from "bson4";
import { describe, expect, it } from "vitest";
import { makeBsonPort } from "../../src/core/bson-port";
import { partitionKeyFor } from "../../src/core/capture/partition-key";
import { idKey } from "../../src/core/id-key";
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
});
