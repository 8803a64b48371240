/**
 * This checkout's webhook and capture against another commit's, in one run (`npm run bench`, and
 * `npm run bench -- --against <commit>`): the committed App Services bundles of that commit
 * (`git show`), its src/ core as the Node hosts run it (`git archive` into a temporary folder with a
 * copy of this checkout's node_modules), beside this checkout's, each task in processes of its own
 * (see isolated.ts) where both sides run in alternating pairs after a warm-up. Ratios are after /
 * before, pair by pair, so the machine's drift weighs on both sides alike. A calibration row runs the
 * other commit's core against a second copy of itself: what it reads beyond 1.00x is the method's own
 * bias or noise, not a change.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Decimal128, EJSON, Long, ObjectId, Timestamp } from "bson";
import { buildDeliveryBody } from "./firehose-request";
import type { CompareTaskReport, CompareTaskSpec } from "./compare-task";
import { median, runIsolated, summarize } from "./isolated";
import { reportDetail } from "../src/cli/progress";

const ROOT = resolve(import.meta.dirname, "..");
const TASK_SCRIPT = resolve(import.meta.dirname, "compare-task.ts");

/**
 * The default commit to compare with: main when this round of work began (before the record-format
 * registry, exact Int64 parsing, capture options, reconcile marks and `_akb.ns` reached the webhook
 * and capture paths), the reference issues 17 and 19 measure "no slower" against. A fixed commit
 * rather than a tag's merge-base: the repository has no tags, and a fixed commit keeps figures from
 * different days comparable. A clone has the full history, so it is there.
 */
export const DEFAULT_AGAINST = "1c25c885896b9cbfa8a2c3f69dd13e5b8051bc1c";

const FIXTURES = {
  plain: "plain documents (~1 KiB, Extended JSON types)",
  canonical: "change events, canonical Extended JSON",
  relaxed: "change events, relaxed Extended JSON (no long integers)",
} as const;
type Fixture = keyof typeof FIXTURES;

interface TaskDefinition {
  label: string;
  spec: Omit<CompareTaskSpec, "roots" | "requestPath">;
  fixture?: Fixture;
  /** The other commit against a copy of itself rather than against this checkout. */
  calibration?: true;
  /** Each side in a process of its own, the two processes of a round paired (see CompareTaskSpec.only). */
  separate?: true;
}

function tasks(quick: boolean): Record<string, TaskDefinition> {
  const defined: Record<string, TaskDefinition> = {};
  const webhook = { warmup: quick ? 3 : 6, pairs: quick ? 4 : 8 };
  for (const fixture of Object.keys(FIXTURES) as Fixture[]) {
    defined[`bundle-none-${fixture}`] = {
      label: `App Services bundle, null database: ${FIXTURES[fixture]}`,
      spec: { kind: "webhookBundle", database: "none", ...webhook },
      fixture,
    };
  }
  for (const fixture of Object.keys(FIXTURES) as Fixture[]) {
    defined[`node-none-${fixture}`] = {
      label: `core as Node hosts run it, null database: ${FIXTURES[fixture]}`,
      spec: { kind: "webhookNode", database: "none", ...webhook },
      fixture,
    };
  }
  // Canonical change events: the row where a shared node_modules once read 1.25x for a commit against itself.
  defined["node-none-calibration"] = {
    label: `calibration: the other commit's core against a copy of itself, ${FIXTURES.canonical}`,
    spec: { kind: "webhookNode", database: "none", ...webhook },
    fixture: "canonical",
    calibration: true,
  };
  for (const fixture of Object.keys(FIXTURES) as Fixture[]) {
    defined[`bundle-embedded-${fixture}`] = {
      label: `App Services bundle, embedded store, one side per process: ${FIXTURES[fixture]}`,
      spec: { kind: "webhookBundle", database: "embedded", warmup: quick ? 2 : 4, pairs: quick ? 3 : 8 },
      fixture,
      separate: true,
    };
  }
  defined.capture = {
    label: "publishChangeToKinesis.js, options off, per update event",
    spec: { kind: "capture", database: "embedded", events: quick ? 200 : 500, warmup: 4, pairs: quick ? 4 : 10 },
  };
  return defined;
}

