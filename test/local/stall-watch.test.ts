import { describe, expect, it } from "vitest";
import type { PipelineCounts } from "../../src/local/pipeline";
import {
  describeGivingUp,
  ReasonLog,
  STALL_AFTER_MS,
  StallWatch,
  waitForLandingOrStall,
} from "../../src/local/stall-watch";

const counts = (changes: Partial<PipelineCounts> = {}): PipelineCounts => ({
  inserted: 5,
  put: 0,
  outboxed: 5,
  delivered: 0,
  heartbeatsPut: 0,
  heartbeatsDelivered: 0,
  retried: 0,
  backedUp: 0,
  dropped: 0,
  upserted: 0,
  deadLettered: 0,
  outboxDepth: 5,
  ...changes,
});

/** What `npm start` says while events wait, and when it stops waiting (src/local/stall-watch.ts). */
describe("npm start's progress: why events wait, and when to give up", () => {
  it("waits 30 s of stillness by default", () => {
    expect(new StallWatch().stallAfterMs).toBe(STALL_AFTER_MS);
    expect(STALL_AFTER_MS).toBe(30_000);
  });

  // Each case: the counts seen at times 0, 10 s, 20 s, 30 s, 40 s (a 30 s watch); whether it is stalled after the last.
  it.each<[string, Partial<PipelineCounts>[], boolean]>([
    ["nothing moves for 40 s", [{}, {}, {}, {}, {}], true],
    ["a reading lands at 20 s", [{}, {}, { upserted: 1 }, { upserted: 1 }, { upserted: 1 }], false],
    ["the drain puts an outboxed reading at 30 s", [{}, {}, {}, { delivered: 1 }, { delivered: 1 }], false],
    [
      "readings are still being inserted (and outboxed)",
      [
        {},
        { inserted: 6, outboxed: 6 },
        { inserted: 7, outboxed: 7 },
        { inserted: 8, outboxed: 8 },
        { inserted: 9, outboxed: 9 },
      ],
      false,
    ],
    [
      "only heartbeats move",
      [
        {},
        { heartbeatsPut: 1 },
        { heartbeatsPut: 1, heartbeatsDelivered: 1 },
        { heartbeatsPut: 2 },
        { heartbeatsPut: 2, heartbeatsDelivered: 2 },
      ],
      true,
    ],
    ["only Firehose retries move", [{}, { retried: 1 }, { retried: 2 }, { retried: 3 }, { retried: 4 }], true],
    [
      "only the outbox grows (heartbeats joining it)",
      [{}, { outboxDepth: 6 }, { outboxDepth: 6 }, { outboxDepth: 7 }, { outboxDepth: 7 }],
      true,
    ],
    ["a batch is backed up at 20 s", [{}, {}, { backedUp: 5 }, { backedUp: 5 }, { backedUp: 5 }], false],
  ])("%s", (_name, seen, stalled) => {
    const watch = new StallWatch(30_000);
    const results = seen.map((changes, i) => watch.observe(counts(changes), i * 10_000));
    expect(results[results.length - 1]).toBe(stalled);
    // Never before 30 s of stillness.
    expect(results.slice(0, 3)).toEqual([false, false, false]);
  });

  it("says each reason once, new ones as they come, in their order", () => {
    const log = new ReasonLog();
    expect(log.fresh(["events wait in the outbox: a", "events wait in the outbox: b"])).toEqual([
      "events wait in the outbox: a",
      "events wait in the outbox: b",
    ]);
    expect(log.fresh(["events wait in the outbox: a"])).toEqual([]);
    expect(log.fresh(["events wait in the outbox: c", "events wait in the outbox: a"])).toEqual([
      "events wait in the outbox: c",
    ]);
    expect(log.fresh([])).toEqual([]);
  });

  it.each<[string, Parameters<typeof describeGivingUp>[0], string]>([
    [
      "stalled, with the outbox's reason",
      {
        outcome: "stalled",
        stillMs: 30_200,
        reasons: ['events wait in the outbox: KINESIS_RECORD_FORMAT must be one of envelope, document; got "json"'],
      },
      'nothing moved for 30 s: events wait in the outbox: KINESIS_RECORD_FORMAT must be one of envelope, document; got "json"',
    ],
    [
      "stalled, with two reasons",
      {
        outcome: "stalled",
        stillMs: 31_000,
        reasons: [
          "events wait in the outbox: a",
          "publishChangeToKinesis failed (trigger capture_monitors_reports): b",
        ],
      },
      "nothing moved for 31 s: events wait in the outbox: a; publishChangeToKinesis failed (trigger capture_monitors_reports): b",
    ],
    [
      "stalled, with nothing recorded",
      { outcome: "stalled", stillMs: 30_000, reasons: [] },
      "nothing moved for 30 s: no reason recorded (see .local/functions.log and .local/simulator.log)",
    ],
    [
      "out of time while still moving",
      { outcome: "timed-out", reasons: ["events wait in the outbox: a"] },
      "the readings did not all land in time: events wait in the outbox: a",
    ],
  ])("names why it gave up: %s", (_name, outcome, line) => {
    expect(describeGivingUp(outcome)).toBe(line);
  });

  it("gives up on a pipeline where nothing moves, with the reasons it holds", async () => {
    const still = {
      snapshotCounts: async () => counts(),
      waitingReasons: async () => ["events wait in the outbox: CAPTURE_MASK_KEY is not set"],
    };
    const outcome = await waitForLandingOrStall(still, 1, { timeoutMs: 60_000, stallAfterMs: 50, pollMs: 10 });
    expect(outcome).toMatchObject({
      outcome: "stalled",
      reasons: ["events wait in the outbox: CAPTURE_MASK_KEY is not set"],
    });
  });

  it("returns as soon as the readings have landed", async () => {
    let upserted = 0;
    const moving = {
      snapshotCounts: async () => counts({ upserted: ++upserted }),
      waitingReasons: async () => [],
    };
    expect(await waitForLandingOrStall(moving, 3, { timeoutMs: 60_000, stallAfterMs: 60_000, pollMs: 1 })).toEqual({
      outcome: "landed",
    });
  });

  it("gives up when the time is out, even while things move", async () => {
    let put = 0;
    const slow = {
      snapshotCounts: async () => counts({ put: ++put }),
      waitingReasons: async () => ["events wait in the outbox: throttled"],
    };
    expect(await waitForLandingOrStall(slow, 1, { timeoutMs: 0, stallAfterMs: 60_000, pollMs: 1 })).toEqual({
      outcome: "timed-out",
      reasons: ["events wait in the outbox: throttled"],
    });
  });
});
