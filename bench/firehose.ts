/**
 * Webhook benchmark: the core vs the seed article's webhook vs a floor, on one 10,000-record
 * request, as ratios (this machine is noisy; absolute times are for orientation). Each task runs in
 * processes of its own (see isolated.ts and firehose-task.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, roundRatios, runIsolated } from "./isolated";
import { buildDeliveryBody, checkRecord } from "./firehose-request";
import { TASKS, type TaskName } from "./firehose-task";

const BASELINE = resolve(import.meta.dirname, "..", "..", "shared", "baselines", "seed-firehose-webhook.js");
const TASK_SCRIPT = resolve(import.meta.dirname, "firehose-task.ts");

export interface FirehoseBenchResult {
  /** Ratios are medians of per-round ratios (each round runs every task once). */
  rows: { name: string; p50ms: number; ratioToFloor: number; ratioP25: number; ratioP75: number }[];
  /** The baseline's time over each core's, when the baseline is present. */
  baselineOverCore?: { node: RatioSummary; appServices: RatioSummary };
  recordBytes: number;
  rounds: number;
  runsPerProcess: { warmup: number; timed: number };
}
type RatioSummary = { median: number; p25: number; p75: number };

export async function benchFirehose(options: { records?: number; rounds?: number } = {}): Promise<FirehoseBenchResult> {
  const count = options.records ?? 10_000;
  const rounds = options.rounds ?? 7;
  const runsPerProcess = { warmup: 8, timed: 8 };
  const body = buildDeliveryBody(count);
  checkRecord(body.records[0].data);
  const bodyBytes = Buffer.from(JSON.stringify(body));
  const names = (Object.keys(TASKS) as TaskName[]).filter((name) => name !== "baseline" || existsSync(BASELINE));
  const dir = mkdtempSync(join(tmpdir(), "akb-bench-"));
  try {
    const requestPath = join(dir, "request.json");
    writeFileSync(requestPath, bodyBytes);
    const perRound = await runIsolated(
      names,
      (name) => ["--import", "tsx", TASK_SCRIPT, name, requestPath, BASELINE, String(runsPerProcess.warmup), String(runsPerProcess.timed)],
      rounds,
    );
    const rows = names.map((name) => {
      const ratio = roundRatios(perRound, name, "floor");
      return { name: TASKS[name], p50ms: median(perRound.get(name)!), ratioToFloor: ratio.median, ratioP25: ratio.p25, ratioP75: ratio.p75 };
    });
    const baselineOverCore = perRound.has("baseline")
      ? { node: roundRatios(perRound, "baseline", "coreNode"), appServices: roundRatios(perRound, "baseline", "coreAppServices") }
      : undefined;
    return { rows, baselineOverCore, recordBytes: Math.round(bodyBytes.length / count / 1.37), rounds, runsPerProcess };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
