import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { BRACKET, ID_TYPE_ORDER, idBracket, idTypeIndex } from "../../src/core/id-order";

// Which group a snapshot reads an _id in, and which bracket a parallel snapshot plans its ranges in:
// MongoDB's order of types (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/),
// where the numeric types are one type, and a symbol is a string; arrays, regular expressions and
// undefined cannot be _ids (https://www.mongodb.com/docs/manual/core/document/#the-_id-field).
const group = (name: string) => ID_TYPE_ORDER.findIndex((g) => g.types[0] === name);

describe("an _id's type group and bracket: its rank in the BSON order", () => {
  it.each<{ name: string; id: unknown; group: string | undefined; bracket?: number }>([
    { name: "MinKey", id: new MinKey(), group: "minKey" },
    { name: "null", id: null, group: "null", bracket: BRACKET.null },
    { name: "a JavaScript number", id: 1.5, group: "number", bracket: BRACKET.number },
    { name: "Int32", id: new Int32(1), group: "number", bracket: BRACKET.number },
    { name: "Long", id: Long.fromString("9007199254740993"), group: "number", bracket: BRACKET.number },
    { name: "Double", id: new Double(1), group: "number", bracket: BRACKET.number },
    { name: "Decimal128", id: Decimal128.fromString("1.00"), group: "number", bracket: BRACKET.number },
    { name: "a bigint (the driver's Int64 with useBigInt64)", id: 5n, group: "number", bracket: BRACKET.number },
    { name: "a string", id: "a", group: "string", bracket: BRACKET.string },
    {
      name: "a symbol (a string to MongoDB's order)",
      id: new BSONSymbol("a"),
      group: "string",
      bracket: BRACKET.string,
    },
    { name: "a document", id: { a: 1 }, group: "object" },
    { name: "Binary", id: new Binary(Buffer.from([1, 2])), group: "binData" },
    { name: "a Uint8Array (BSON stores it as Binary)", id: new Uint8Array([1, 2]), group: "binData" },
    { name: "ObjectId", id: new ObjectId("692f8c1a0b1c2d3e4f506100"), group: "objectId", bracket: BRACKET.objectId },
    { name: "a boolean", id: false, group: "bool", bracket: BRACKET.boolean },
    { name: "a date", id: new Date(0), group: "date", bracket: BRACKET.date },
    { name: "Timestamp", id: new Timestamp({ t: 1, i: 1 }), group: "timestamp" },
    { name: "Code", id: new Code("f()"), group: "javascript" },
    { name: "Code with scope", id: new Code("f()", { x: 1 }), group: "javascriptWithScope" },
    { name: "MaxKey", id: new MaxKey(), group: "maxKey" },
    { name: "undefined", id: undefined, group: undefined },
    { name: "an array", id: [1], group: undefined },
    { name: "a regular expression", id: new BSONRegExp("a", "i"), group: undefined },
  ])("$name", ({ id, group: name, bracket }) => {
    expect(idTypeIndex(id, nodeBson)).toBe(name === undefined ? undefined : group(name));
    expect(idBracket(id, nodeBson)).toBe(bracket);
  });
});
