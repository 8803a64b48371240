/**
 * `npm run bench` as a list of sections: each has a title (what the progress line on stderr names)
 * and a function that measures and prints its results (stdout). Adding a benchmark is adding a
 * section to the list in run.ts.
 */
import type { Progress } from "../src/cli/progress";

export interface BenchSection {
  readonly title: string;
  /** Measures, and prints its lines with `print` (never console.log: `print` keeps stdout clear of the status line). */
  run(print: (line: string) => void): Promise<void> | void;
}

/**
 * Runs the sections in order: names each on `progress` ("[3/13] Exact mirror (2 min 5 s in)") and
 * prints its results to `out` exactly as the section gives them, the status line cleared first.
 */
export async function runSections(
  sections: readonly BenchSection[],
  progress: Progress,
  out: (line: string) => void = console.log,
): Promise<void> {
  const print = (line: string) => {
    progress.clear();
    out(line);
  };
  for (const [i, section] of sections.entries()) {
    progress.section(i + 1, sections.length, section.title);
    await section.run(print);
  }
  progress.done(`${sections.length} section${sections.length === 1 ? "" : "s"}`);
}
