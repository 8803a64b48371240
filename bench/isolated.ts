import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { reportDetail } from "../src/cli/progress";

const run = promisify(execFile);

/**
 * Runs each task in a process of its own, in rounds: every round runs every task once, in rotating
 * order, one process at a time. A task shares no heap with another, so none is timed while collecting
 * garbage another left behind, or with code another made polymorphic: in one process, the same core
 * code measured up to 30 % slower depending on what ran beside it. Rounds spread the machine's drift
 * over all tasks alike. Each process prints one JSON object (its last line); they come back by task,
 * in round order.
 */
export async function runIsolated<Report>(
  tasks: readonly string[],
  argsFor: (task: string) => string[],
  rounds: number,
): Promise<Map<string, Report[]>> {
  const perRound = new Map<string, Report[]>(tasks.map((task) => [task, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(round + k) % tasks.length];
      reportDetail(`round ${round + 1} of ${rounds}, process ${k + 1} of ${tasks.length} (${task})`);
      const { stdout } = await run(process.execPath, argsFor(task), { maxBuffer: 1 << 20 });
      perRound.get(task)!.push(JSON.parse(stdout.trim().split("\n").pop()!) as Report);
    }
  }
  return perRound;
}

/** The median and interquartile range of some values. */
export function summarize(values: number[]): { median: number; p25: number; p75: number } {
  const sorted = [...values].sort((x, y) => x - y);
  return { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75) };
}

export function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
