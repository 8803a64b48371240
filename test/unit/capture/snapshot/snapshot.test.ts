import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { maskValue } from "../../../../src/core/capture/shaping/mask-value";
import { continueSnapshots, runSnapshot } from "../../../../src/core/capture/snapshot/snapshot";
import { fakeKinesis, makeCaptureDeps, readChangeEvent, throttled } from "../../../helpers/capture";
import { MASK_KEY, SECRETS, USERS_OPTIONS } from "../../../helpers/capture-options";

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

  it("keeps four chunks' puts in flight and checkpoints each only after every put before it", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 10 } });
    await seed(deps, 100);
    await deps.signals.insertOne({ _id: "sp", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    // The first chunk's put waits until released; the others return at once.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const firstHeld = {
      ...kinesis.port,
      putRecords: async (entries: Parameters<typeof kinesis.port.putRecords>[0]) => {
        if (++calls === 1) await held;
        return kinesis.port.putRecords(entries);
      },
    };
    const running = runSnapshot("sp", { ...deps, kinesis: firstHeld }, deps.clock.now() + 240_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Four puts begun (the fifth chunk is read and waits); nothing checkpointed past the unfinished first.
    expect(calls).toBe(4);
    expect((await deps.signals.findOne({ _id: "sp" }))!.progress).toBeUndefined();
    release();
    expect(await running).toEqual({ status: "done", published: 100, outboxed: 0 });
    const ids = kinesis.decoded().map((r) => Number((r as { documentKey: { _id: number } }).documentKey._id));
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect((await deps.signals.findOne({ _id: "sp" }))!.progress).toMatchObject({
      "0": { lastId: 99, count: 100, done: true },
    });
  });

  it("stops near its deadline and the continuation (continueSnapshots, every minute) goes on from the checkpoint", async () => {
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

    expect(await continueSnapshots(deps, deps.clock.now() + 240_000)).toBe(1);
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

describe("runSnapshot with capture options: a backfill never leaks what the options keep in", () => {
  const values = { CAPTURE_OPTIONS: USERS_OPTIONS, CAPTURE_MASK_KEY: MASK_KEY, SNAPSHOT_CHUNK_SIZE: 50 };

  /** Users like the fixtures: every third outside the match (region "us"), each with all the secrets. */
  async function seedUsers(deps: ReturnType<typeof makeCaptureDeps>, count: number) {
    const user = readChangeEvent("options/users-update").fullDocumentBeforeChange!;
    await deps.store
      .db("app")
      .collection("users")
      .insertMany(Array.from({ length: count }, (_, i) => ({ ...user, _id: i, region: i % 3 === 2 ? "us" : "eu" })));
  }

  it.each([1, 4])(
    "with %s worker(s): only matching users, without excluded fields, phones masked alike",
    async (parallelism) => {
      const kinesis = fakeKinesis();
      const deps = makeCaptureDeps({ kinesis: kinesis.port, values });
      await seedUsers(deps, 300);
      await deps.signals.insertOne({
        _id: "u",
        type: "execute-snapshot",
        data: { "data-collections": ["app.users"], parallelism },
      });
      const run = await runSnapshot("u", deps, deps.clock.now() + 240_000);
      expect(run).toEqual({ status: "done", published: 200, outboxed: 0 });
      const texts = kinesis.stream.map((entry) => Buffer.from(entry.Data, "base64").toString("utf8"));
      expect(texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)))).toEqual([]);
      const reads = kinesis.decoded() as { fullDocument: { _id: unknown; region: string; phone: string } }[];
      expect(reads.map((r) => Number(r.fullDocument._id)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 !== 2),
      );
      expect(new Set(reads.map((r) => r.fullDocument.region))).toEqual(new Set(["eu"]));
      expect(new Set(reads.map((r) => r.fullDocument.phone))).toEqual(
        new Set([maskValue("+47 555 01 01", MASK_KEY, nodeBson)]),
      );
      // Progress counts the documents read: the query takes the match, so the 100 outside it are never read.
      expect(await deps.signals.findOne({ _id: "u" })).toMatchObject({ progress: { "0": { count: 200, done: true } } });
    },
  );

  it("records put to the outbox by a failing backfill are shaped too", async () => {
    const deps = makeCaptureDeps({ kinesis: fakeKinesis(Array.from({ length: 40 }, throttled)).port, values });
    await seedUsers(deps, 30);
    await deps.signals.insertOne({ _id: "u", type: "execute-snapshot", data: { "data-collections": ["app.users"] } });
    expect(await runSnapshot("u", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done", outboxed: 20 });
    const entries = await deps.outbox.find({}).toArray();
    expect(entries).toHaveLength(20);
    const texts = entries.map((entry) => entry.data as string);
    expect(texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)))).toEqual([]);
  });

  it("without the mask key the backfill fails with the reason and publishes nothing", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { CAPTURE_OPTIONS: USERS_OPTIONS } });
    await seedUsers(deps, 10);
    await deps.signals.insertOne({ _id: "u", type: "execute-snapshot", data: { "data-collections": ["app.users"] } });
    const run = await runSnapshot("u", deps, deps.clock.now() + 240_000);
    expect(run).toMatchObject({
      status: "failed",
      published: 0,
      error: expect.stringContaining("CAPTURE_MASK_KEY is not set"),
    });
    expect(kinesis.calls).toHaveLength(0);
    expect(await deps.signals.findOne({ _id: "u" })).toMatchObject({ status: "failed", error: run.error });
  });
});
