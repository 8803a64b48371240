/** End-to-end benchmarks of the local pipeline (npm start's machinery). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EmulatorEngine } from "../src/local/kinesis-emulator";
import { Pipeline } from "../src/local/pipeline";

const root = resolve(import.meta.dirname, "..");

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run<T>(
  engine: EmulatorEngine,
  bufferIntervalMs: number,
  body: (pipeline: Pipeline) => Promise<T>,
): Promise<T> {
  const pipeline = await Pipeline.start({
    root,
    engine,
    bufferIntervalMs,
    stateDir: mkdtempSync(join(tmpdir(), "akb-bench-")),
  });
  try {
    return await body(pipeline);
  } finally {
    await pipeline.stop();
  }
}

/** Readings inserted as fast as the source takes them; events/s from first insert to last landed. */
export function sustained(engine: EmulatorEngine, events: number, bufferIntervalMs: number) {
  return run(engine, bufferIntervalMs, async (pipeline) => {
    const started = Date.now();
    await pipeline.startSensor(100_000, events).finished;
    const landed = await pipeline.waitForLanding(events, 600_000);
    const seconds = (Math.max(...pipeline.landedAt.values()) - started) / 1000;
    const result = await pipeline.verify();
    if (!landed || !result.exact)
      throw new Error(
        `sustained run lost or changed data: ${JSON.stringify({ ...result, missing: result.missing.length, different: result.different.length })}`,
      );
    return { events, seconds, perSecond: events / seconds };
  });
}

/** Insert-to-landed latency at a fixed rate. */
export function latency(engine: EmulatorEngine, ratePerSecond: number, events: number, bufferIntervalMs: number) {
  return run(engine, bufferIntervalMs, async (pipeline) => {
    const sensor = pipeline.startSensor(ratePerSecond, events);
    await sensor.finished;
    await pipeline.waitForLanding(events, 120_000);
    const result = await pipeline.verify();
    if (!result.exact) throw new Error("latency run lost or changed data");
    const latencies = [...sensor.insertedAt].map(([id, at]) => (pipeline.landedAt.get(id) as number) - at);
    return { events, ratePerSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  });
}
