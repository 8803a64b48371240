/**
 * What a capture trigger sustains when Kinesis is a network round trip away: readings inserted at
 * once, the time until the capture trigger has put them all (source puts only), with 0, 10 and 30 ms
 * added to every Kinesis call by a proxy, for ordered and unordered triggers. Each run then waits for
 * the mirror and verifies it exact, so speed never comes at the cost of a lost or changed event.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Pipeline } from "../src/local/pipeline";

const root = resolve(import.meta.dirname, "..");

export interface CaptureRate {
  latencyMs: number;
  ordering: "ordered" | "unordered";
  events: number;
  perSecond: number;
}

export async function benchCaptureRate(
  latencyMs: number,
  ordering: "ordered" | "unordered",
  events: number,
): Promise<CaptureRate> {
  const pipeline = await Pipeline.start({
    root,
    engine: "kinesalite",
    bufferIntervalMs: 1000,
    stateDir: mkdtempSync(join(tmpdir(), "akb-bench-rate-")),
    kinesisLatencyMs: latencyMs || undefined,
    captureOrdering: ordering,
  });
  try {
    const started = Date.now();
    await pipeline.startSensor(100_000, events).finished;
    const deadline = Date.now() + 600_000;
    while ((await pipeline.snapshotCounts()).put < events && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const seconds = (Date.now() - started) / 1000;
    const counts = await pipeline.snapshotCounts();
    if (counts.put < events) throw new Error(`capture put ${counts.put} of ${events} (outboxed ${counts.outboxed})`);
    await pipeline.waitForLanding(events, 120_000);
    const verified = await pipeline.verify();
    if (!verified.exact)
      throw new Error(
        `capture-rate run (${ordering}, ${latencyMs} ms) did not land exactly: ${verified.missing.length} missing, ${verified.different.length} different`,
      );
    return { latencyMs, ordering, events, perSecond: events / seconds };
  } finally {
    await pipeline.stop();
  }
}
