/**
 * What `npm start` says while it runs: why events wait (each reason once), and when to stop waiting.
 * A run whose events cannot be published (a capture list that masks while the mask key is unset, a
 * value the functions refuse) otherwise shows the same progress line forever; its reason is in the
 * outbox and .local/functions.log. See docs/getting-started.md.
 */
import type { Pipeline, PipelineCounts } from "./pipeline";

/**
 * How long `npm start -- --events N` waits with nothing moving before it stops with exit 1 and the
 * reason (docs/getting-started.md). drainOutbox drains the outbox once a minute, so a fixed cause
 * shows up within about a minute of the fix; 30 s of stillness after the last reading is long
 * enough that a healthy run, which moves every Firehose buffer interval (1 s), never meets it.
 */
export const STALL_AFTER_MS = 30_000;

/**
 * The counters whose change means readings are on their way. Heartbeats are left out (they come
 * whatever happens to the readings), and so are Firehose retries and the outbox depth (a retry, or
 * an event joining the outbox, is not progress; a drained event shows up as delivered).
 */
export function movement(c: PipelineCounts): string {
  return [c.inserted, c.put, c.outboxed, c.delivered, c.upserted, c.deadLettered, c.backedUp, c.dropped].join(" ");
}

/** Tells when nothing has moved for `stallAfterMs`, by the counts it is shown and the times it is given. */
export class StallWatch {
  private last?: { signature: string; since: number };

  constructor(readonly stallAfterMs: number = STALL_AFTER_MS) {}

  /** Records the counts seen at `now` (ms); true once they have not changed for stallAfterMs. */
  observe(counts: PipelineCounts, now: number): boolean {
    const signature = movement(counts);
    if (!this.last || this.last.signature !== signature) this.last = { signature, since: now };
    return now - this.last.since >= this.stallAfterMs;
  }

  /** Milliseconds since the counts last changed (0 before the first observation). */
  stillFor(now: number): number {
    return this.last ? now - this.last.since : 0;
  }
}

/** Each reason once: what is new among the reasons given, in their order. */
export class ReasonLog {
  private readonly said = new Set<string>();

  fresh(reasons: readonly string[]): string[] {
    const out = reasons.filter((reason) => !this.said.has(reason));
    for (const reason of out) this.said.add(reason);
    return out;
  }
}

export type LandingOutcome =
  | { readonly outcome: "landed" }
  | { readonly outcome: "stalled"; readonly stillMs: number; readonly reasons: readonly string[] }
  | { readonly outcome: "timed-out"; readonly reasons: readonly string[] };

/**
 * Waits until the mirror holds `expected` documents (the data folder's earlier ones included). Gives
 * up when nothing has moved for `stallAfterMs`, or after `timeoutMs` in all, with the reasons the
 * pipeline knows (outbox, failed functions).
 */
export async function waitForLandingOrStall(
  pipeline: Pick<Pipeline, "snapshotCounts" | "waitingReasons">,
  expected: number,
  options: { timeoutMs: number; stallAfterMs?: number; pollMs?: number },
): Promise<LandingOutcome> {
  const watch = new StallWatch(options.stallAfterMs);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const counts = await pipeline.snapshotCounts();
    if (counts.upserted >= expected) return { outcome: "landed" };
    const now = Date.now();
    if (watch.observe(counts, now))
      return { outcome: "stalled", stillMs: watch.stillFor(now), reasons: await pipeline.waitingReasons() };
    if (now >= deadline) return { outcome: "timed-out", reasons: await pipeline.waitingReasons() };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
}

/** The closing line of a run that stopped waiting, naming why (or where to look when nothing says). */
export function describeGivingUp(outcome: Exclude<LandingOutcome, { outcome: "landed" }>): string {
  const why =
    outcome.reasons.length > 0
      ? outcome.reasons.join("; ")
      : "no reason recorded (see .local/functions.log and .local/simulator.log)";
  return outcome.outcome === "stalled"
    ? `nothing moved for ${Math.round(outcome.stillMs / 1000)} s: ${why}`
    : `the readings did not all land in time: ${why}`;
}
