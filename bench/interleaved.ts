/**
 * Runs tasks in interleaved rounds and reports each task's median. Each round runs every task, in
 * rotating order, as a short block: one untimed run, then `timedPerBlock` timed runs. The untimed run
 * lets the heap settle into that task's own steady state (a server handles such requests back to
 * back), so no task is timed while collecting the garbage another left behind; interleaving keeps
 * drift on this noisy 2-core machine (neighbours, memory bandwidth) from favouring whichever task a
 * sequential runner happens to run first.
 */
export interface Task {
  name: string;
  run: () => unknown | Promise<unknown>;
}

export interface InterleavedResult {
  /** Each task's median over every timed run. */
  readonly medians: Map<string, number>;
  /** Each task's mean time in each round, so two tasks can be compared round by round. */
  readonly perRound: Map<string, number[]>;
}

export async function runInterleaved(
  tasks: Task[],
  options: { rounds: number; warmup: number; timedPerBlock?: number },
): Promise<InterleavedResult> {
  const timedPerBlock = options.timedPerBlock ?? 2;
  const samples = new Map<string, number[]>(tasks.map((task) => [task.name, []]));
  const perRound = new Map<string, number[]>(tasks.map((task) => [task.name, []]));
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(round + k) % tasks.length];
      await task.run();
      let total = 0;
      for (let run = 0; run < timedPerBlock; run++) {
        const started = process.hrtime.bigint();
        await task.run();
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        total += elapsedMs;
        if (round >= options.warmup) samples.get(task.name)!.push(elapsedMs);
      }
      if (round >= options.warmup) perRound.get(task.name)!.push(total / timedPerBlock);
    }
  }
  return { medians: new Map([...samples].map(([name, values]) => [name, median(values)])), perRound };
}

/** Task `a` over task `b`, round by round: the median ratio and its interquartile range. */
export function roundRatios(result: InterleavedResult, a: string, b: string): { median: number; p25: number; p75: number } {
  const aRounds = result.perRound.get(a)!;
  const bRounds = result.perRound.get(b)!;
  const ratios = aRounds.map((value, round) => value / bRounds[round]).sort((x, y) => x - y);
  return { median: median(ratios), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75) };
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
