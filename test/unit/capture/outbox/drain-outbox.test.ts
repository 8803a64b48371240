import { EJSON } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { unreadableCaptureOptions } from "../../../../src/core/capture/shaping/capture-options";
import { readCaptureConfig } from "../../../../src/core/capture/config";
import { drainOutbox, pickBatch, runOutboxDrain } from "../../../../src/core/capture/outbox/drain-outbox";
import { buildKinesisRecord } from "../../../../src/core/capture/publish/kinesis-record";
import type { OutboxEntry } from "../../../../src/core/capture/outbox/outbox";
import { publishChangeToKinesis } from "../../../../src/core/capture/publish/publish-change";
import { shapeChangeEvent } from "../../../../src/core/capture/shaping/shape-event";
import { EmbeddedStore } from "../../../../src/embedded/store";
import { fakeKinesis, makeCaptureDeps, readChangeEvent, throttled } from "../../../helpers/capture";
import { MASK_KEY, SECRETS, USERS_OPTIONS } from "../../../helpers/capture-options";

const entry = (id: string, key: string, bytes = 10): OutboxEntry => ({
  _id: id,
  partitionKey: key,
  data: JSON.stringify({ id, pad: "p".repeat(bytes) }),
  operationType: "update",
  ns: "monitors.reports",
  enqueuedAt: new Date(0),
  attempts: 1,
  lastError: "x",
});

function drainDepsOf(deps: ReturnType<typeof makeCaptureDeps>, kinesis: ReturnType<typeof fakeKinesis>) {
  return {
    kinesis: kinesis.port,
    outbox: deps.outbox,
    clock: deps.clock,
    sleep: deps.sleep,
    logger: deps.logger,
    policy: deps.config,
    random: () => 0.5,
    shaping: { config: deps.config, bson: deps.bson },
  };
}

describe("pickBatch", () => {
  it("takes only the oldest entry of each document", () => {
    const batch = pickBatch([entry("01", "a"), entry("02", "a"), entry("03", "b"), entry("04", "c"), entry("05", "b")]);
    expect(batch.map((e) => e._id)).toEqual(["01", "03", "04"]);
  });

  it("respects 500 entries and 5 MiB per request", () => {
    expect(pickBatch(Array.from({ length: 700 }, (_, i) => entry(String(i).padStart(4, "0"), `k${i}`)))).toHaveLength(
      500,
    );
    const big = Array.from({ length: 10 }, (_, i) => entry(String(i), `k${i}`, 900_000));
    expect(pickBatch(big)).toHaveLength(4); // 4 x ~1.2 MB of base64 fit, a 5th would not
  });
});

describe("drainOutbox", () => {
  async function seeded(script: Parameters<typeof fakeKinesis>[0]) {
    const kinesis = fakeKinesis(script);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    for (const e of [entry("01", "a"), entry("02", "a"), entry("03", "b"), entry("04", "c")])
      await deps.outbox.insertOne(e as never);
    return { kinesis, deps, drainDeps: drainDepsOf(deps, kinesis) };
  }

  it("puts everything in per-document order and empties the outbox", async () => {
    const { kinesis, deps, drainDeps } = await seeded([]);
    const result = await drainOutbox(drainDeps, deps.clock.now() + 60_000);
    expect(result).toMatchObject({ put: 4, failed: 0, remaining: false });
    expect(kinesis.decoded().map((r) => (r as { id: string }).id)).toEqual(["01", "03", "04", "02"]);
    expect(await deps.outbox.countDocuments()).toBe(0);
  });

  it("re-sends only the failed entries of a partial failure", async () => {
    const partial = (entries: readonly { PartitionKey: string }[]) => ({
      FailedRecordCount: 1,
      Records: entries.map((e) =>
        e.PartitionKey === "b"
          ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" }
          : { SequenceNumber: "1", ShardId: "s" },
      ),
    });
    const { kinesis, deps, drainDeps } = await seeded([partial]);
    await drainOutbox(drainDeps, deps.clock.now() + 60_000);
    // The failed entry is re-sent alone (jittered backoff), then the next round takes the next entry of "a".
    expect(kinesis.calls.map((c) => c.entries.map((e) => e.PartitionKey))).toEqual([["a", "b", "c"], ["b"], ["a"]]);
    expect(
      kinesis
        .decoded()
        .map((r) => (r as { id: string }).id)
        .sort(),
    ).toEqual(["01", "02", "03", "04"]);
    expect(await deps.outbox.countDocuments()).toBe(0);
  });

  it("stops when Kinesis keeps refusing, leaving entries (with their error) for the next run", async () => {
    const { deps, drainDeps } = await seeded(Array.from({ length: 20 }, throttled));
    const result = await drainOutbox(drainDeps, deps.clock.now() + 60_000);
    expect(result.remaining).toBe(true);
    expect(result.put).toBe(0);
    const left = await deps.outbox.find({}).sort({ _id: 1 }).toArray();
    expect(left).toHaveLength(4);
    expect(left[0]).toMatchObject({ attempts: 2, lastError: expect.stringContaining("ProvisionedThroughputExceeded") });
  });

  it("does nothing past its deadline", async () => {
    const { kinesis, deps, drainDeps } = await seeded([]);
    await drainOutbox(drainDeps, deps.clock.now());
    expect(kinesis.calls).toHaveLength(0);
  });
});

