import { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { compareBson, compareDecimals, exactOfDecimalString, valueKey } from "../../src/core/bson-order";

/*
 * Named cases of MongoDB's comparison order within one type (the manual's "Comparison/Sort Order":
 * https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/), beside the property test
 * against the model (test/unit/embedded/bson-order.property.test.ts): each list runs from lowest to
 * highest, the values of one inner list equal.
 */

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const decimal = (text: string) => Decimal128.fromString(text);

/** Every pair of the ordered groups: equal within a group (one key), ordered across groups. */
function expectOrdered(groups: unknown[][]): void {
  groups.forEach((group, i) =>
    group.forEach((a) =>
      groups.forEach((other, j) =>
        other.forEach((b) => {
          const where = `${String(a)} against ${String(b)}`;
          expect(sign(compareBson(a, b, nodeBson)), where).toBe(sign(i - j));
          expect(valueKey(a, nodeBson) === valueKey(b, nodeBson), where).toBe(i === j);
        }),
      ),
    ),
  );
}

describe("compareBson: numbers by exact value across Int32, Int64, Double and Decimal128", () => {
  it("NaN lowest, the infinities at the ends, zeros of every sign equal, integers beyond 2^53 exact", () => {
    expectOrdered([
      [NaN, new Double(NaN), decimal("NaN"), decimal("-NaN")],
      [-Infinity, decimal("-Infinity")],
      [decimal("-1E+400")],
      [-(2 ** 63), Long.MIN_VALUE, decimal("-9223372036854775808")],
      [Long.fromString("-9007199254740993"), decimal("-9007199254740993")],
      [-(2 ** 53), Long.fromString("-9007199254740992")],
      [new Int32(-1), -1, decimal("-1.000")],
      // The double nearest 0.1 is 0.1000000000000000055511151231257827...: beyond the decimal 0.1.
      [-0.1],
      [decimal("-0.1")],
      [0, -0, new Int32(0), Long.ZERO, decimal("0"), decimal("-0"), decimal("0E-10")],
      [decimal("1E-6176")],
      [5e-324],
      [decimal("0.1")],
      [0.1],
      [decimal("0.5"), 0.5, decimal("5E-1")],
      [1, new Int32(1), Long.ONE, new Double(1), decimal("1.00")],
      [2 ** 53, Long.fromString("9007199254740992"), decimal("9007199254740992")],
      [Long.fromString("9007199254740993"), decimal("9007199254740993")],
      [2 ** 53 + 2, Long.fromString("9007199254740994")],
      [Long.MAX_VALUE, decimal("9223372036854775807")],
      [2 ** 63, decimal("9223372036854775808")],
      [decimal("9.999999999999999999999999999999999E+6144")],
      [Infinity, decimal("Infinity")],
    ]);
  });

  it.each([
    { name: "NaN against the infinities", a: "NaN", b: "-Infinity", expected: -1 },
    { name: "NaN equals NaN", a: "NaN", b: "NaN", expected: 0 },
    { name: "-Infinity against a negative", a: "-Infinity", b: "-1E+6000", expected: -1 },
    { name: "Infinity against a positive", a: "Infinity", b: "1E+6000", expected: 1 },
    { name: "zero against a negative", a: "0", b: "-1E-6000", expected: 1 },
    { name: "zero against a positive", a: "0.000", b: "1E-6000", expected: -1 },
    { name: "two negatives: the larger magnitude lower", a: "-12.5", b: "-12.25", expected: -1 },
    { name: "two positives of one point", a: "12.5", b: "12.25", expected: 1 },
    { name: "two positives of different points", a: "99", b: "100", expected: -1 },
    { name: "one value written twice", a: "-1.50E+2", b: "-150", expected: 0 },
  ])("compareDecimals: $name", ({ a, b, expected }) => {
    expect(sign(compareDecimals(exactOfDecimalString(a), exactOfDecimalString(b)))).toBe(expected);
    expect(sign(compareDecimals(exactOfDecimalString(b), exactOfDecimalString(a)))).toBe(0 - expected);
  });
});

describe("compareBson: other types by value", () => {
  const hex = [
    "000000000000000000000000",
    "00000000000000000000ffff",
    "0000000100000000000000ff",
    "ff0000000000000000000000",
  ];
  it.each<{ name: string; id: (hex: string) => unknown }>([
    { name: "js-bson's ObjectIds (four words)", id: (h: string) => new ObjectId(h) },
    // App Services' BSON may expose the bytes only, or only toHexString: the three readings agree.
    {
      name: "ObjectIds that expose their 12 bytes",
      id: (h: string) => ({ _bsontype: "ObjectId", id: Buffer.from(h, "hex") }),
    },
    {
      name: "ObjectIds read by their hex text",
      id: (h: string) => ({ _bsontype: "ObjectId", toHexString: () => h.toUpperCase() }),
    },
  ])("$name: by their bytes", ({ id }) => {
    const ids = hex.map(id);
    ids.forEach((a, i) => ids.forEach((b, j) => expect(sign(compareBson(a, b, nodeBson))).toBe(sign(i - j))));
  });

  it("timestamps unsigned, seconds first; dates by time; binary by length, subtype, bytes; strings by code point", () => {
    expectOrdered([
      [new Timestamp({ t: 1, i: 0xffffffff })],
      [new Timestamp({ t: 2, i: 0 })],
      [new Timestamp({ t: 0xffffffff, i: 0 })],
    ]);
    expectOrdered([[new Date(-1)], [new Date(0)], [new Date(8.64e15)]]);
    expectOrdered([
      [new Binary(Buffer.from([9]), 5)],
      [new Binary(Buffer.from([1, 2]), 0)],
      [new Binary(Buffer.from([1, 3]), 0)],
      [new Binary(Buffer.from([0, 0]), 4)],
    ]);
    expectOrdered([[""], ["a"], ["ab"], ["b"], ["\uffff"], ["\u{10000}"]]);
  });

  it("documents field by field (type, then name, then value), a prefix first; arrays element by element", () => {
    expectOrdered([[{}], [{ a: 1 }], [{ a: 1, b: null }], [{ a: 2 }], [{ b: 1 }], [{ a: "x" }]]);
    expectOrdered([[[]], [[1]], [[1, 1]], [[2]], [["a"]]]);
  });
});
