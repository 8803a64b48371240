/**
 * Runs tasks in interleaved rounds (each round runs every task once, in rotating order) and reports
 * each task's median. On a noisy 2-core machine this keeps drift (GC state, CPU frequency, neighbours)
 * from favouring whichever task a sequential runner happens to run first.
 */
export interface Task {
  name: string;
  run: () => unknown | Promise<unknown>;
}

export async function runInterleaved(tasks: Task[], options: { rounds: number; warmup: number }): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>(tasks.map((task) => [task.name, []]));
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const task = tasks[(round + k) % tasks.length];
      const started = process.hrtime.bigint();
      await task.run();
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (round >= options.warmup) samples.get(task.name)!.push(elapsedMs);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
