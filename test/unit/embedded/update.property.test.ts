import fc from "fast-check";
import { update as mingoUpdate } from "mingo";
import { describe, expect, it } from "vitest";
import type { Document } from "../../../src/core/ports";
import { applyUpdate } from "../../../src/embedded/documents";

/**
 * The embedded store applies update operators one by one rather than through mingo's `update`
 * (which copies its operator tables on every call). On random documents and updates, both ways must
 * leave the same document and report the same changed paths, or both refuse the update.
 */
const PATHS = ["a", "b", "a.x", "a.y", "a.x.z", "b.0", "c", "c.d", "_id", "n", "list", "$bad", "a.$", "list.$[]"];
const scalar = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("x", "y", ""),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: 0, max: 3 }).map((ms) => new Date(ms)),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("x", "y", "z", "d"), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const documentArbitrary = fc
  .dictionary(fc.constantFrom("a", "b", "c", "n", "list"), value, { maxKeys: 5 })
  .map((fields) => ({ _id: 1, ...fields }));

const numberOperand = fc.dictionary(fc.constantFrom(...PATHS), fc.integer({ min: -3, max: 3 }), {
  minKeys: 1,
  maxKeys: 2,
});
const anyOperand = fc.dictionary(fc.constantFrom(...PATHS), value, { minKeys: 1, maxKeys: 2 });
const updateArbitrary = fc.dictionary(
  fc.constantFrom("$set", "$unset", "$inc", "$mul", "$max", "$min", "$push", "$addToSet", "$pop", "$rename", "$nope"),
  fc.oneof(anyOperand, numberOperand),
  { minKeys: 1, maxKeys: 3 },
);

function outcome(run: () => string[], document: Document): { changed: string[]; document: Document } | "refused" {
  try {
    return { changed: run(), document };
  } catch {
    return "refused";
  }
}

describe("applyUpdate (the embedded store's update operators)", () => {
  it("leaves what mingo's update leaves, and reports the same changed paths", () => {
    fc.assert(
      fc.property(documentArbitrary, updateArbitrary, (document, update) => {
        const expected = structuredClone(document);
        const actual = structuredClone(document);
        const want = outcome(() => mingoUpdate(expected, structuredClone(update)), expected);
        const got = outcome(() => applyUpdate(actual, structuredClone(update)), actual);
        expect(got).toEqual(want);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    { name: "a delete position row", update: { $max: { pos: "b" }, $set: { ns: "db.c", deletedAt: new Date(5) } } },
    { name: "two operators on one path", update: { $set: { a: 1 }, $unset: { a: "" } } },
    { name: "a path inside another operator's path", update: { $set: { a: { x: 1 } }, $inc: { "a.x": 1 } } },
    { name: "a rename", update: { $rename: { a: "b" } } },
    { name: "an update of _id", update: { $set: { _id: 2 } } },
  ] as { name: string; update: Document }[])("$name: as mingo's update", ({ update }) => {
    const start = { _id: 1, a: { x: 1 }, pos: "a" };
    const expected = structuredClone(start);
    const actual = structuredClone(start);
    expect(outcome(() => applyUpdate(actual, update), actual)).toEqual(
      outcome(() => mingoUpdate(expected, update as Parameters<typeof mingoUpdate>[1]), expected),
    );
  });
});
