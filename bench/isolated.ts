import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Runs each task in a process of its own, in rounds: every round runs every task once, in rotating
 * order, one process at a time. A task shares no heap with another, so none is timed while collecting
 * garbage another left behind, or with code another made polymorphic; in one process, the order of
 * the tasks alone moved the webhook's ratio to the floor by 0.3x. Rounds spread the machine's drift
 * over all tasks alike.
 */
export async function runIsolated(
  tasks: readonly string[],
  argsFor: (task: string) => string[],
  rounds: number,
): Promise<Map<string, number[]>> {
  const perRound = new Map<string, number[]>(tasks.map((task) => [task, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(round + k) % tasks.length];
      const { stdout } = await run(process.execPath, argsFor(task), { maxBuffer: 1 << 20 });
      perRound.get(task)!.push((JSON.parse(stdout.trim().split("\n").pop()!) as { medianMs: number }).medianMs);
    }
  }
  return perRound;
}

/** Task `a` over task `b`, round by round: the median ratio and its interquartile range. */
export function roundRatios(perRound: Map<string, number[]>, a: string, b: string): { median: number; p25: number; p75: number } {
  const bRounds = perRound.get(b)!;
  const ratios = perRound.get(a)!.map((value, round) => value / bRounds[round]).sort((x, y) => x - y);
  return { median: quantile(ratios, 0.5), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75) };
}

export function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