/** Where the commit cannot be compared with, why (git missing, not a repository, no such commit). */
export class CompareUnavailable extends Error {}

/** The full hash of `ref`, or CompareUnavailable naming why not. */
export function resolveCommit(ref: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { status?: number; stderr?: string };
    if (failure.code === "ENOENT") throw new CompareUnavailable("git is not installed (it reads the other commit)");
    const reason = String(failure.stderr ?? "").trim();
    if (/not a git repository/i.test(reason))
      throw new CompareUnavailable(`${ROOT} is not a git repository (a clone is; a downloaded archive is not)`);
    throw new CompareUnavailable(
      `"${ref}" is not a commit of this repository${ref === DEFAULT_AGAINST ? " (a shallow clone lacks it: git fetch --unshallow)" : ""}`,
    );
  }
}

/**
 * Change events of documents like the plain fixture's, four per document: insert, update, replace,
 * then a delete (odd documents) or another update (even ones), so half the documents stay.
 */
export function changeEventBody(count: number, relaxed: boolean) {
  const records: { data: string }[] = [];
  for (let n = 0; n < count; n++) {
    const doc = Math.floor(n / 4);
    const operationType = (["insert", "update", "replace", doc % 2 === 1 ? "delete" : "update"] as const)[n % 4];
    const id = new ObjectId(doc.toString(16).padStart(24, "0"));
    const t = 1763771100 + n;
    const event: Record<string, unknown> = {
      _id: { _data: `82${t.toString(16).toUpperCase()}000000012B042C0100296E5A1004` },
      operationType,
      clusterTime: new Timestamp({ t, i: 1 }),
      wallTime: new Date(t * 1000),
      ns: { db: "app", coll: "readings" },
      documentKey: { _id: id },
    };
    if (operationType !== "delete")
      event.fullDocument = {
        _id: id,
        node: `pi-${doc % 64}-zürich-東京`,
        humidity: 40 + (n % 17) / 7,
        temperature: Decimal128.fromString(`21.${n % 1000}`),
        pressure: Long.fromNumber(101325 + n),
        movement: n % 3 === 0,
        acceleration: { x: 0.01 * (n % 7), y: -0.02, z: 9.81 },
        recordedAt: new Date(1763771100123 + n),
        note: "Température ☃ ñ 東 ".repeat(24),
      };
    if (operationType === "update")
      event.updateDescription = { updatedFields: { humidity: 40 + (n % 17) / 7 }, removedFields: [] };
    records.push({ data: Buffer.from(EJSON.stringify(event, { relaxed })).toString("base64") });
  }
  return { requestId: `compare-${relaxed ? "relaxed" : "canonical"}`, timestamp: 1763771100123, records };
}

export interface CompareRow {
  label: string;
  /** Medians over rounds of each process's median time of one run (capture: of one event, in µs). */
  before: number;
  after: number;
  unit: "ms" | "µs/event";
  /** Over rounds (processes), each the median over that process's pairs. */
  afterOverBefore: { median: number; p25: number; p75: number };
}

export interface CompareResult {
  commit: string;
  rounds: number;
  records: number;
  rows: CompareRow[];
  /** Tasks the other commit cannot run, and why. */
  skipped: string[];
}

/**
 * Runs every comparison task of `commit` (already resolved) against this checkout, `rounds` processes
 * per task in rotating order.
 */
