import { ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { continueSnapshots, runSnapshot } from "../../../../src/core/capture/snapshot/snapshot";
import {
  checkpointRange,
  claimRange,
  type SnapshotRange,
} from "../../../../src/core/capture/snapshot/parallel-snapshot";
import { fakeKinesis, makeCaptureDeps } from "../../../helpers/capture";

/** Backfills with several workers: ranges from sampled split points, leased and checkpointed one by one. */
type Deps = ReturnType<typeof makeCaptureDeps>;
const publishedIds = (kinesis: ReturnType<typeof fakeKinesis>) =>
  kinesis.decoded().map((r) => JSON.stringify((r as { documentKey: { _id: unknown } }).documentKey._id));

async function seed(deps: Deps, ids: unknown[]) {
  await deps.store
    .db("app")
    .collection("orders")
    .insertMany(ids.map((_id) => ({ _id, n: String(_id) })));
}
const numbers = (count: number) => Array.from({ length: count }, (_, i) => i);

describe("parallel backfill", () => {
  it.each([
    { name: "numbers", ids: numbers(1000) },
    { name: "ObjectIds", ids: Array.from({ length: 600 }, (_, i) => new ObjectId(i.toString(16).padStart(24, "0"))) },
    { name: "strings", ids: Array.from({ length: 500 }, (_, i) => `order-${String(i).padStart(4, "0")}`) },
  ])("publishes every document exactly once with 4 workers ($name)", async ({ ids }) => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 50 } });
    await seed(deps, ids);
    await deps.signals.insertOne({
      _id: "p1",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], parallelism: 4 },
    });
    const run = await runSnapshot("p1", deps, deps.clock.now() + 240_000);
    expect(run).toEqual({ status: "done", published: ids.length, outboxed: 0 });
    const published = publishedIds(kinesis);
    expect(published).toHaveLength(ids.length);
    expect(new Set(published).size).toBe(ids.length);
    const signal = (await deps.signals.findOne({ _id: "p1" }))!;
    const plan = signal.plan as SnapshotRange[];
    expect(plan.length).toBeGreaterThan(1);
    expect(plan.every((r) => r.done)).toBe(true);
    expect(plan.reduce((sum, r) => sum + r.count, 0)).toBe(ids.length);
    expect(signal).toMatchObject({
      status: "done",
      progress: { "0": { namespace: "app.orders", count: ids.length, done: true } },
    });
  });

  it("uses SNAPSHOT_PARALLELISM when the signal does not say, and one range when the _ids mix types", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_PARALLELISM: 3 } });
    await seed(deps, [...numbers(100), ...["a", "b", "c"]]);
    await deps.signals.insertOne({ _id: "p2", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    expect(await runSnapshot("p2", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done", published: 103 });
    expect(await deps.signals.findOne({ _id: "p2" })).toMatchObject({
      plan: [{ namespace: "app.orders", done: true, count: 103 }],
      planNotes: ["app.orders: one range: the collection's _ids are not all of one simple type"],
    });
  });

  it("resumes after a worker dies: its range waits out the lease, then the heartbeat finishes it, each document once", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 20 } });
    await seed(deps, numbers(400));
    await deps.signals.insertOne({
      _id: "p3",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], parallelism: 4 },
    });
    // A first run plans and then stops at once (its deadline has passed): nothing published yet.
    expect(await runSnapshot("p3", deps, deps.clock.now())).toMatchObject({ status: "paused", published: 0 });
    // A worker took range 1, published nothing past its checkpoint, and died holding the lease.
    const died = deps.clock.now();
    expect(await claimRange(deps.signals, "p3", 1, "dead-run", died, 300_000)).toBe(true);
    const second = await runSnapshot("p3", deps, deps.clock.now() + 240_000);
    expect(second.status).toBe("paused");
    const plan = (await deps.signals.findOne({ _id: "p3" }))!.plan as SnapshotRange[];
    expect(plan.map((r) => r.done)).toEqual([true, false, true, true]);
    // The lease lapses; the next heartbeat's continuation takes the range over and finishes the snapshot.
    deps.time.advance(301_000);
    expect(await continueSnapshots(deps, deps.clock.now() + 240_000)).toBe(1);
    expect(await deps.signals.findOne({ _id: "p3" })).toMatchObject({
      status: "done",
      progress: { "0": { count: 400, done: true } },
    });
    const published = publishedIds(kinesis);
    expect(published.length).toBe(400);
    expect(new Set(published).size).toBe(400);
  });

  it("a run that lost its range's lease can no longer checkpoint it (fencing)", async () => {
    const deps = makeCaptureDeps();
    await deps.signals.insertOne({
      _id: "p4",
      plan: [{ position: 0, namespace: "app.orders", count: 0, done: false, leaseUntil: null, owner: null }],
    });
    const t0 = deps.clock.now();
    expect(await claimRange(deps.signals, "p4", 0, "run-a", t0, 1000)).toBe(true);
    expect(await claimRange(deps.signals, "p4", 0, "run-b", t0 + 500, 1000)).toBe(false); // still held
    expect(await claimRange(deps.signals, "p4", 0, "run-b", t0 + 1500, 1000)).toBe(true); // lapsed: taken over
    expect(
      await checkpointRange(deps.signals, "p4", 0, "run-a", { lastId: 99, count: 100, done: false }, t0 + 1600, 1000),
    ).toBe(false);
    expect(
      await checkpointRange(deps.signals, "p4", 0, "run-b", { lastId: 49, count: 50, done: false }, t0 + 1600, 1000),
    ).toBe(true);
    expect((await deps.signals.findOne({ _id: "p4" }))!.plan).toMatchObject([
      { owner: "run-b", lastId: 49, count: 50 },
    ]);
  });

  it.each([0, 17, 2.5, "many"])(
    "marks a signal asking for parallelism %j failed with a clear error",
    async (parallelism) => {
      const deps = makeCaptureDeps();
      await deps.signals.insertOne({
        _id: "bad",
        type: "execute-snapshot",
        data: { "data-collections": ["app.orders"], parallelism },
      });
      expect(await runSnapshot("bad", deps, deps.clock.now() + 240_000)).toMatchObject({
        status: "failed",
        error: "signal data.parallelism must be a whole number from 1 to 16",
      });
    },
  );
});
