/**
 * Webhook benchmark: the core vs the seed article's webhook vs a floor, on one 10,000-record
 * request, as ratios (this machine is noisy; absolute times are for orientation). Each task runs in
 * processes of its own, paired there with the floor (see isolated.ts and firehose-task.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, runIsolated, summarize } from "./isolated";
import { buildDeliveryBody, checkRecord } from "./firehose-request";
import { TASKS, type TaskName, type TaskReport } from "./firehose-task";

const BASELINE = resolve(import.meta.dirname, "..", "..", "shared", "baselines", "seed-firehose-webhook.js");
const TASK_SCRIPT = resolve(import.meta.dirname, "firehose-task.ts");

export interface FirehoseBenchResult {
  /** p50ms: the median over rounds of each process's median; ratios: over rounds, of each process's ratio to its floor. */
  rows: { name: string; p50ms: number; ratioToFloor: number; ratioP25: number; ratioP75: number }[];
  /** The baseline's time over each core's, when the baseline is present. */
  baselineOverCore?: { node: RatioSummary; appServices: RatioSummary };
  /** The core's time on records with a long integer over its time on the same records without. */
  longIntegersOverCore: RatioSummary;
  recordBytes: number;
  rounds: number;
  runsPerProcess: { warmup: number; timed: number };
}
type RatioSummary = { median: number; p25: number; p75: number };

export async function benchFirehose(options: { records?: number; rounds?: number } = {}): Promise<FirehoseBenchResult> {
  const count = options.records ?? 10_000;
  const rounds = options.rounds ?? 7;
  // Pairs of runs (task and floor): the core's time settles only after about 8 runs in a new process.
  const runsPerProcess = { warmup: 8, timed: 6 };
  const body = buildDeliveryBody(count);
  checkRecord(body.records[0].data);
  const bodyBytes = Buffer.from(JSON.stringify(body));
  // The same records with a snowflake Int64 _id, for the task that reads them (its floor reads them too).
  const longBytes = Buffer.from(JSON.stringify(buildDeliveryBody(count, 1024, { longIntegers: true })));
  const names = (Object.keys(TASKS) as TaskName[]).filter((name) => name !== "baseline" || existsSync(BASELINE));
  const dir = mkdtempSync(join(tmpdir(), "akb-bench-"));
  try {
    const requestPath = join(dir, "request.json");
    writeFileSync(requestPath, bodyBytes);
    const longRequestPath = join(dir, "request-long-integers.json");
    writeFileSync(longRequestPath, longBytes);
    const perRound = await runIsolated<TaskReport>(
      names,
      (name) => [
        "--import",
        "tsx",
        TASK_SCRIPT,
        name,
        name === "coreNodeLongIntegers" ? longRequestPath : requestPath,
        BASELINE,
        String(runsPerProcess.warmup),
        String(runsPerProcess.timed),
      ],
      rounds,
    );
    const ratios = (name: string) => perRound.get(name)!.map((report) => report.ratioToFloor);
    const rows = names.map((name) => {
      const ratio = summarize(ratios(name));
      return {
        name: TASKS[name],
        p50ms: median(perRound.get(name)!.map((report) => report.medianMs)),
        ratioToFloor: ratio.median,
        ratioP25: ratio.p25,
        ratioP75: ratio.p75,
      };
    });
    // Each process's ratio is to its own floor, so two tasks compare round by round through them.
    const over = (a: string, b: string) => summarize(ratios(a).map((ratio, round) => ratio / ratios(b)[round]));
    const baselineOverCore = perRound.has("baseline")
      ? { node: over("baseline", "coreNode"), appServices: over("baseline", "coreAppServices") }
      : undefined;
    const longIntegersOverCore = over("coreNodeLongIntegers", "coreNode");
    return {
      rows,
      baselineOverCore,
      longIntegersOverCore,
      recordBytes: Math.round(bodyBytes.length / count / 1.37),
      rounds,
      runsPerProcess,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