export async function compareWithCommit(
  commit: string,
  options: { rounds: number; quick: boolean; records?: number },
): Promise<CompareResult> {
  const records = options.records ?? (options.quick ? 2_000 : 10_000);
  const dir = mkdtempSync(join(tmpdir(), "akb-compare-"));
  try {
    const before = join(dir, "before");
    mkdirSync(join(before, "functions"), { recursive: true });
    const skipped: string[] = [];
    const has = { webhookBundle: true, capture: true, webhookNode: true };
    // The webhook's partner since the split; an older commit has none, and its webhook calls none.
    try {
      const partner = execFileSync("git", ["show", `${commit}:functions/applyFirehoseRecords.js`], {
        cwd: ROOT,
        maxBuffer: 1 << 28,
        stdio: ["ignore", "pipe", "pipe"],
      });
      writeFileSync(join(before, "functions", "applyFirehoseRecords.js"), partner);
    } catch {
      // not there before the split
    }
    for (const [kind, file] of [
      ["webhookBundle", "receiveFirehoseDelivery.js"],
      ["capture", "publishChangeToKinesis.js"],
    ] as const) {
      try {
        const source = execFileSync("git", ["show", `${commit}:functions/${file}`], {
          cwd: ROOT,
          maxBuffer: 1 << 28,
          stdio: ["ignore", "pipe", "pipe"],
        });
        writeFileSync(join(before, "functions", file), source);
      } catch {
        has[kind] = false;
        skipped.push(`${commit.slice(0, 10)} has no functions/${file}`);
      }
    }
    const copy = join(dir, "before-copy");
    reportDetail(`exporting ${commit.slice(0, 10)}'s src/ with a copy of node_modules, twice`);
    try {
      const archive = execFileSync("git", ["archive", commit, "src", "package.json", "tsconfig.json"], {
        cwd: ROOT,
        maxBuffer: 1 << 30,
        stdio: ["ignore", "pipe", "pipe"],
      });
      for (const tree of [before, copy]) {
        mkdirSync(tree, { recursive: true });
        execFileSync("tar", ["-x", "-C", tree], { input: archive, stdio: ["pipe", "ignore", "pipe"] });
        copyDependencies(join(tree, "node_modules"));
      }
    } catch (error) {
      has.webhookNode = false;
      skipped.push(
        `the core as Node hosts run it: src/ of ${commit.slice(0, 10)} not exported (${(error as Error).message.split("\n")[0]})`,
      );
    }
    const requestPaths = {} as Record<Fixture, string>;
    const bodies: Record<Fixture, unknown> = {
      plain: buildDeliveryBody(records),
      canonical: changeEventBody(records, false),
      relaxed: changeEventBody(records, true),
    };
    for (const fixture of Object.keys(FIXTURES) as Fixture[]) {
      requestPaths[fixture] = join(dir, `${fixture}.json`);
      writeFileSync(requestPaths[fixture], JSON.stringify(bodies[fixture]));
    }
    const defined = Object.entries(tasks(options.quick)).filter(([, task]) => has[task.spec.kind]);
    const byName = new Map(defined);
    // A separate task runs as two processes a round, one per side, named "<task>:before" and "<task>:after".
    const processes = defined.flatMap(([name, task]) => (task.separate ? [`${name}:before`, `${name}:after`] : [name]));
    const perRound = await runIsolated<CompareTaskReport>(
      processes,
      (process) => {
        const [name, only] = process.split(":") as [string, "before" | "after" | undefined];
        const task = byName.get(name)!;
        const spec: CompareTaskSpec = {
          ...task.spec,
          roots: task.calibration ? { before, after: copy } : { before, after: ROOT },
          requestPath: task.fixture && requestPaths[task.fixture],
          only,
        };
        return ["--import", "tsx", TASK_SCRIPT, JSON.stringify(spec)];
      },
      options.rounds,
    );
    const rows = defined.map(([name, task]) => {
      const reports = task.separate
        ? pairProcesses(perRound.get(`${name}:before`)!, perRound.get(`${name}:after`)!)
        : perRound.get(name)!;
      // Both sides must have done the same work: the same documents stored, nothing dead-lettered.
      for (const { outcome } of reports) {
        if (!outcome) continue;
        const { before: b, after: a } = outcome;
        if (b.stored !== a.stored || b.deadLetters !== 0 || a.deadLetters !== 0 || a.stored === 0)
          throw new Error(
            `${task.label}: the sides did different work (before ${JSON.stringify(b)}, after ${JSON.stringify(a)})`,
          );
      }
      const scale = task.spec.events ? 1000 / task.spec.events : 1;
      return {
        label: task.label,
        before: median(reports.map((report) => report.beforeMs)) * scale,
        after: median(reports.map((report) => report.afterMs)) * scale,
        unit: task.spec.events ? ("µs/event" as const) : ("ms" as const),
        afterOverBefore: summarize(reports.map((report) => report.afterOverBefore)),
      };
    });
    return { commit, rounds: options.rounds, records, rows, skipped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One report per round from the two one-side processes of that round: after / before of their medians. */
function pairProcesses(before: CompareTaskReport[], after: CompareTaskReport[]): CompareTaskReport[] {
  return before.map((b, round) => {
    const a = after[round];
    return {
      beforeMs: b.beforeMs,
      afterMs: a.afterMs,
      afterOverBefore: a.afterMs / b.beforeMs,
      outcome: b.outcome && a.outcome && { before: b.outcome.before, after: a.outcome.after },
    };
  });
}

/**
 * This checkout's node_modules for a tree of the other commit, as files of their own (hard links where
 * the file system allows, else copies): a module shared by both sides, such as bson, carries one
 * side's type feedback into the other's code. With a symbolic link to one node_modules, 1c25c88's
 * core read 1.23x to 1.27x against a copy of itself on canonical change events; with copies, a median
 * 1.02x over eight processes (the calibration row keeps measuring it).
 */
function copyDependencies(target: string): void {
  const source = join(ROOT, "node_modules");
  try {
    execFileSync("cp", ["-al", source, target], { stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    rmSync(target, { recursive: true, force: true });
    execFileSync("cp", ["-a", source, target], { stdio: ["ignore", "ignore", "pipe"] });
  }
}

/**
 * `npm run bench`'s comparison block: resolves `ref`, runs the comparison and prints it. A commit
 * that cannot be read is a usage error when the user named it (thrown before anything runs), and a
 * line saying why it was not measured when it is the default (a shallow clone, no git).
 */
export async function printComparison(
  ref: string,
  options: { quick: boolean },
  print: (line: string) => void = console.log,
): Promise<void> {
  let commit: string;
  try {
    commit = resolveCommit(ref);
  } catch (error) {
    if (!(error instanceof CompareUnavailable) || ref !== DEFAULT_AGAINST) throw error;
    print(`Against ${ref.slice(0, 10)} (--against's default): not measured, ${error.message}\n`);
    return;
  }
  const result = await compareWithCommit(commit, { rounds: options.quick ? 2 : 5, quick: options.quick });
  const task = tasks(options.quick);
  print(
    `This checkout against ${ref === commit ? commit.slice(0, 10) : `${ref} (${commit.slice(0, 10)})`}` +
      `${ref === DEFAULT_AGAINST ? " (the default: main when this round of work began)" : ""}: ` +
      `webhook requests of ${result.records.toLocaleString("en")} records, capture of ${task.capture.spec.events} events; ` +
      `every task in processes of its own, ${result.rounds} rounds; in each process both sides run untimed, then in timed ` +
      "pairs in alternating order (rows that say so: each side in a process of its own, the two paired per round). " +
      "Median time of a run (of an event for capture) over rounds, and after / before: " +
      "the median (interquartile range) over rounds of each process's median over its pairs:",
  );
  for (const row of result.rows) {
    const r = row.afterOverBefore;
    print(
      `  ${row.label.padEnd(90)} before ${row.before.toFixed(1).padStart(7)} ${row.unit}  after ${row.after.toFixed(1).padStart(7)} ${row.unit}  ` +
        `after/before ${r.median.toFixed(2)}x (${r.p25.toFixed(2)}-${r.p75.toFixed(2)})`,
    );
  }
  for (const reason of result.skipped) print(`  not measured: ${reason}`);
  print("");
}
