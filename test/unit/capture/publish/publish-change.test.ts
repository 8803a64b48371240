import { EJSON } from "bson";
import { describe, expect, it } from "vitest";
import { publishChangeToKinesis } from "../../../../src/core/capture/publish/publish-change";
import { backoffDelay, withRetries } from "../../../../src/core/retry";
import { KinesisError } from "../../../../src/core/kinesis/port";
import { accessDenied, fakeKinesis, makeCaptureDeps, readChangeEvent, throttled } from "../../../helpers/capture";
import { MASK_KEY, SECRETS, USERS_OPTIONS } from "../../../helpers/capture-options";

describe("backoff", () => {
  it("is exponential with full jitter and capped", () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it("withRetries stops at once on a non-retryable error and records the attempts", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const error = await withRetries(
      async () => {
        calls++;
        throw accessDenied();
      },
      (e) => e instanceof KinesisError && e.retryable,
      { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 },
      async (ms) => void sleeps.push(ms),
    ).catch((e) => e);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    expect(error.attempts).toBe(1);
  });
});

describe("publishChangeToKinesis", () => {
  it("puts one record per event, keyed by the document", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    const outcome = await publishChangeToKinesis(readChangeEvent("insert"), deps);
    expect(outcome).toMatchObject({ result: "put", degraded: [] });
    expect(kinesis.calls).toHaveLength(1);
    expect(kinesis.calls[0].entries[0].PartitionKey).toBe("6565a1f0c2b4a1d2e3f40516");
    expect(await deps.outbox.countDocuments()).toBe(0);
  });

  it("retries throttling with backoff and then succeeds: nothing goes to the outbox", async () => {
    const kinesis = fakeKinesis([throttled(), throttled()]);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    expect((await publishChangeToKinesis(readChangeEvent("insert"), deps)).result).toBe("put");
    expect(kinesis.calls).toHaveLength(3);
    expect(deps.time.sleeps).toEqual([50, 100]); // random 0.5 x 100, 200
    expect(kinesis.stream).toHaveLength(1);
  });

  it.each([
    {
      name: "throttled on every attempt",
      script: () => [throttled(), throttled(), throttled(), throttled()],
      attempts: 4,
      calls: 4,
      sleeps: [50, 100, 200],
    },
    {
      name: "5xx on every attempt",
      script: () => Array.from({ length: 4 }, () => new KinesisError("HTTP503", "Service Unavailable", true, 503)),
      attempts: 4,
      calls: 4,
      sleeps: [50, 100, 200],
    },
    { name: "access denied (not retryable)", script: () => [accessDenied()], attempts: 1, calls: 1, sleeps: [] },
    {
      name: "network failure until exhausted",
      script: () => Array.from({ length: 4 }, () => new KinesisError("NetworkError", "socket hang up", true)),
      attempts: 4,
      calls: 4,
      sleeps: [50, 100, 200],
    },
  ])("sends the event to the outbox when $name, with one log line", async ({ script, attempts, calls, sleeps }) => {
    const kinesis = fakeKinesis(script());
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    const event = readChangeEvent("update");
    const outcome = await publishChangeToKinesis(event, deps);
    expect(outcome.result).toBe("outboxed");
    expect(kinesis.calls).toHaveLength(calls);
    expect(deps.time.sleeps).toEqual(sleeps);
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry).toMatchObject({
      _id: (event._id as { _data: string })._data,
      partitionKey: "6565a1f0c2b4a1d2e3f40516",
      operationType: "update",
      ns: "monitors.reports",
      attempts,
    });
    // The outboxed record is the change event itself, as the stream will carry it.
    expect(JSON.parse(entry.data as string)).toMatchObject({
      _id: { _data: (event._id as { _data: string })._data },
      operationType: "update",
    });
    const lines = deps.logger.lines.filter((line) => line.msg === "change event sent to the outbox");
    expect(lines).toHaveLength(1);
  });

  it("queues behind an earlier outboxed event of the same document, keeping per-document order", async () => {
    const kinesis = fakeKinesis([accessDenied()]);
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    await publishChangeToKinesis(readChangeEvent("insert"), deps);
    const second = await publishChangeToKinesis(readChangeEvent("update"), deps);
    expect(second).toEqual({
      result: "outboxed",
      reason: "an earlier event of this document is waiting in the outbox",
    });
    expect(kinesis.calls).toHaveLength(1); // the second event never went to Kinesis ahead of the first
    expect((await deps.outbox.find({}).sort({ _id: 1 }).toArray()).map((e) => e.operationType)).toEqual([
      "insert",
      "update",
    ]);
    // a different document is not held back
    const other = { ...readChangeEvent("insert"), _id: { _data: "82FF" }, documentKey: { _id: "other" } };
    expect((await publishChangeToKinesis(other, deps)).result).toBe("put");
  });

  it("an event enqueued twice (trigger re-run) is one outbox entry", async () => {
    const deps = makeCaptureDeps({ kinesis: fakeKinesis([accessDenied(), accessDenied()]).port });
    await publishChangeToKinesis(readChangeEvent("delete"), deps);
    await publishChangeToKinesis(readChangeEvent("delete"), deps);
    expect(await deps.outbox.countDocuments()).toBe(1);
  });

  it("records the last successful put when a heartbeat goes through", async () => {
    const deps = makeCaptureDeps();
    await publishChangeToKinesis(readChangeEvent("heartbeat"), deps);
    expect(await deps.status.findOne({ _id: "atlas-kinesis-bridge:lastSuccessfulPut" })).toEqual({
      _id: "atlas-kinesis-bridge:lastSuccessfulPut",
      at: new Date(deps.clock.now()),
    });
  });

  it("a failure to record the last successful put neither outboxes nor repeats a heartbeat that was put", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port });
    const failingStatus = Object.assign(Object.create(deps.status), {
      updateOne: async () => {
        throw new Error("status write failed");
      },
    });
    expect(
      (await publishChangeToKinesis(readChangeEvent("heartbeat"), { ...deps, status: failingStatus })).result,
    ).toBe("put");
    expect(kinesis.stream).toHaveLength(1);
    expect(await deps.outbox.countDocuments()).toBe(0);
    expect(deps.logger.lines.map((l) => l.msg)).toEqual([
      "could not record the last successful put",
      "could not record the heartbeat put",
    ]);
  });

  it("records which heartbeat reached the stream, only ever raising it (the heartbeat's stream check reads it)", async () => {
    const deps = makeCaptureDeps();
    const event = readChangeEvent("heartbeat");
    const at = (event.fullDocument as { at: Date }).at;
    await publishChangeToKinesis(event, deps);
    const older = { ...event, fullDocument: { ...event.fullDocument, at: new Date(at.getTime() - 60_000) } };
    await publishChangeToKinesis(older, deps); // an unordered trigger may put an older one last
    expect(await deps.status.findOne({ _id: "atlas-kinesis-bridge:heartbeatOnStream" })).toEqual({
      _id: "atlas-kinesis-bridge:heartbeatOnStream",
      heartbeatAt: at,
      putAt: new Date(deps.clock.now()),
    });
  });

  it("keeps an event too large even without its documents in the outbox as permanent, and says so", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { KINESIS_MAX_RECORD_BYTES: 2048 } });
    const event = { ...readChangeEvent("delete"), documentKey: { _id: "k".repeat(3000) } };
    expect((await publishChangeToKinesis(event, deps)).result).toBe("outboxed");
    expect(kinesis.calls).toHaveLength(0);
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry.permanent).toBe(true);
    expect(deps.logger.lines.at(-1)).toMatchObject({ level: "error", permanent: true });
  });
});

