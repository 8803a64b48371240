import { describe, expect, it } from "vitest";
import { chunkEnd, chunksOf } from "../../../src/core/chunk";
import { KinesisError, type KinesisRecordEntry } from "../../../src/core/kinesis/port";
import { putAllRecords, RetryExhaustedError } from "../../../src/core/kinesis/put-records";
import { accessDenied, fakeKinesis, throttled } from "../../helpers/capture";

const entries: KinesisRecordEntry[] = ["a", "b", "c"].map((key) => ({
  Data: Buffer.from(key).toString("base64"),
  PartitionKey: key,
}));
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };
const refuse = (keys: string[]) => (batch: readonly KinesisRecordEntry[]) => ({
  FailedRecordCount: batch.filter((e) => keys.includes(e.PartitionKey)).length,
  Records: batch.map((e) =>
    keys.includes(e.PartitionKey)
      ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" }
      : { SequenceNumber: "1", ShardId: "s" },
  ),
});

describe("putAllRecords: one PutRecords sender for the outbox drain and snapshots", () => {
  it.each([
    { name: "all put at once", script: [], calls: [["a", "b", "c"]], sleeps: [] as number[] },
    {
      name: "a partial failure re-sends only the refused entry",
      script: [refuse(["b"])],
      calls: [["a", "b", "c"], ["b"]],
      sleeps: [50],
    },
    {
      name: "throttled calls are retried with jittered backoff",
      script: [throttled(), throttled()],
      calls: [
        ["a", "b", "c"],
        ["a", "b", "c"],
        ["a", "b", "c"],
      ],
      sleeps: [50, 100],
    },
  ])("$name", async ({ script, calls, sleeps }) => {
    const kinesis = fakeKinesis([...script]);
    const slept: number[] = [];
    const result = await putAllRecords(entries, {
      kinesis: kinesis.port,
      policy,
      sleep: async (ms) => void slept.push(ms),
      random: () => 0.5,
    });
    expect(kinesis.calls.map((c) => c.entries.map((e) => e.PartitionKey))).toEqual(calls);
    expect(slept).toEqual(sleeps);
    expect(result.attempts).toBe(calls.length);
  });

  it.each([
    {
      name: "entries refused on every attempt",
      script: [refuse(["b"]), refuse(["b"]), refuse(["b"]), refuse(["b"])],
      attempts: 4,
      delivered: [true, false, true],
      code: "ProvisionedThroughputExceededException",
    },
    {
      name: "throttled on every attempt",
      script: [throttled(), throttled(), throttled(), throttled()],
      attempts: 4,
      delivered: [false, false, false],
      code: "ProvisionedThroughputExceededException",
    },
    {
      name: "an error no retry fixes",
      script: [accessDenied()],
      attempts: 1,
      delivered: [false, false, false],
      code: "AccessDeniedException",
    },
  ])(
    "gives up with RetryExhaustedError (attempts, cause, what was delivered): $name",
    async ({ script, attempts, delivered, code }) => {
      const kinesis = fakeKinesis([...script]);
      const error = await putAllRecords(entries, {
        kinesis: kinesis.port,
        policy,
        sleep: async () => undefined,
        random: () => 0.5,
      }).catch((e) => e);
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect(error).toMatchObject({ attempts, delivered });
      expect((error.cause as KinesisError).code).toBe(code);
      expect(kinesis.calls).toHaveLength(attempts);
    },
  );
});

describe("chunkEnd / chunksOf: one chunker by count and bytes", () => {
  it.each([
    { name: "by count", sizes: [1, 1, 1, 1, 1], limits: { maxCount: 2, maxBytes: 100 }, chunks: [[1, 1], [1, 1], [1]] },
    {
      name: "by bytes",
      sizes: [40, 40, 40, 10],
      limits: { maxCount: 10, maxBytes: 100 },
      chunks: [
        [40, 40],
        [40, 10],
      ],
    },
    {
      name: "an item over the byte limit travels alone",
      sizes: [10, 500, 10],
      limits: { maxCount: 10, maxBytes: 100 },
      chunks: [[10], [500], [10]],
    },
    { name: "nothing", sizes: [], limits: { maxCount: 10, maxBytes: 100 }, chunks: [] },
  ])("$name", ({ sizes, limits, chunks }) => {
    expect(chunksOf(sizes, limits, (size) => size)).toEqual(chunks);
    expect(chunkEnd(0, sizes.length, limits, (i) => sizes[i])).toBe(chunks.length > 0 ? chunks[0].length : 0);
  });
});
