import { EJSON, Timestamp } from "bson";
import { describe, expect, it } from "vitest";
import { runSnapshot } from "../../../../src/core/capture/snapshot/snapshot";
import type { SnapshotRange } from "../../../../src/core/capture/snapshot/parallel-snapshot";
import type { KinesisPort, KinesisRecordEntry } from "../../../../src/core/kinesis/port";
import { fakeKinesis, makeCaptureDeps } from "../../../helpers/capture";

/**
 * The producer's side of snapshots' read position and of reconciles (src/core/capture/snapshot/reconcile.ts):
 * every read carries the read position R0 taken once, a reconcile's reads carry contiguous sequence
 * numbers per part, and each part ends with a closing record put after its reads.
 */
type Deps = ReturnType<typeof makeCaptureDeps>;
type Decoded = {
  operationType: string;
  clusterTime?: Timestamp;
  ns: { db: string; coll: string };
  documentKey?: { _id: unknown };
  _akb?: { reconcile?: Record<string, unknown> };
};

async function seed(deps: Deps, count: number, coll = "orders") {
  if (count === 0) return;
  await deps.store
    .db("app")
    .collection(coll)
    .insertMany(Array.from({ length: count }, (_, i) => ({ _id: i, n: i })));
}

// Relaxed, so that numbers read as numbers (the records are canonical Extended JSON).
const decoded = (kinesis: ReturnType<typeof fakeKinesis>) =>
  kinesis.stream.map(
    (entry) => EJSON.parse(Buffer.from(entry.Data, "base64").toString("utf8"), { relaxed: true }) as Decoded,
  );
const reads = (records: Decoded[]) => records.filter((r) => r.operationType === "read");
const closings = (records: Decoded[]) => records.filter((r) => r.operationType === "reconcile");

