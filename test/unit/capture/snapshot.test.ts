import { describe, expect, it } from "vitest";
import { emitHeartbeat } from "../../../src/core/capture/heartbeat";
import { runSnapshot } from "../../../src/core/capture/snapshot";
import { fakeKinesis, makeCaptureDeps, throttled } from "../../helpers/capture";

async function seed(deps: ReturnType<typeof makeCaptureDeps>, count: number) {
  await deps.store
    .db("app")
    .collection("orders")
    .insertMany(Array.from({ length: count }, (_, i) => ({ _id: i, n: i })));
}

describe("runSnapshot", () => {
  it("publishes read envelopes in _id order, in chunks, and checkpoints after each", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 100 } });
    await seed(deps, 250);
    await deps.signals.insertOne({
      _id: "s1",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders", "app.empty"] },
    });
    const run = await runSnapshot("s1", deps, deps.clock.now() + 240_000);
    expect(run).toEqual({ status: "done", published: 250, outboxed: 0 });
    expect(kinesis.calls.map((c) => c.entries.length)).toEqual([100, 100, 50]);
    const ids = kinesis.decoded().map((r) => Number((r as { documentKey: { _id: number } }).documentKey._id));
    expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(await deps.signals.findOne({ _id: "s1" })).toMatchObject({
      status: "done",
      leaseUntil: null,
      progress: {
        "0": { namespace: "app.orders", lastId: 249, count: 250, done: true },
        "1": { namespace: "app.empty", count: 0, done: true },
      },
    });
  });

  it("stops near its deadline and the heartbeat continues from the checkpoint", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 100 } });
    await seed(deps, 250);
    await deps.signals.insertOne({ _id: "s2", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    // Each put "takes" 10 s of the fake clock, so a 30 s budget (15 s of it kept as margin) ends after two chunks.
    const slow = {
      ...kinesis.port,
      putRecords: async (entries: Parameters<typeof kinesis.port.putRecords>[0]) => (
        deps.time.advance(10_000),
        kinesis.port.putRecords(entries)
      ),
    };
    const first = await runSnapshot("s2", { ...deps, kinesis: slow }, deps.clock.now() + 30_000);
    expect(first).toMatchObject({ status: "paused", published: 200 });
    expect(await deps.signals.findOne({ _id: "s2" })).toMatchObject({
      status: "running",
      leaseUntil: null,
      progress: { "0": { lastId: 199, count: 200, done: false } },
    });

    const heartbeat = await emitHeartbeat({
      ...deps,
      snapshots: { signals: deps.signals, dataSource: deps.store, bson: deps.bson },
    });
    expect(heartbeat.snapshotsContinued).toBe(1);
    expect(await deps.signals.findOne({ _id: "s2" })).toMatchObject({
      status: "done",
      progress: { "0": { count: 250, done: true } },
    });
    expect(kinesis.decoded()).toHaveLength(250);
  });

  it("does not run a signal another run holds the lease on", async () => {
    const deps = makeCaptureDeps();
    await deps.signals.insertOne({
      _id: "s3",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"] },
      status: "running",
      leaseUntil: new Date(deps.clock.now() + 60_000),
    });
    expect(await runSnapshot("s3", deps, deps.clock.now() + 240_000)).toEqual({
      status: "busy",
      published: 0,
      outboxed: 0,
    });
  });

  it.each([
    [
      { type: "something-else", data: { "data-collections": ["app.orders"] } },
      'signal type must be "execute-snapshot"',
    ],
    [{ type: "execute-snapshot", data: {} }, 'signal data must have a non-empty "data-collections" array'],
    [
      { type: "execute-snapshot", data: { "data-collections": ["orders"] } },
      '"orders" is not a "database.collection" name',
    ],
  ])("marks a malformed signal failed with a clear error: %j", async (signal, error) => {
    const deps = makeCaptureDeps();
    await deps.signals.insertOne({ _id: "bad", ...signal });
    expect(await runSnapshot("bad", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "failed", error });
    expect(await deps.signals.findOne({ _id: "bad" })).toMatchObject({ status: "failed", error });
  });

  it("re-sends only failed entries, then outboxes what still fails", async () => {
    const failOdd = (entries: readonly { PartitionKey: string }[]) => ({
      FailedRecordCount: 1,
      Records: entries.map((e) =>
        e.PartitionKey.includes('"1"')
          ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "x" }
          : { SequenceNumber: "1", ShardId: "s" },
      ),
    });
    const kinesis = fakeKinesis([failOdd, failOdd, failOdd, failOdd, throttled()]);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    await seed(deps, 3);
    await deps.signals.insertOne({ _id: "s4", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    expect(await runSnapshot("s4", deps, deps.clock.now() + 240_000)).toMatchObject({
      status: "done",
      published: 2,
      outboxed: 1,
    });
    expect(kinesis.calls.map((c) => c.entries.length)).toEqual([3, 1, 1, 1]);
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry).toMatchObject({
      _id: "snapshot:s4:app.orders:n:1",
      operationType: "read",
      lastError: "ProvisionedThroughputExceededException",
    });
  });
});
