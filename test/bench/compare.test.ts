import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CompareUnavailable, compareWithCommit, DEFAULT_AGAINST, resolveCommit } from "../../bench/compare";

/**
 * The comparison `npm run bench` makes with another commit: what it resolves and that it runs on a
 * clone. Speed itself is for the benchmark; here both sides are the same commit, and the tool must
 * run every task, and check both sides stored the same documents, without a failure.
 */
describe("bench/compare.ts", () => {
  // A shallow clone (as some CI systems make) lacks the default commit: the tool must say so.
  const shallow = execFileSync("git", ["rev-parse", "--is-shallow-repository"], { encoding: "utf8" }).trim() === "true";
  it.each([
    { ref: "HEAD", outcome: /^[0-9a-f]{40}$/ },
    shallow
      ? { ref: DEFAULT_AGAINST, error: "(a shallow clone lacks it: git fetch --unshallow)" }
      : { ref: DEFAULT_AGAINST, outcome: new RegExp(`^${DEFAULT_AGAINST}$`) },
    { ref: "no-such-commit", error: '"no-such-commit" is not a commit of this repository' },
    { ref: "HEAD:package.json", error: '"HEAD:package.json" is not a commit of this repository' },
  ])("resolves $ref to a commit or names why not", ({ ref, outcome, error }) => {
    if (outcome) expect(resolveCommit(ref)).toMatch(outcome);
    else {
      expect(() => resolveCommit(ref)).toThrow(CompareUnavailable);
      expect(() => resolveCommit(ref)).toThrow(error);
    }
  });

  it("runs every task of a commit beside this checkout (the same commit: both sides load and do the same work)", async () => {
    const result = await compareWithCommit(resolveCommit("HEAD"), { rounds: 1, quick: true, records: 200 });
    expect(result.skipped).toEqual([]);
    expect(result.rows.map((row) => row.label)).toHaveLength(11);
    for (const row of result.rows) {
      expect(row.before, row.label).toBeGreaterThan(0);
      expect(row.after, row.label).toBeGreaterThan(0);
      expect(row.afterOverBefore.median, row.label).toBeGreaterThan(0);
    }
  }, 180_000);
});
