import { describe, expect, it } from "vitest";
import {
  renderCanary,
  runCanary,
  type CanaryProbes,
  type HopName,
  type ProbeAnswer,
} from "../../../src/core/canary/run-canary";

/** Probes that answer from a script: hop -> the round (0-based) from which it has its answer. */
function scripted(answers: Partial<Record<HopName, { from: number; answer: (now: number) => ProbeAnswer }>>) {
  let now = 1_000;
  let round = 0;
  const calls: string[] = [];
  const probe = (hop: HopName) => async () => {
    calls.push(`${round} ${hop}`);
    const entry = answers[hop];
    return entry && round >= entry.from ? entry.answer(now) : undefined;
  };
  const canary: CanaryProbes = {
    insert: async () => void calls.push("insert"),
    probes: {
      "trigger ran": probe("trigger ran"),
      "record on the stream": probe("record on the stream"),
      "delivery accepted": probe("delivery accepted"),
      "document in the target": probe("document in the target"),
    },
  };
  const options = {
    clock: { now: () => now },
    sleep: async (ms: number) => {
      now += ms;
      round++;
    },
    timeoutMs: 10_000,
    pollMs: 1_000,
    hints: { "delivery accepted": "look at Firehose" },
  };
  return { canary, options, calls };
}

describe("runCanary", () => {
  it("times each hop from the write, and arrives only when the target holds it", async () => {
    const { canary, options, calls } = scripted({
      "trigger ran": { from: 1, answer: (now) => ({ at: now, detail: "its record reached the stream" }) },
      "record on the stream": { from: 1, answer: (now) => ({ at: now, detail: "shard 1" }) },
      "delivery accepted": { from: 3, answer: (now) => ({ at: now, detail: "stored" }) },
      "document in the target": { from: 3, answer: (now) => ({ at: now, detail: "as written" }) },
    });
    const report = await runCanary(canary, options);
    expect(report).toEqual({
      arrived: true,
      failedHop: undefined,
      elapsedMs: 3_000,
      hops: [
        { hop: "trigger ran", state: "reached", afterMs: 1_000, detail: "its record reached the stream" },
        { hop: "record on the stream", state: "reached", afterMs: 1_000, detail: "shard 1" },
        { hop: "delivery accepted", state: "reached", afterMs: 3_000, detail: "stored" },
        { hop: "document in the target", state: "reached", afterMs: 3_000, detail: "as written" },
      ],
    });
    // The write comes first; a hop once reached is not asked again.
    expect(calls[0]).toBe("insert");
    expect(calls.filter((c) => c.endsWith("trigger ran"))).toEqual(["0 trigger ran", "1 trigger ran"]);
    expect(renderCanary(report, "into app.orders")).toBe(
      [
        "ok   trigger ran +1.00 s: its record reached the stream",
        "ok   record on the stream +1.00 s: shard 1",
        "ok   delivery accepted +3.00 s: stored",
        "ok   document in the target +3.00 s: as written",
        "OK: the canary into app.orders arrived in 3.0 s",
      ].join("\n"),
    );
  });

  it("a hop it cannot look at is 'not observed', never passed by guess; the arrival still counts", async () => {
    const { canary, options } = scripted({
      "record on the stream": { from: 0, answer: () => ({ unobservable: "no AWS credentials" }) },
      "document in the target": { from: 2, answer: (now) => ({ at: now, detail: "as written" }) },
    });
    const report = await runCanary(canary, options);
    expect(report.arrived).toBe(true);
    expect(report.hops.map((h) => [h.hop, h.state, h.detail])).toEqual([
      ["trigger ran", "reached", "seen by its effect: the canary arrived"],
      ["record on the stream", "not observed", "no AWS credentials"],
      ["delivery accepted", "reached", "seen by its effect: the canary arrived"],
      ["document in the target", "reached", "as written"],
    ]);
  });

  it("stops at once on a hop that cannot be reached any more, naming it and why", async () => {
    const { canary, options } = scripted({
      "trigger ran": { from: 0, answer: (now) => ({ at: now, detail: "t" }) },
      "record on the stream": { from: 0, answer: (now) => ({ at: now, detail: "s" }) },
      "delivery accepted": { from: 1, answer: () => ({ stuck: "dead-lettered: field_name_nul" }) },
    });
    const report = await runCanary(canary, options);
    expect(report.elapsedMs).toBe(1_000);
    expect(report.failedHop).toBe("delivery accepted");
    expect(report.hops[2]).toEqual({
      hop: "delivery accepted",
      state: "stuck",
      detail: "dead-lettered: field_name_nul",
    });
    expect(renderCanary(report, "x").split("\n").at(-1)).toBe(
      'FAILED at "delivery accepted": the canary x did not arrive',
    );
  });

  it("at the deadline names the first hop not reached, with its hint or what it was waiting for", async () => {
    const { canary, options } = scripted({
      "trigger ran": { from: 0, answer: (now) => ({ at: now, detail: "t" }) },
      "record on the stream": { from: 0, answer: (now) => ({ at: now, detail: "s" }) },
    });
    const report = await runCanary(canary, options);
    expect(report.elapsedMs).toBe(10_000);
    expect(report.hops.slice(2)).toEqual([
      { hop: "delivery accepted", state: "not reached", detail: "not within 10.0 s: look at Firehose" },
      { hop: "document in the target", state: "not reached", detail: "not within 10.0 s" },
    ]);
    const waiting = scripted({
      "trigger ran": { from: 0, answer: (now) => ({ at: now, detail: "outbox" }) },
      "record on the stream": { from: 0, answer: () => ({ waiting: "in the outbox: throttled" }) },
    });
    const stuckInOutbox = await runCanary(waiting.canary, waiting.options);
    expect(stuckInOutbox.failedHop).toBe("record on the stream");
    expect(stuckInOutbox.hops[1].detail).toBe("not within 10.0 s: in the outbox: throttled");
  });
});
