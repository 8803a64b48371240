import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { runSnapshot } from "../../../../src/core/capture/snapshot/snapshot";
import { afterChunk, nextChunkQuery } from "../../../../src/core/capture/snapshot/read-order";
import { EmbeddedStore } from "../../../../src/embedded/store";
import { idKey } from "../../../../src/core/id-key";
import { fakeKinesis, makeCaptureDeps } from "../../../helpers/capture";

/**
 * A snapshot reads every document whatever the mix of `_id` types: type group by type group in
 * MongoDB's order (src/core/capture/snapshot/read-order.ts), NaN included. Plain snapshots and reconciles,
 * sequential and planned in ranges.
 */
const mixed: unknown[] = [
  null,
  NaN,
  -Infinity,
  new Int32(-7),
  new Double(2.5),
  3,
  Decimal128.fromString("12.75"),
  Long.fromString("9007199254740993"),
  Infinity,
  "",
  "order-1",
  "zeta",
  new ObjectId("6565a1f0c2b4a1d2e3f40516"),
  new ObjectId("6565a1f0c2b4a1d2e3f40517"),
  false,
  true,
  new Date(0),
  new Date(1763771100000),
];

// MongoDB's equality of _ids (Int32 3, Long 3 and 3 are one _id; what comes back may be promoted).
const key = (id: unknown) => idKey(id, nodeBson);
const readIds = (kinesis: ReturnType<typeof fakeKinesis>) =>
  kinesis
    .decoded()
    .filter((record) => (record as { operationType: string }).operationType === "read")
    .map((record) => key((record as { documentKey: { _id: unknown } }).documentKey._id));

async function seed(store: EmbeddedStore, ids: unknown[]) {
  const orders = store.db("app").collection("orders");
  // The driver gives a document whose _id is null a new ObjectId; an upsert by {_id: null} keeps null.
  await orders.insertMany(ids.flatMap((_id, n) => (_id === null ? [] : [{ _id, n }])));
  const nullAt = ids.indexOf(null);
  if (nullAt !== -1) await orders.updateOne({ _id: null }, { $set: { n: nullAt } }, { upsert: true });
}

describe("snapshots read every _id type", () => {
  it.each([
    { name: "plain, one document per chunk", chunk: 1, reconcile: false, parallelism: 1 },
    { name: "plain, chunks of 4", chunk: 4, reconcile: false, parallelism: 1 },
    { name: "plain, chunks larger than the collection", chunk: 500, reconcile: false, parallelism: 1 },
    { name: "reconcile, chunks of 3", chunk: 3, reconcile: true, parallelism: 1 },
    { name: "reconcile asking for 4 workers (mixed types: one range)", chunk: 2, reconcile: true, parallelism: 4 },
  ])("$name: numbers of every BSON type, NaN, strings, ObjectIds, booleans, dates, null", async (c) => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: c.chunk } });
    await seed(deps.store, mixed);
    await deps.signals.insertOne({
      _id: "mixed",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: c.reconcile, parallelism: c.parallelism },
    });
    expect(await runSnapshot("mixed", deps, deps.clock.now() + 240_000)).toMatchObject({
      status: "done",
      published: mixed.length,
    });
    // Every document once, in MongoDB's order of _ids (the list above is in that order).
    expect(readIds(kinesis)).toEqual(mixed.map(key));
  });

  it("a planned range over numbers reads the NaN below its first split point", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 7 } });
    const ids: unknown[] = [NaN, -Infinity];
    for (let n = 0; n < 300; n++) ids.push(n % 3 === 0 ? new Int32(n) : n % 3 === 1 ? Long.fromNumber(n) : n + 0.5);
    await seed(deps.store, ids);
    await deps.signals.insertOne({
      _id: "nan",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], parallelism: 3 },
    });
    expect(await runSnapshot("nan", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done" });
    const plan = (await deps.signals.findOne({ _id: "nan" }))!.plan as unknown[];
    expect(plan.length).toBeGreaterThan(1);
    expect(readIds(kinesis).sort()).toEqual(ids.map(key).sort());
  });

  it("holds for random collections, chunk sizes and reading stops (property)", async () => {
    const idArbitrary = fc.oneof(
      fc.constantFrom<unknown>(null, NaN, -Infinity, Infinity, true, false),
      fc.integer({ min: -20, max: 20 }),
      fc.integer({ min: -20, max: 20 }).map((n) => new Int32(n)),
      fc.integer({ min: -20, max: 20 }).map((n) => Long.fromNumber(n)),
      fc.double({ min: -20, max: 20, noNaN: true }).map((n) => new Double(n)),
      fc.string({ maxLength: 3 }),
      fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => new ObjectId(hex)),
      fc.integer({ min: 0, max: 1000 }).map((ms) => new Date(ms)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(idArbitrary, { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), async (ids, limit) => {
        const store = new EmbeddedStore();
        const collection = store.db("app").collection("orders");
        const stored: unknown[] = [];
        for (const id of ids) {
          try {
            await collection.insertOne({ _id: id });
            stored.push(id);
          } catch {
            // the same _id twice (MongoDB's equality: 1, Int32(1) and Long(1) are one)
          }
        }
        const expected = (await collection.find({}).sort({ _id: 1 }).toArray()).map((doc) => key(doc._id));
        // Reading stops after every chunk and starts again from the point alone, as a resumed run does.
        let point = {};
        const seen: string[] = [];
        for (let guard = 0; guard < 200; guard++) {
          const query = nextChunkQuery({}, point, nodeBson);
          if (!query) break;
          const found = await collection.find(query.filter).sort({ _id: 1 }).limit(limit).toArray();
          const step = afterChunk({}, point, query, found, limit, nodeBson);
          seen.push(...step.documents.map((doc) => key(doc._id)));
          point = step.point;
          if (step.done) break;
        }
        expect(seen).toEqual(expected);
        expect(stored.length).toBe(expected.length);
      }),
      { numRuns: 200 },
    );
  });
});
