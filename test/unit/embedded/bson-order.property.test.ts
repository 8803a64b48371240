import { Decimal128, Double, Int32, Long } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { compareBson, valueKey } from "../../../src/core/bson-order";
import { idKey } from "../../../src/core/id-key";
import { EmbeddedStore } from "../../../src/embedded/store";
import { anyId, anyValue, modelCompare, modelType } from "../../helpers/bson-order-model";

/*
 * The store's BSON order (core/bson-order.ts) against an order model written independently from the
 * manual (test/helpers/bson-order-model.ts), on random values of every type: the comparison itself,
 * the keys that decide equality (`_id` uniqueness, `$in`, `$addToSet`), the `_id` index, and sorts.
 */

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** The same small numbers in each BSON numeric type, so that equal values across types come up often. */
const sameNumbers = fc
  .tuple(fc.constantFrom(-2, -1, 0, 0.5, 1, 2, 2 ** 53, 2 ** 53 + 2), fc.constantFrom(0, 1, 2, 3))
  .map(([n, type]) => {
    if (type === 0 && Number.isInteger(n) && Math.abs(n) < 2 ** 31) return new Int32(n);
    if (type === 1 && Number.isInteger(n)) return Long.fromNumber(n);
    if (type === 2) return Decimal128.fromString(n === 0.5 ? "0.50" : String(BigInt(Math.trunc(n))));
    return new Double(n);
  });

describe("the BSON order (core/bson-order.ts) against the manual's order", () => {
  it("orders any two values as the model does (property)", () => {
    fc.assert(
      fc.property(anyValue, anyValue, (a, b) => {
        expect(sign(compareBson(a, b, nodeBson))).toBe(sign(modelCompare(a, b)));
        expect(compareBson(a, a, nodeBson)).toBe(0);
      }),
      { numRuns: 5000 },
    );
  });

  it("gives two values one key exactly when they compare equal (property)", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, sameNumbers), fc.oneof(anyValue, sameNumbers), (a, b) => {
        const equal = modelCompare(a, b) === 0;
        expect(valueKey(a, nodeBson) === valueKey(b, nodeBson)).toBe(equal);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(sameNumbers, sameNumbers, (a, b) => {
        expect(idKey(a, nodeBson) === idKey(b, nodeBson)).toBe(modelCompare(a, b) === 0);
      }),
      { numRuns: 1000 },
    );
  });
});

/** The model's answer to a range bound on one value: same type only (MinKey/MaxKey take all), NaN only as itself. */
function inRange(id: unknown, operator: string, bound: unknown): boolean {
  const crossType = modelType(bound) === "minKey" || modelType(bound) === "maxKey";
  if (!crossType && modelType(id) !== modelType(bound)) return false;
  const isNaN = (v: unknown) => modelType(v) === "number" && modelCompare(v, new Double(NaN)) === 0;
  if (isNaN(id) || isNaN(bound)) return isNaN(id) && isNaN(bound) && (operator === "$gte" || operator === "$lte");
  const c = modelCompare(id, bound);
  return operator === "$gt" ? c > 0 : operator === "$gte" ? c >= 0 : operator === "$lt" ? c < 0 : c <= 0;
}

describe("the embedded store's _id index and sorts against the manual's order", () => {
  it("keeps one document per _id value and reads them in order, both directions, with ranges (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(anyId, sameNumbers), { maxLength: 25 }),
        fc.constantFrom("$gt", "$gte", "$lt", "$lte"),
        fc.oneof(anyId, sameNumbers),
        async (ids, operator, bound) => {
          const collection = new EmbeddedStore().db("t").collection("c");
          const kept: unknown[] = [];
          for (const id of ids.filter((id) => id !== null)) {
            const duplicate = kept.some((other) => modelCompare(other, id) === 0);
            const outcome = await collection.insertOne({ _id: id }).then(
              () => "inserted",
              (error: { code?: number }) => error.code,
            );
            expect(outcome).toBe(duplicate ? 11000 : "inserted");
            if (!duplicate) kept.push(id);
          }
          const expected = kept.slice().sort(modelCompare);
          for (const direction of [1, -1] as const) {
            const got = (await collection.find({}).sort({ _id: direction }).toArray()).map((d) => d._id);
            const want = direction === 1 ? expected : expected.slice().reverse();
            expect(got.length).toBe(want.length);
            got.forEach((id, i) => expect(modelCompare(id, want[i])).toBe(0));
          }
          const ranged = (
            await collection
              .find({ _id: { [operator]: bound } })
              .sort({ _id: 1 })
              .toArray()
          ).map((d) => d._id);
          const wantRanged = expected.filter((id) => inRange(id, operator, bound));
          expect(ranged.length).toBe(wantRanged.length);
          ranged.forEach((id, i) => expect(modelCompare(id, wantRanged[i])).toBe(0));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("sorts documents by a field as the model orders their sort keys (an array by its smallest or largest element) (property)", async () => {
    const EMPTY = Symbol("empty array");
    const sortKey = (value: unknown, direction: 1 | -1): unknown => {
      if (!Array.isArray(value)) return value === undefined ? null : value;
      if (value.length === 0) return EMPTY;
      return value.reduce((best, item) => (direction * modelCompare(item, best) < 0 ? item : best));
    };
    const compareKeys = (a: unknown, b: unknown) => {
      const below = (v: unknown) => (v === EMPTY ? 0 : modelType(v) === "minKey" ? -1 : 1);
      if (a === EMPTY || b === EMPTY) return below(a) - below(b);
      return modelCompare(a, b);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(anyValue, { nil: undefined }), { maxLength: 15 }), async (values) => {
        const collection = new EmbeddedStore().db("t").collection("c");
        if (values.length > 0)
          await collection.insertMany(values.map((v, _id) => (v === undefined ? { _id } : { _id, v })));
        for (const direction of [1, -1] as const) {
          const got = (await collection.find({}).sort({ v: direction }).toArray()).map((d) => d._id as number);
          expect(got.slice().sort((a, b) => a - b)).toEqual(values.map((_, i) => i));
          for (let i = 1; i < got.length; i++) {
            const order = compareKeys(sortKey(values[got[i - 1]], direction), sortKey(values[got[i]], direction));
            expect(direction * order).toBeLessThanOrEqual(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
