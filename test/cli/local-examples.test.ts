import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { countMatching, type CollectionPort } from "../../src/core/ports";
import { openDataFolderToRead } from "../../src/embedded/data-folder";
import { root, runEntry, userEnv, type CommandResult } from "../helpers/command";

/** The README's local examples ("Try every tool locally"), run as written, on a scratch folder. */
const scratch = mkdtempSync(join(tmpdir(), "akb-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
vi.setConfig({ testTimeout: 240_000 });

const show = (r: CommandResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

async function countIn(dir: string, db: string, coll: string): Promise<number> {
  const folder = openDataFolderToRead(dir);
  return countMatching(folder.store.db(db).collection(coll) as unknown as CollectionPort);
}

/** Starts a long-running entry and resolves once its output matches `ready`. */
function startEntry(entry: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, entry), ...args], { cwd: root, env });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = ready.exec(stdout);
      if (match) resolve(match);
    });
    void exited.then(() => reject(new Error(`${entry} exited before it was ready:\n${stdout}\n${stderr}`)));
  });
  return { child, matched, exited, output: () => ({ stdout, stderr }) };
}

describe("README: try every tool locally", () => {
  it("serve --data, simulate-firehose (delivered, and backed up on a wrong key), replay-firehose-backup --data, status --data", async () => {
    const store = join(scratch, "store");
    const backup = join(scratch, "backup");
    const serve = startEntry(
      "src/bin/serve.ts",
      ["--data", store],
      userEnv({ FIREHOSE_ACCESS_KEY: "local-key", PORT: "0", HOST: "127.0.0.1" }),
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    const url = `${(await serve.matched)[1]}/`;

    const delivered = await runEntry("src/bin/simulate-firehose.ts", ["--url", url, "--put-samples", "30"], {
      env: userEnv({ FIREHOSE_ACCESS_KEY: "local-key" }),
    });
    expect(delivered.code, show(delivered)).toBe(0);
    expect(delivered.stdout).toContain("30 of 30 sample records delivered, 0 backed up");

    // A wrong key is answered 401; with no retry window the batch goes to the backup at once.
    const refused = await runEntry(
      "src/bin/simulate-firehose.ts",
      ["--url", url, "--put-samples", "10", "--retry-seconds", "0", "--backup-dir", backup],
      { env: userEnv({ FIREHOSE_ACCESS_KEY: "wrong-key" }) },
    );
    expect(refused.code, show(refused)).toBe(1);
    expect(refused.stdout).toContain("0 of 10 sample records delivered, 10 backed up");

    // The server holds the folder: a replay into it is refused, naming the holder.
    const busy = await runEntry("src/bin/replay-firehose-backup.ts", ["--data", store, backup]);
    expect(busy.code, show(busy)).toBe(3);
    expect(busy.stderr).toMatch(/data folder .* is in use by npm run serve \(pid \d+/);

    serve.child.kill("SIGTERM");
    expect(await serve.exited, JSON.stringify(serve.output())).toBe(0);
    expect(await countIn(store, "monitors", "firehose")).toBe(30);

    const replay = await runEntry("src/bin/replay-firehose-backup.ts", ["--data", store, backup]);
    expect(replay.code, show(replay)).toBe(0);
    expect(replay.stdout).toContain("replayed 10 records from 10 files in 10 batches; 0 batches failed; 0 unreadable");
    expect(await countIn(store, "monitors", "firehose")).toBe(40);

    const status = await runEntry("src/bin/status.ts", ["--data", store, "--json"]);
    // The server alone runs no heartbeat trigger: status says so, and reads the folder's collections.
    expect(status.code, show(status)).toBe(2);
    const parsed = JSON.parse(status.stdout) as { level: string; findings: { what: string; detail: string }[] };
    expect(parsed.level).toBe("critical");
    expect(parsed.findings.map((f) => f.detail).join("\n")).toContain("no heartbeat document");
  });

  it("npm start --data keeps the whole loop's store for status; without --events, Ctrl-C prints a summary", async () => {
    const store = join(scratch, "start-store");
    const verified = await runEntry("src/bin/start.ts", ["--events", "40", "--rate", "40", "--data", store]);
    expect(verified.code, show(verified)).toBe(0);
    expect(verified.stdout).toMatch(/^OK: 40 inserted, 40 landed, 0 missing, 0 different, 0 extra/m);
    expect(await countIn(store, "monitors", "reports")).toBe(40);
    expect(await countIn(store, "monitors", "firehose")).toBe(40);

    const status = await runEntry("src/bin/status.ts", ["--data", store]);
    // The heartbeat runs on the minute: a run that crossed one has a heartbeat (OK), else none yet (critical).
    if (/no heartbeat document/.test(status.stdout)) expect(status.code, show(status)).toBe(2);
    else expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain("outbox: 0 waiting");

    // A second run on the same folder adds to it; Ctrl-C ends it with what was done.
    const running = startEntry("src/bin/start.ts", ["--data", store], userEnv(), /readings: inserted [1-9]/);
    const [progress] = await running.matched;
    expect(progress).toBeTruthy();
    expect(running.output().stdout).toMatch(/\| lag [^|]+ \|\| heartbeats: put \d+, delivered \d+/);
    running.child.kill("SIGINT");
    expect(await running.exited).toBe(130);
    expect(running.output().stdout).toMatch(
      /Stopped by Ctrl-C \(SIGINT\) after \d+ s: \d+ readings inserted, \d+ put, 0 outboxed, \d+ delivered, \d+ landed \(\d+ of this run's, 0 different, 0 extra\), \d+ still on their way;.*store saved in/,
    );
    expect(await countIn(store, "monitors", "reports")).toBeGreaterThan(40);
  });
});
