/**
 * The webhook benchmark's core tasks from another commit beside this checkout's, in one run:
 *
 *   npx tsx bench/compare-firehose.ts --against main [--rounds 7] [--records 10000]
 *
 * The other commit's src/ and bench/ are exported (git archive) into a temporary folder that uses
 * this checkout's node_modules, and each task of each side runs in processes of its own, paired with
 * its floor (see firehose-task.ts), all in the same rounds. A side's ratio to its floor cancels the
 * process-to-process variation; "after / before" is, round by round, this checkout's ratio over the
 * other's. The other commit's bench/firehose-task.ts must take the same arguments as this one's.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDeliveryBody } from "./firehose-request";
import type { TaskReport } from "./firehose-task";
import { median, runIsolated, summarize } from "./isolated";

const ROOT = resolve(import.meta.dirname, "..");
const TASKS = ["floorTypes", "coreNode", "coreAppServices"] as const;
const USAGE = `Usage: npx tsx bench/compare-firehose.ts --against <commit> [--rounds N] [--records N]

Runs the webhook benchmark's core tasks (${TASKS.join(", ")}) of <commit> and of this
checkout in the same rounds, each in processes of its own, and prints each side's ratio to its floor
and this checkout's over the other's.

  --against <commit>  a commit, branch or tag of this repository (required)
  --rounds N          rounds, each running every task of both sides once (default 7)
  --records N         records in the request (default 10000)
  --help              this text`;

interface Options {
  against: string;
  rounds: number;
  records: number;
}

function parseOptions(args: string[]): Options | undefined {
  const options: Partial<Options> = { rounds: 7, records: 10_000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help") return undefined;
    const value = args[i + 1];
    if (arg !== "--against" && arg !== "--rounds" && arg !== "--records") throw new Error(`unknown option ${arg}`);
    if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value`);
    i++;
    if (arg === "--against") options.against = value;
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} must be a positive whole number, not "${value}"`);
      options[arg === "--rounds" ? "rounds" : "records"] = n;
    }
  }
  if (options.against === undefined) throw new Error("--against <commit> is required");
  return options as Options;
}

async function main(): Promise<void> {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!options) {
    console.log(USAGE);
    return;
  }
  let commit: string;
  try {
    commit = execFileSync("git", ["rev-parse", "--verify", "--quiet", `${options.against}^{commit}`], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
  } catch {
    console.error(`--against: "${options.against}" is not a commit of this repository`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "akb-compare-"));
  try {
    const before = join(dir, "before");
    mkdirSync(before);
    const archive = execFileSync("git", ["archive", commit, "src", "bench", "package.json", "tsconfig.json"], {
      cwd: ROOT,
      maxBuffer: 1 << 30,
    });
    execFileSync("tar", ["-x", "-C", before], { input: archive });
    symlinkSync(join(ROOT, "node_modules"), join(before, "node_modules"));
    const requestPath = join(dir, "request.json");
    writeFileSync(requestPath, JSON.stringify(buildDeliveryBody(options.records)));
    const sides = { before: join(before, "bench", "firehose-task.ts"), after: join(ROOT, "bench", "firehose-task.ts") };
    const names = TASKS.flatMap((task) => [`before:${task}`, `after:${task}`]);
    const perRound = await runIsolated<TaskReport>(
      names,
      (name) => {
        const [side, task] = name.split(":") as [keyof typeof sides, string];
        return ["--import", "tsx", sides[side], task, requestPath, "", "8", "6"];
      },
      options.rounds,
    );
    console.log(
      `Webhook core, ${options.records} records, ${options.rounds} rounds; before = ${options.against} (${commit.slice(0, 10)}), after = this checkout`,
    );
    const ratios = (name: string) => perRound.get(name)!.map((report) => report.ratioToFloor);
    const range = (r: { median: number; p25: number; p75: number }) =>
      `${r.median.toFixed(3)} (${r.p25.toFixed(3)}-${r.p75.toFixed(3)})`;
    for (const task of TASKS) {
      const before = ratios(`before:${task}`);
      const after = ratios(`after:${task}`);
      const afterOverBefore = summarize(after.map((ratio, round) => ratio / before[round]));
      const ms = (name: string) => median(perRound.get(name)!.map((report) => report.medianMs)).toFixed(1);
      console.log(
        `  ${task.padEnd(16)} before ${range(summarize(before))}x floor (p50 ${ms(`before:${task}`)} ms)   ` +
          `after ${range(summarize(after))}x floor (p50 ${ms(`after:${task}`)} ms)   after/before ${range(afterOverBefore)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
