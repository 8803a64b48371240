import type { Clock } from "../ports";

/**
 * The canary: proof that the deployed pipeline works end to end. One document is written into a
 * captured collection, and each hop it must pass is watched until the mirror holds it:
 *   1. trigger ran             the capture trigger handled the change (its record on the stream, or in the outbox)
 *   2. record on the stream    a record with the canary's partition key on the Kinesis stream
 *   3. delivery accepted       a delivery with it reached the webhook and was answered (stored or dead-lettered)
 *   4. document in the target  the mirror holds the canary as it was written
 * A hop whose probe cannot look (no credentials for the stream) is "not observed", never passed
 * by guess; the canary has arrived only when hop 4 holds. The first hop not reached by the deadline
 * is the one named, with what the probes know about why.
 */
export const HOPS = ["trigger ran", "record on the stream", "delivery accepted", "document in the target"] as const;
export type HopName = (typeof HOPS)[number];

/** What a probe saw: when (ms since epoch) and how, in words. */
export interface HopEvidence {
  readonly at: number;
  readonly detail: string;
}

/** A probe that cannot look at its hop at all says why, once. */
export interface HopUnobservable {
  readonly unobservable: string;
}

/** Not reached yet, and why (the record waits in the outbox for drainOutbox): kept watching. */
export interface HopWaiting {
  readonly waiting: string;
}

/** A hop that will never be reached (the record was refused as a dead letter): the watch ends. */
export interface HopStuck {
  readonly stuck: string;
}

export type ProbeAnswer = HopEvidence | HopUnobservable | HopWaiting | HopStuck | undefined;

export interface CanaryProbes {
  /** Writes the canary into the captured collection (probes that watch from "now" start before). */
  insert(): Promise<void>;
  /** One probe per hop: evidence, undefined for "not yet", or why it cannot be looked at. */
  readonly probes: Readonly<Record<HopName, () => Promise<ProbeAnswer>>>;
}

export interface HopReport {
  readonly hop: HopName;
  readonly state: "reached" | "not reached" | "not observed" | "stuck";
  /** Milliseconds from the canary's write to the evidence. */
  readonly afterMs?: number;
  readonly detail: string;
}

export interface CanaryReport {
  readonly arrived: boolean;
  readonly hops: readonly HopReport[];
  /** The first hop that failed, named, when the canary did not arrive. */
  readonly failedHop?: HopName;
  readonly elapsedMs: number;
}

export interface CanaryOptions {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Why each hop might not be reached: said when it is the one that failed. */
  readonly hints?: Partial<Record<HopName, string>>;
}

export async function runCanary(canary: CanaryProbes, options: CanaryOptions): Promise<CanaryReport> {
  const { clock } = options;
  const seen = new Map<HopName, ProbeAnswer>();
  const started = clock.now();
  await canary.insert();
  const deadline = started + options.timeoutMs;
  for (;;) {
    for (const hop of HOPS) {
      const known = seen.get(hop);
      if (known !== undefined && ("at" in known || "unobservable" in known)) continue;
      const answer = await canary.probes[hop]();
      if (answer !== undefined) seen.set(hop, answer);
    }
    const last = seen.get("document in the target");
    const stuck = HOPS.some((hop) => isStuck(seen.get(hop)));
    if ((last && "at" in last) || stuck || clock.now() >= deadline) break;
    await options.sleep(options.pollMs);
  }
  return report(seen, started, clock.now(), options.hints || {});
}

const isStuck = (answer: ProbeAnswer): answer is HopStuck => answer !== undefined && "stuck" in answer;

function report(
  seen: Map<HopName, ProbeAnswer>,
  started: number,
  now: number,
  hints: Partial<Record<HopName, string>>,
): CanaryReport {
  const final = seen.get("document in the target");
  const arrived = final !== undefined && "at" in final;
  let failedHop: HopName | undefined;
  const hops = HOPS.map((hop): HopReport => {
    const answer = seen.get(hop);
    if (answer && "at" in answer)
      return { hop, state: "reached", afterMs: Math.max(0, answer.at - started), detail: answer.detail };
    if (answer && "unobservable" in answer) return { hop, state: "not observed", detail: answer.unobservable };
    if (arrived) return { hop, state: "reached", detail: "seen by its effect: the canary arrived" };
    failedHop = failedHop || hop;
    if (isStuck(answer)) return { hop, state: "stuck", detail: answer.stuck };
    const waited = `not within ${((now - started) / 1000).toFixed(1)} s`;
    const why = answer && "waiting" in answer ? answer.waiting : failedHop === hop ? hints[hop] : undefined;
    return { hop, state: "not reached", detail: why ? `${waited}: ${why}` : waited };
  });
  return { arrived, hops, failedHop: arrived ? undefined : failedHop, elapsedMs: now - started };
}

/** The report for people: one line per hop with its timing, then the verdict. */
export function renderCanary(report: CanaryReport, what: string): string {
  const mark = { reached: "ok  ", "not reached": "FAIL", "not observed": "--  ", stuck: "FAIL" } as const;
  const lines = report.hops.map((h) => {
    const at = h.afterMs === undefined ? "" : ` +${(h.afterMs / 1000).toFixed(2)} s`;
    return `${mark[h.state]} ${h.hop}${at}: ${h.detail}`;
  });
  const verdict = report.arrived
    ? `OK: the canary ${what} arrived in ${(report.elapsedMs / 1000).toFixed(1)} s`
    : `FAILED at "${report.failedHop}": the canary ${what} did not arrive`;
  return [...lines, verdict].join("\n");
}
