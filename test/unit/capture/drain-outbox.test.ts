import { describe, expect, it } from "vitest";
import { drainOutbox, pickBatch } from "../../../src/core/capture/drain-outbox";
import type { OutboxEntry } from "../../../src/core/capture/outbox";
import { fakeKinesis, makeCaptureDeps, throttled } from "../../helpers/capture";

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
    const drainDeps = {
      kinesis: kinesis.port,
      outbox: deps.outbox,
      clock: deps.clock,
      sleep: deps.sleep,
      logger: deps.logger,
      policy: deps.config,
      random: () => 0.5,
    };
    return { kinesis, deps, drainDeps };
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

  it("stops when Kinesis keeps refusing, leaving entries (with their error) for the next heartbeat", async () => {
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