describe("a snapshot's read position", () => {
  it("is the cluster time at the first claim, kept in the signal, carried by every read (plain snapshot: no marks, no closing)", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 10 } });
    await seed(deps, 25);
    const before = deps.store.clusterTime();
    await deps.signals.insertOne({
      _id: "plain",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"] },
    });
    expect(await runSnapshot("plain", deps, deps.clock.now() + 240_000)).toEqual({
      status: "done",
      published: 25,
      outboxed: 0,
    });
    const signal = (await deps.signals.findOne({ _id: "plain" }))!;
    const position = signal.readPosition as Timestamp;
    expect(position).toBeInstanceOf(Timestamp);
    // At least every change before the claim (the seeding and the signal's insert).
    expect(position.compare(before)).toBeGreaterThan(0);
    const records = decoded(kinesis);
    expect(records).toHaveLength(25);
    for (const record of records) {
      expect(record.operationType).toBe("read");
      expect(record.clusterTime!.equals(position)).toBe(true);
      expect(record._akb).toBeUndefined();
    }
  });

  it("stays the same across runs: a resumed snapshot's reads carry the first run's", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 10 } });
    await seed(deps, 30);
    await deps.signals.insertOne({ _id: "r", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    const slow: KinesisPort = {
      ...kinesis.port,
      putRecords: async (entries) => (deps.time.advance(10_000), kinesis.port.putRecords(entries)),
    };
    expect(await runSnapshot("r", { ...deps, kinesis: slow }, deps.clock.now() + 30_000)).toMatchObject({
      status: "paused",
    });
    const first = (await deps.signals.findOne({ _id: "r" }))!.readPosition as Timestamp;
    await deps.store.db("app").collection("other").insertOne({ _id: 1 }); // the cluster moves on
    expect(await runSnapshot("r", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done" });
    const positions = new Set(decoded(kinesis).map((r) => r.clusterTime!.toString()));
    expect([...positions]).toEqual([first.toString()]);
  });

  it.each([
    {
      name: "the insert's clusterTime when the server has no $$CLUSTER_TIME",
      startedBy: new Timestamp({ t: 1763771000, i: 7 }),
      expected: { status: "done" },
    },
    {
      name: "a clear error when there is neither",
      startedBy: undefined,
      expected: { status: "failed", error: expect.stringMatching(/cannot take the snapshot's read position/) },
    },
  ])("falls back to $name", async ({ startedBy, expected }) => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    await seed(deps, 3);
    await deps.signals.insertOne({ _id: "s", type: "execute-snapshot", data: { "data-collections": ["app.orders"] } });
    // A standalone server: the aggregation cannot give the cluster time.
    const signals = Object.assign(Object.create(deps.signals), {
      aggregate: () => ({
        toArray: async () => {
          throw Object.assign(new Error("$$CLUSTER_TIME is not available on a standalone"), { code: 10071 });
        },
      }),
    });
    const run = await runSnapshot("s", { ...deps, signals }, deps.clock.now() + 240_000, startedBy);
    expect(run).toMatchObject(expected);
    const signal = (await deps.signals.findOne({ _id: "s" }))!;
    if (startedBy) {
      expect((signal.readPosition as Timestamp).equals(startedBy)).toBe(true);
      expect(decoded(kinesis).every((r) => r.clusterTime!.equals(startedBy))).toBe(true);
    } else expect(decoded(kinesis)).toHaveLength(0);
  });
});

describe("a reconcile's records", () => {
  it("reads carry R0 and contiguous marks; each collection's closing follows its reads", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 4 } });
    await seed(deps, 10);
    await seed(deps, 0, "empty");
    await deps.signals.insertOne({
      _id: "rc",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders", "app.empty"], reconcile: true },
    });
    expect(await runSnapshot("rc", deps, deps.clock.now() + 240_000)).toEqual({
      status: "done",
      published: 10,
      outboxed: 0,
    });
    const position = (await deps.signals.findOne({ _id: "rc" }))!.readPosition as Timestamp;
    const records = decoded(kinesis);
    expect(records.map((r) => r.operationType)).toEqual([...Array(10).fill("read"), "reconcile", "reconcile"]);
    reads(records).forEach((read, seq) => {
      expect(read.clusterTime!.equals(position)).toBe(true);
      expect(read._akb).toEqual({ reconcile: { id: "rc", part: 0, seq } });
    });
    const [orders, empty] = closings(records);
    expect(orders).toMatchObject({
      ns: { db: "app", coll: "orders" },
      _akb: { reconcile: { id: "rc", part: 0, parts: 1, sent: 10, ranges: [[0, 10]] } },
    });
    expect(orders.clusterTime!.equals(position)).toBe(true);
    expect(empty).toMatchObject({
      ns: { db: "app", coll: "empty" },
      _akb: { reconcile: { id: "rc", part: 0, parts: 1, sent: 0, ranges: [] } },
    });
    const keys = kinesis.stream.map((entry) => entry.PartitionKey);
    expect(keys.slice(10)).toEqual(["reconcile:rc:app.orders:0", "reconcile:rc:app.empty:0"]);
    expect(await deps.signals.findOne({ _id: "rc" })).toMatchObject({
      status: "done",
      progress: { "0": { done: true, seqs: [[0, 10]] }, "1": { done: true } },
    });
  });

  it("a resumed run continues the numbers where a clean stop left them", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 5 } });
    await seed(deps, 23);
    await deps.signals.insertOne({
      _id: "rs",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true },
    });
    const slow: KinesisPort = {
      ...kinesis.port,
      putRecords: async (entries) => (deps.time.advance(10_000), kinesis.port.putRecords(entries)),
    };
    expect(await runSnapshot("rs", { ...deps, kinesis: slow }, deps.clock.now() + 40_000)).toMatchObject({
      status: "paused",
    });
    expect(await runSnapshot("rs", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done" });
    const records = decoded(kinesis);
    expect(reads(records).map((r) => r._akb!.reconcile!.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(closings(records).map((r) => r._akb!.reconcile)).toEqual([
      { id: "rs", part: 0, parts: 1, sent: 23, ranges: [[0, 23]] },
    ]);
  });

  it("after a run that died, numbers it may have used are never reused for other documents", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 4 } });
    await seed(deps, 10);
    await deps.signals.insertOne({
      _id: "rd",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true },
    });
    // The first run's puts reach the stream (its three chunks, all in flight at once), then the run
    // dies before any checkpoint: its numbers were reserved for four chunks of four.
    const dying: KinesisPort = {
      ...kinesis.port,
      putRecords: async (entries) => {
        await kinesis.port.putRecords(entries);
        return new Promise<never>(() => undefined);
      },
    };
    void runSnapshot("rd", { ...deps, kinesis: dying }, deps.clock.now() + 240_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads(decoded(kinesis)).map((r) => r._akb!.reconcile!.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await deps.signals.findOne({ _id: "rd" }))!.progress).toMatchObject({
      0: { seqs: [[0, 0]], reserved: 16 },
    });
    // Meanwhile document 2 is deleted: re-read, the first chunk is 0, 1, 3, 4, numbered after the reservation.
    await deps.store.db("app").collection("orders").deleteOne({ _id: 2 });
    deps.time.advance(301_000); // the dead run's lease lapses
    expect(await runSnapshot("rd", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done" });
    const second = reads(decoded(kinesis)).slice(10);
    expect(second.map((r) => [r.documentKey!._id, r._akb!.reconcile!.seq])).toEqual(
      [0, 1, 3, 4, 5, 6, 7, 8, 9].map((id, k) => [id, 16 + k]),
    );
    expect(closings(decoded(kinesis)).map((r) => r._akb!.reconcile)).toEqual([
      { id: "rd", part: 0, parts: 1, sent: 9, ranges: [[16, 25]] },
    ]);
  });

  it("with parallel ranges, each range is a part with its own numbers and closing", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { SNAPSHOT_CHUNK_SIZE: 30 } });
    await seed(deps, 400);
    await deps.signals.insertOne({
      _id: "rp",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true, parallelism: 4 },
    });
    expect(await runSnapshot("rp", deps, deps.clock.now() + 240_000)).toMatchObject({
      status: "done",
      published: 400,
    });
    const plan = (await deps.signals.findOne({ _id: "rp" }))!.plan as SnapshotRange[];
    expect(plan.length).toBeGreaterThan(1);
    const records = decoded(kinesis);
    const ends = closings(records);
    expect(ends.map((r) => r._akb!.reconcile!.part).sort()).toEqual(plan.map((_, part) => part));
    for (const closing of ends) {
      const { part, parts, sent, ranges } = closing._akb!.reconcile as {
        part: number;
        parts: number;
        sent: number;
        ranges: number[][];
      };
      expect(parts).toBe(plan.length);
      const own = reads(records).filter((r) => r._akb!.reconcile!.part === part);
      expect(own.map((r) => r._akb!.reconcile!.seq)).toEqual(Array.from({ length: sent }, (_, i) => i));
      expect(ranges).toEqual([[0, sent]]);
      expect(sent).toBe(plan[part].count);
      // The closing comes after every read of its part.
      const at = records.indexOf(closing);
      expect(own.every((read) => records.indexOf(read) < at)).toBe(true);
    }
  });

  it("a closing that cannot be put goes to the outbox, and the part is done", async () => {
    const failing = (entries: readonly KinesisRecordEntry[]) => ({
      FailedRecordCount: entries.length,
      Records: entries.map(() => ({ ErrorCode: "InternalFailure", ErrorMessage: "x" })),
    });
    const kinesis = fakeKinesis(["ok", failing, failing, failing, failing]);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    await seed(deps, 3);
    await deps.signals.insertOne({
      _id: "ro",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true },
    });
    expect(await runSnapshot("ro", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "done" });
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry).toMatchObject({
      _id: "reconcile:ro:app.orders:0",
      operationType: "reconcile",
      partitionKey: "reconcile:ro:app.orders:0",
    });
    expect(EJSON.parse(entry.data as string)._akb.reconcile).toMatchObject({ sent: 3 });
  });

  it.each([
    {
      name: "data.reconcile that is not a boolean",
      values: {},
      data: { reconcile: "yes" },
      error: "signal data.reconcile must be true or false",
    },
    {
      name: "the document record format",
      values: { KINESIS_RECORD_FORMAT: "document" },
      data: { reconcile: true },
      error: expect.stringMatching(/^a reconcile needs KINESIS_RECORD_FORMAT=envelope/),
    },
  ])("refuses $name with a clear error", async ({ values, data, error }) => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values });
    await seed(deps, 3);
    await deps.signals.insertOne({
      _id: "bad",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], ...data },
    });
    expect(await runSnapshot("bad", deps, deps.clock.now() + 240_000)).toMatchObject({ status: "failed", error });
    expect(kinesis.stream).toHaveLength(0);
  });

  it("says in its log line that it is a reconcile", async () => {
    const deps = makeCaptureDeps();
    await seed(deps, 2);
    await deps.signals.insertOne({
      _id: "log",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"], reconcile: true },
    });
    await runSnapshot("log", deps, deps.clock.now() + 240_000);
    expect(deps.logger.lines.filter((line) => line.msg === "snapshot")).toEqual([
      expect.objectContaining({ kind: "reconcile", status: "done", published: 2, closingsPut: 1 }),
    ]);
  });
});
