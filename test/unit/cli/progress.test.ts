import { afterEach, describe, expect, it } from "vitest";
import {
  createProgress,
  formatDuration,
  reportDetail,
  showProgressOf,
  silentProgress,
  type ProgressStream,
} from "../../../src/cli/progress";

/** A stream that keeps what is written, and a clock the test moves. */
function harness(tty: boolean) {
  const writes: string[] = [];
  const stream: ProgressStream = { write: (chunk: string) => writes.push(chunk), isTTY: tty };
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  return { writes, stream, clock, text: () => writes.join("") };
}

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [59_999, "59 s"],
    [60_000, "1 min 0 s"],
    [192_500, "3 min 12 s"],
    [3_600_000, "1 h 0 min"],
    [3_725_000, "1 h 2 min"],
  ])("%i ms reads %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("createProgress", () => {
  it("off a terminal: a line per step, details at most every detailEveryMs, then how long it took", () => {
    const h = harness(false);
    const progress = createProgress("npm run x", { stream: h.stream, now: h.clock.now, detailEveryMs: 10_000 });
    progress.section(1, 2, "first");
    h.clock.advance(4_000);
    progress.detail("round 1 of 3"); // 4 s after the last line: not yet
    h.clock.advance(7_000);
    progress.detail("round 2 of 3"); // 11 s after it: printed
    h.clock.advance(2_000);
    progress.detail("round 3 of 3"); // 2 s after that one: not yet
    progress.section(2, 2, "second");
    h.clock.advance(65_000);
    progress.done("2 sections");
    expect(h.writes).toEqual([
      "npm run x: [1/2] first (0 s in)\n",
      "npm run x:   round 2 of 3 (11 s into this step)\n",
      "npm run x: [2/2] second (13 s in)\n",
      "npm run x: 2 sections; done in 1 min 18 s\n",
    ]);
    expect(h.text()).not.toContain("\r");
  });

  it("on a terminal: every detail rewrites one status line, which is cleared before the next line and by clear()", () => {
    const h = harness(true);
    const progress = createProgress("npm run x", { stream: h.stream, now: h.clock.now });
    progress.step("bundling");
    progress.detail("a");
    h.clock.advance(1_000);
    progress.detail("b");
    progress.clear();
    progress.clear(); // nothing shown: nothing to clear
    progress.detail("c");
    progress.done();
    expect(h.writes).toEqual([
      "npm run x: bundling (0 s in)\n",
      "\r\x1b[K  a (0 s into this step)",
      "\r\x1b[K  b (1 s into this step)",
      "\r\x1b[K",
      "\r\x1b[K  c (1 s into this step)",
      "\r\x1b[K",
      "npm run x: done in 1 s\n",
    ]);
  });

  it("takes whether the stream is a terminal from the stream", () => {
    const tty = harness(true);
    createProgress("c", { stream: tty.stream }).detail("d");
    expect(tty.text()).toMatch(/^\r\x1b\[K {2}d \(0 s into this step\)$/);
    const pipe = harness(false);
    createProgress("c", { stream: pipe.stream }).detail("d");
    expect(pipe.text()).toBe("");
  });
});

describe("reportDetail", () => {
  afterEach(() => showProgressOf(silentProgress));

  it("reaches the progress a command showed, and nothing when none did (as in tests)", () => {
    const h = harness(true);
    reportDetail("before any command showed progress");
    expect(h.writes).toEqual([]);
    showProgressOf(createProgress("c", { stream: h.stream, now: h.clock.now }));
    reportDetail("round 1 of 7");
    expect(h.text()).toBe("\r\x1b[K  round 1 of 7 (0 s into this step)");
  });
});
