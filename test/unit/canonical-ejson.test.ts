import { Double, EJSON, Long } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { canonicalEjson } from "../../src/core/canonical-ejson";

/**
 * The one canonical writer of capture (src/core/canonical-ejson.ts): what the host's EJSON writes,
 * except a plain JS number that is a whole number beyond 2^53, which can only be a promoted Double
 * and is written as one (EJSON alone writes it as a $numberLong of other digits).
 */
describe("canonicalEjson", () => {
  it.each([
    { name: "2^62 as a plain number", value: { v: 2 ** 62 }, back: new Double(2 ** 62) },
    { name: "2^63 as a plain number (beyond Int64)", value: { v: 2 ** 63 }, back: new Double(2 ** 63) },
    { name: "-2^63 as a plain number", value: { v: -(2 ** 63) }, back: new Double(-(2 ** 63)) },
    { name: "nested in a document and an array", value: { v: [{ w: 2 ** 60 }] }, back: [{ w: new Double(2 ** 60) }] },
  ])("$name: read back, the same Double", ({ value, back }) => {
    const text = canonicalEjson(value, nodeBson);
    expect(text).not.toContain("$numberLong");
    expect(EJSON.parse(text, { relaxed: false }).v).toEqual(back);
  });

  it.each([
    { name: "a Long beyond 2^53 stays a Long", value: { v: Long.fromString("9007199254740993") } },
    { name: "2^53 - 1, a safe integer, as EJSON writes it", value: { v: 2 ** 53 - 1 } },
    { name: "an Int32-sized number", value: { v: 7 } },
    { name: "a fraction", value: { v: 1.5 } },
    { name: "a document without numbers", value: { v: "text", d: new Date(0) } },
  ])("$name: exactly what the host's EJSON writes", ({ value }) => {
    expect(canonicalEjson(value, nodeBson)).toBe(EJSON.stringify(value, { relaxed: false }));
  });

  it("keeps a Long beside a plain unsafe integer as it is", () => {
    const text = canonicalEjson({ long: Long.fromString("9223372036854775807"), double: 2 ** 63 }, nodeBson);
    const back = EJSON.parse(text, { relaxed: false });
    expect(back.long).toEqual(Long.fromString("9223372036854775807"));
    expect(back.double).toEqual(new Double(2 ** 63));
  });
});
