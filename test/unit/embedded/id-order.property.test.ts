import { Int32, Long, ObjectId } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../../src/embedded/store";

/**
 * The embedded store's ordered `_id` index answers `_id` ranges and `_id`-sorted reads; MongoDB's
 * rules decide what they return: type bracketing (a bound of one type matches only that type) and the
 * BSON order of types. Checked against a plain model of those rules on random collections and queries.
 */
const idArbitrary = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.double({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -50, max: 50 }).map((n) => new Int32(n)),
  fc.integer({ min: -50, max: 50 }).map((n) => Long.fromNumber(n)),
  fc.string({ maxLength: 3 }),
  fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => new ObjectId(hex)),
  fc.boolean(),
  fc.integer({ min: 0, max: 1000 }).map((ms) => new Date(ms)),
);

const bracket = (v: unknown): number =>
  typeof v === "number" || v instanceof Int32 || v instanceof Long
    ? 2
    : typeof v === "string"
      ? 3
      : v instanceof ObjectId
        ? 7
        : typeof v === "boolean"
          ? 8
          : 9;
const num = (v: unknown) => (v instanceof Long ? v.toNumber() : Number(v as number));
const cmp = (a: unknown, b: unknown): number => {
  if (bracket(a) !== bracket(b)) return bracket(a) - bracket(b);
  switch (bracket(a)) {
    case 2:
      return num(a) - num(b);
    case 3: {
      const x = Buffer.from(a as string);
      const y = Buffer.from(b as string);
      return Buffer.compare(x, y);
    }
    case 7:
      return (a as ObjectId).toHexString() < (b as ObjectId).toHexString()
        ? -1
        : (a as ObjectId).toHexString() > (b as ObjectId).toHexString()
          ? 1
          : 0;
    case 8:
      return Number(a) - Number(b);
    default:
      return (a as Date).getTime() - (b as Date).getTime();
  }
};

describe("the embedded store's ordered _id reads", () => {
  it("equal MongoDB's rules for ranges, both directions, skip and limit (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(idArbitrary, { maxLength: 40 }),
        fc.option(fc.tuple(fc.constantFrom("$gt", "$gte"), idArbitrary)),
        fc.option(fc.tuple(fc.constantFrom("$lt", "$lte"), idArbitrary)),
        fc.constantFrom<1 | -1>(1, -1),
        fc.nat({ max: 5 }),
        fc.nat({ max: 10 }),
        async (ids, low, high, direction, skip, limit) => {
          if (low && high && bracket(low[1]) !== bracket(high[1])) return; // a filter MongoDB would answer with nothing useful
          const collection = new EmbeddedStore().db("t").collection("c");
          const stored: unknown[] = [];
          for (const id of ids) {
            if (stored.some((s) => bracket(s) === bracket(id) && cmp(s, id) === 0)) continue; // _id is unique
            stored.push(id);
            await collection.insertOne({ _id: id });
          }
          const condition: Record<string, unknown> = {};
          if (low) condition[low[0]] = low[1];
          if (high) condition[high[0]] = high[1];
          const filter = low || high ? { _id: condition } : {};
          let cursor = collection.find(filter).sort({ _id: direction }).skip(skip);
          if (limit > 0) cursor = cursor.limit(limit);
          const got = (await cursor.toArray()).map((d) => d._id);
          const passes = (id: unknown) => {
            const bounds = [low, high].filter((b) => b !== null) as [string, unknown][];
            for (const [op, bound] of bounds) {
              if (bracket(id) !== bracket(bound)) return false;
              const c = cmp(id, bound);
              if (
                (op === "$gt" && !(c > 0)) ||
                (op === "$gte" && !(c >= 0)) ||
                (op === "$lt" && !(c < 0)) ||
                (op === "$lte" && !(c <= 0))
              )
                return false;
            }
            return true;
          };
          let expected = stored
            .filter(passes)
            .sort((a, b) => direction * cmp(a, b))
            .slice(skip);
          if (limit > 0) expected = expected.slice(0, limit);
          expect(got.map(String)).toEqual(expected.map(String));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("equal MongoDB's rules for {_id: {$type}} reads of one or more types, both directions, skip and limit (property)", async () => {
    const typeNames: Record<string, number | undefined> = {
      number: 2,
      string: 3,
      objectId: 7,
      bool: 8,
      date: 9,
      binData: undefined,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(idArbitrary, { maxLength: 40 }),
        fc.subarray(Object.keys(typeNames), { minLength: 1 }),
        fc.constantFrom<1 | -1>(1, -1),
        fc.nat({ max: 5 }),
        fc.nat({ max: 10 }),
        async (ids, names, direction, skip, limit) => {
          const collection = new EmbeddedStore().db("t").collection("c");
          const stored: unknown[] = [];
          for (const id of ids) {
            if (stored.some((s) => bracket(s) === bracket(id) && cmp(s, id) === 0)) continue;
            stored.push(id);
            await collection.insertOne({ _id: id });
          }
          const asked = new Set(names.map((name) => typeNames[name]));
          let cursor = collection
            .find({ _id: { $type: names.length === 1 ? names[0] : names } })
            .sort({ _id: direction })
            .skip(skip);
          if (limit > 0) cursor = cursor.limit(limit);
          const got = (await cursor.toArray()).map((d) => d._id);
          let expected = stored
            .filter((id) => asked.has(bracket(id)))
            .sort((a, b) => direction * cmp(a, b))
            .slice(skip);
          if (limit > 0) expected = expected.slice(0, limit);
          expect(got.map(String)).toEqual(expected.map(String));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("orders documents as _ids too, each range bound kept to its own type", async () => {
    const collection = new EmbeddedStore().db("t").collection("c");
    await collection.insertMany([{ _id: 3 }, { _id: { a: 1 } }, { _id: 1 }, { _id: "x" }]);
    expect(
      (
        await collection
          .find({ _id: { $gt: 1 } })
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => d._id),
    ).toEqual([3]);
    expect((await collection.find({}).sort({ _id: 1 }).limit(2).toArray()).map((d) => d._id)).toEqual([1, 3]);
  });
});