describe("publishChangeToKinesis with capture options (exclude, mask, match)", () => {
  const values = { CAPTURE_OPTIONS: USERS_OPTIONS, CAPTURE_MASK_KEY: MASK_KEY };
  const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

  it("puts shaped records only: no excluded or masked value reaches the stream", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values });
    for (const name of ["users-insert", "users-update", "users-update-subdocument", "users-replace", "users-delete"])
      expect((await publishChangeToKinesis(readChangeEvent(`options/${name}`), deps)).result).toBe("put");
    const records = kinesis.stream.map((entry) => Buffer.from(entry.Data, "base64").toString("utf8"));
    expect(records).toHaveLength(5);
    expect(records.flatMap(leaks)).toEqual([]);
  });

  it("a change outside the match is neither put nor outboxed", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values });
    const event = readChangeEvent("options/users-insert");
    event.fullDocument = { ...event.fullDocument, region: "us" };
    expect(await publishChangeToKinesis(event, deps)).toEqual({ result: "filtered" });
    expect(kinesis.calls).toHaveLength(0);
    expect(await deps.outbox.countDocuments()).toBe(0);
  });

  it("when Kinesis fails, the outbox holds the shaped record (never the excluded values)", async () => {
    const deps = makeCaptureDeps({ kinesis: fakeKinesis([accessDenied()]).port, values });
    expect((await publishChangeToKinesis(readChangeEvent("options/users-update"), deps)).result).toBe("outboxed");
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry.shaping).toBe("applied");
    expect(leaks(entry.data as string)).toEqual([]);
  });

  it("an event too large even without its documents is kept (permanent) shaped", async () => {
    const deps = makeCaptureDeps({
      kinesis: fakeKinesis().port,
      values: { ...values, KINESIS_MAX_RECORD_BYTES: 2048 },
    });
    const event = { ...readChangeEvent("options/users-update"), documentKey: { _id: "k".repeat(3000) } };
    expect((await publishChangeToKinesis(event, deps)).result).toBe("outboxed");
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry.permanent).toBe(true);
    expect(leaks(entry.data as string)).toEqual([]);
  });

  it("without the mask key the event waits in the outbox as it came (shaping pending), nothing is put, and one error line names the key", async () => {
    const kinesis = fakeKinesis();
    const deps = makeCaptureDeps({ kinesis: kinesis.port, values: { CAPTURE_OPTIONS: USERS_OPTIONS } });
    const event = readChangeEvent("options/users-insert");
    const outcome = await publishChangeToKinesis(event, deps);
    expect(outcome).toMatchObject({
      result: "outboxed",
      reason: expect.stringContaining("CAPTURE_MASK_KEY is not set"),
    });
    expect(kinesis.calls).toHaveLength(0);
    const [entry] = await deps.outbox.find({}).toArray();
    expect(entry).toMatchObject({
      shaping: "pending",
      partitionKey: "692f8c1a0b1c2d3e4f506100",
      operationType: "insert",
    });
    expect(EJSON.parse(entry.data as string, { relaxed: false })).toEqual(event);
    expect(deps.logger.lines.filter((line) => line.level === "error")).toEqual([
      expect.objectContaining({
        msg: "change event sent to the outbox unshaped",
        reason: expect.stringContaining("CAPTURE_MASK_KEY"),
      }),
    ]);
    // The document's later events queue behind it, in order.
    expect((await publishChangeToKinesis(readChangeEvent("options/users-update"), deps)).result).toBe("outboxed");
    expect(await deps.outbox.countDocuments()).toBe(2);
  });
});
