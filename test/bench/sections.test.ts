import { afterEach, describe, expect, it } from "vitest";
import { benchSections } from "../../bench/run";
import { runSections, type BenchSection } from "../../bench/sections";
import { createProgress, reportDetail, showProgressOf, silentProgress } from "../../src/cli/progress";

/**
 * `npm run bench`'s sections: their results reach stdout exactly as they print them, whatever the
 * progress around them, and the progress (which section, how far within it) goes to stderr only.
 */
const SECTIONS: BenchSection[] = [
  {
    title: "first",
    run: async (print) => {
      print("First results:");
      reportDetail("round 1 of 2");
      await new Promise((resolve) => setTimeout(resolve, 5));
      reportDetail("round 2 of 2");
      print("  row one   1.00x");
    },
  },
  {
    title: "second",
    run: (print) => {
      reportDetail("the only round");
      print("\nSecond results:");
    },
  },
];

/** Runs the sections with stdout and stderr kept apart, and in one log in the order they were written. */
async function runWith(tty: boolean) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const both: { stream: "stdout" | "stderr"; text: string }[] = [];
  const progress = showProgressOf(
    createProgress("npm run bench", {
      tty,
      detailEveryMs: 0,
      stream: {
        write: (text: string) => {
          stderr.push(text);
          both.push({ stream: "stderr", text });
        },
      },
    }),
  );
  await runSections(SECTIONS, progress, (line) => {
    stdout.push(line);
    both.push({ stream: "stdout", text: line });
  });
  return { stdout, stderr: stderr.join(""), both };
}

describe("runSections", () => {
  afterEach(() => showProgressOf(silentProgress));

  it.each([false, true])(
    "with tty %s: stdout is the sections' lines alone; stderr names each section and its rounds",
    async (tty) => {
      const { stdout, stderr } = await runWith(tty);
      expect(stdout).toEqual(["First results:", "  row one   1.00x", "\nSecond results:"]);
      expect(stderr).toMatch(/^npm run bench: \[1\/2\] first \(0 s in\)\n/);
      expect(stderr).toContain("round 2 of 2 (0 s into this step)");
      expect(stderr).toMatch(/npm run bench: \[2\/2\] second \(\d+ s in\)\n/);
      expect(stderr).toContain("the only round");
      expect(stderr).toMatch(/npm run bench: 2 sections; done in \d+ s\n$/);
    },
  );

  it("on a terminal, clears the status line before every line of results", async () => {
    const { both } = await runWith(true);
    both.forEach((write, i) => {
      if (write.stream !== "stdout") return;
      const lastStatus = both
        .slice(0, i)
        .filter((w) => w.stream === "stderr")
        .pop();
      expect(lastStatus?.text.startsWith("\r\x1b[K  "), `status line still shown before "${write.text}"`).toBe(false);
    });
  });
});

describe("benchSections", () => {
  it("lists every benchmark after the comparison, and only the comparison with --compare-only", () => {
    const all = benchSections({ quick: true, against: "HEAD", compareOnly: false }).map((s) => s.title);
    expect(all[0]).toBe("this checkout against HEAD");
    expect(all).toHaveLength(14);
    expect(new Set(all).size).toBe(all.length);
    expect(benchSections({ quick: true, against: "HEAD", compareOnly: true }).map((s) => s.title)).toEqual([
      "this checkout against HEAD",
    ]);
  });
});