describe("runOutboxDrain: the drainOutbox function's run, every minute", () => {
  it.each([
    { name: "entries put", script: [], put: 4, recorded: true },
    { name: "Kinesis refusing every put", script: Array.from({ length: 20 }, throttled), put: 0, recorded: false },
  ])("with $name: records the put for the heartbeat only when one went out, and logs one line", async (c) => {
    const kinesis = fakeKinesis(c.script);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    for (const e of [entry("01", "a"), entry("02", "a"), entry("03", "b"), entry("04", "c")])
      await deps.outbox.insertOne(e as never);
    const result = await runOutboxDrain(deps, deps.clock.now() + 60_000);
    expect(result.put).toBe(c.put);
    const put = await deps.status.findOne({ _id: "atlas-kinesis-bridge:lastSuccessfulPut" });
    expect(put !== null).toBe(c.recorded);
    expect(deps.logger.lines.filter((l) => l.msg === "outbox drained")).toEqual([
      expect.objectContaining({ level: "info", drained: c.put, outboxRemaining: !c.recorded }),
    ]);
  });
});

describe("drainOutbox puts what the capture options let out", () => {
  const values = { CAPTURE_OPTIONS: USERS_OPTIONS, CAPTURE_MASK_KEY: MASK_KEY };
  const leaks = (texts: string[]) => texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)));
  const putTexts = (kinesis: ReturnType<typeof fakeKinesis>) =>
    kinesis.stream.map((entry) => Buffer.from(entry.Data, "base64").toString("utf8"));

  it("events captured without the mask key wait (shaping pending), then go out shaped once it is set", async () => {
    const store = new EmbeddedStore();
    const noKey = makeCaptureDeps({ store, kinesis: fakeKinesis().port, values: { CAPTURE_OPTIONS: USERS_OPTIONS } });
    const outside = readChangeEvent("options/users-insert");
    outside._id = { _data: "8269300A0F00" };
    outside.documentKey = { _id: "someone-else" };
    outside.fullDocument = { ...outside.fullDocument, _id: "someone-else", region: "us" };
    for (const event of [outside, readChangeEvent("options/users-insert"), readChangeEvent("options/users-update")])
      await publishChangeToKinesis(event, noKey);
    expect((await noKey.outbox.find({}).toArray()).map((e) => e.shaping)).toEqual(["pending", "pending", "pending"]);

    // Still no key: nothing is put, the entries keep their place, no attempt is counted.
    const stillNoKey = fakeKinesis();
    const waiting = await drainOutbox(drainDepsOf(noKey, stillNoKey), noKey.clock.now() + 60_000);
    expect(waiting).toMatchObject({ put: 0, remaining: true });
    expect(stillNoKey.calls).toHaveLength(0);
    const held = await noKey.outbox.find({}).sort({ _id: 1 }).toArray();
    expect(held).toHaveLength(3);
    expect(held[0]).toMatchObject({ attempts: 0, lastError: expect.stringContaining("CAPTURE_MASK_KEY is not set") });
    expect(noKey.logger.lines.at(-1)).toMatchObject({
      msg: "outbox entries wait: their capture options cannot be applied",
    });

    // The key is set: both changes of the document go out shaped and in order; the one outside the match is dropped.
    const withKey = makeCaptureDeps({ store, values });
    const kinesis = fakeKinesis();
    const drained = await drainOutbox(drainDepsOf(withKey, kinesis), withKey.clock.now() + 60_000);
    expect(drained).toMatchObject({ put: 2, remaining: false });
    expect(kinesis.decoded().map((r) => (r as { operationType: string }).operationType)).toEqual(["insert", "update"]);
    expect(leaks(putTexts(kinesis))).toEqual([]);
    expect(putTexts(kinesis).join("")).not.toContain("someone-else");
    expect(await withKey.outbox.countDocuments()).toBe(0);
  });

  it("documents waiting for their options never hold back other documents, however many wait", async () => {
    const deps = makeCaptureDeps({ values: { CAPTURE_OPTIONS: USERS_OPTIONS } }); // masks, but no key
    const data = EJSON.stringify(readChangeEvent("options/users-insert"), { relaxed: false });
    const base = { operationType: "insert", ns: "app.users", enqueuedAt: new Date(0), attempts: 0, lastError: "x" };
    await deps.outbox.insertMany(
      Array.from({ length: 2100 }, (_, i) => ({
        ...base,
        _id: `a${String(i).padStart(5, "0")}`,
        partitionKey: `user-${i}`,
        data,
        shaping: "pending",
      })) as never[],
    );
    await deps.outbox.insertOne(entry("b0001", "sensor") as never);
    const kinesis = fakeKinesis();
    const result = await drainOutbox(drainDepsOf(deps, kinesis), deps.clock.now() + 60_000);
    expect(result).toMatchObject({ put: 1, remaining: true });
    expect(kinesis.decoded()).toEqual([{ id: "b0001", pad: "p".repeat(10) }]);
    expect(await deps.outbox.countDocuments()).toBe(2100);
    expect(deps.logger.lines.at(-1)).toMatchObject({
      msg: "outbox entries wait: their capture options cannot be applied",
      documents: 2100,
      reason: expect.stringContaining("CAPTURE_MASK_KEY is not set"),
    });
  });

  it("entries written before the options existed are shaped before they are put; shaped entries go out unchanged", async () => {
    const deps = makeCaptureDeps({ values });
    const plain = readCaptureConfig(() => undefined);
    const legacy = buildKinesisRecord(readChangeEvent("options/users-update"), plain, nodeBson);
    expect(leaks([legacy.data]).length).toBeGreaterThan(0);
    const shaped = buildKinesisRecord(
      shapeChangeEvent(readChangeEvent("options/users-insert"), deps.config, nodeBson)!,
      deps.config,
      nodeBson,
    );
    const base = { operationType: "update", ns: "app.users", enqueuedAt: new Date(0), attempts: 1, lastError: "x" };
    await deps.outbox.insertOne({ ...base, _id: "01", partitionKey: "p1", data: legacy.data } as never);
    await deps.outbox.insertOne({
      ...base,
      _id: "02",
      partitionKey: "p2",
      data: shaped.data,
      shaping: "applied",
    } as never);
    const kinesis = fakeKinesis();
    expect(await drainOutbox(drainDepsOf(deps, kinesis), deps.clock.now() + 60_000)).toMatchObject({ put: 2 });
    const [first, second] = putTexts(kinesis);
    expect(leaks([first, second])).toEqual([]);
    expect(JSON.parse(first).fullDocument.phone).toMatch(/^hmac:/);
    expect(second).toBe(shaped.data); // its masked phone is not masked again
  });

  it("options that cannot be read hold every entry rather than put one unshaped", async () => {
    const deps = makeCaptureDeps({ values: { CAPTURE_OPTIONS: USERS_OPTIONS, CAPTURE_MASK_KEY: MASK_KEY } });
    await deps.outbox.insertOne(entry("01", "a") as never);
    const unreadable = {
      ...deps.config,
      captureOptions: unreadableCaptureOptions("CAPTURE_OPTIONS is not valid JSON"),
    };
    const kinesis = fakeKinesis();
    const result = await drainOutbox(
      { ...drainDepsOf(deps, kinesis), shaping: { config: unreadable, bson: nodeBson } },
      deps.clock.now() + 60_000,
    );
    expect(result).toMatchObject({ put: 0, remaining: true });
    expect(kinesis.calls).toHaveLength(0);
    expect(await deps.outbox.findOne({ _id: "01" })).toMatchObject({
      lastError: expect.stringContaining("cannot be read"),
    });
  });

  it("with string encodings, an entry from before the options waits with the reason; a shaped one goes out", async () => {
    const deps = makeCaptureDeps({ values: { ...values, NESTED_DOCUMENT_ENCODING: "string" } });
    const base = { operationType: "update", ns: "app.users", enqueuedAt: new Date(0), attempts: 1, lastError: "x" };
    await deps.outbox.insertOne({ ...base, _id: "01", partitionKey: "p1", data: "{}" } as never);
    await deps.outbox.insertOne({
      ...base,
      _id: "02",
      partitionKey: "p2",
      data: '{"ok":1}',
      shaping: "applied",
    } as never);
    const kinesis = fakeKinesis();
    expect(await drainOutbox(drainDepsOf(deps, kinesis), deps.clock.now() + 60_000)).toMatchObject({ put: 1 });
    expect(putTexts(kinesis)).toEqual(['{"ok":1}']);
    expect(await deps.outbox.findOne({ _id: "01" })).toMatchObject({
      lastError: expect.stringContaining("cannot be shaped: snapshot app.users and delete the entry"),
    });
  });
});
