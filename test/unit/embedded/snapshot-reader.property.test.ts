import { Long } from "bson";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { afterChunk, nextChunkQuery, type ReadPoint } from "../../../src/core/capture/snapshot/read-order";
import { runSnapshot } from "../../../src/core/capture/snapshot/snapshot";
import { idKey } from "../../../src/core/id-key";
import { EmbeddedStore } from "../../../src/embedded/store";
import { anyId } from "../../helpers/bson-order-model";
import { fakeKinesis, makeCaptureDeps } from "../../helpers/capture";

/*
 * The project's snapshot reader (src/core/capture/snapshot/read-order.ts, snapshot.ts) over the embedded store:
 * on random collections holding every _id type (documents, BinData, Timestamps, MinKey and MaxKey,
 * Decimal128, Int64 beyond 2^53, null, ...), at small chunk sizes, it reads every document exactly once.
 */

const ids = fc.array(
  fc.oneof(
    anyId,
    fc
      .bigInt({ min: BigInt(2) ** BigInt(53) - BigInt(2), max: BigInt(2) ** BigInt(53) + BigInt(4) })
      .map((n) => Long.fromString(n.toString())),
  ),
  { maxLength: 30 },
);

/** Stores the documents (an upsert for a null _id, which the driver would replace on insert); returns their keys. */
async function seed(store: EmbeddedStore, values: unknown[]): Promise<string[]> {
  const collection = store.db("app").collection("orders");
  const keys = new Set<string>();
  for (const [n, _id] of values.entries()) {
    const key = idKey(_id, nodeBson);
    if (keys.has(key)) continue;
    keys.add(key);
    if (_id === null) await collection.updateOne({ _id: null }, { $set: { n } }, { upsert: true });
    else await collection.insertOne({ _id, n });
  }
  return [...keys].sort();
}

describe("the snapshot reader over every _id type", () => {
  it("reads every document once, chunk by chunk, stopping and resuming after each (property)", async () => {
    await fc.assert(
      fc.asyncProperty(ids, fc.integer({ min: 1, max: 4 }), async (values, limit) => {
        const store = new EmbeddedStore();
        const expected = await seed(store, values);
        const collection = store.db("app").collection("orders");
        let point: ReadPoint = {};
        const seen: string[] = [];
        for (let guard = 0; guard < 500; guard++) {
          const query = nextChunkQuery({}, point, nodeBson);
          if (!query) break;
          const found = await collection.find(query.filter).sort({ _id: 1 }).limit(limit).toArray();
          const step = afterChunk({}, point, query, found, limit, nodeBson);
          seen.push(...step.documents.map((document) => idKey(document._id, nodeBson)));
          point = step.point;
          if (step.done) break;
        }
        expect(seen.slice().sort()).toEqual(expected);
        expect(new Set(seen).size).toBe(seen.length);
      }),
      { numRuns: 300 },
    );
  });

  it("runSnapshot publishes one read event per document, plain and as a reconcile (property)", async () => {
    await fc.assert(
      fc.asyncProperty(ids, fc.integer({ min: 1, max: 4 }), fc.boolean(), async (values, chunk, reconcile) => {
        const kinesis = fakeKinesis();
        const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: chunk } });
        const expected = await seed(deps.store, values);
        await deps.signals.insertOne({
          _id: "every-type",
          type: "execute-snapshot",
          data: { "data-collections": ["app.orders"], reconcile },
        });
        const run = await runSnapshot("every-type", deps, deps.clock.now() + 240_000);
        expect(run).toMatchObject({ status: "done", published: expected.length });
        const read = kinesis
          .decoded()
          .filter((record) => (record as { operationType: string }).operationType === "read")
          .map((record) => idKey((record as { documentKey: { _id: unknown } }).documentKey._id, nodeBson));
        expect(read.slice().sort()).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
