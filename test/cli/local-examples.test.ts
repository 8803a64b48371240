import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { countMatching, type CollectionPort } from "../../src/core/ports";
import { openDataFolderToRead } from "../../src/embedded/data-folder";
import { root, runEntry, userEnv, type CommandResult } from "../helpers/command";
import { docExamples, optionOf, type DocCommand } from "../helpers/doc-examples";

/**
 * The local examples of docs/getting-started.md ("Try every tool locally"), read from the page and run
 * as written: `.local/` is a scratch folder, and the server listens on a free port of 127.0.0.1 rather
 * than 8080 (the simulator is pointed at it). What each command must print follows from its arguments.
 */
const PAGE = "docs/getting-started.md";
const [loop, untilCtrlC, webhook] = docExamples(PAGE, "Try every tool locally");
const scratch = mkdtempSync(join(tmpdir(), "akb-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
vi.setConfig({ testTimeout: 300_000 });

const show = (r: CommandResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
const local = (arg: string) => arg.replace(/^\.local\//, `${scratch}/`);

/** The command's environment and arguments with the page's local paths, port and URL made this test's. */
function asTest(command: DocCommand, url?: string) {
  const env: Record<string, string> = { ...command.env };
  if (env.PORT !== undefined) Object.assign(env, { PORT: "0", HOST: "127.0.0.1" });
  const args = command.args.map((arg) => (url && arg.startsWith("http://127.0.0.1:8080/") ? url : local(arg)));
  return { env: userEnv(env), args };
}

function run(command: DocCommand, url?: string): Promise<CommandResult> {
  const { env, args } = asTest(command, url);
  return runEntry(command.entry, args, { env, timeoutMs: 240_000 });
}

async function countIn(dir: string, db: string, coll: string): Promise<number> {
  const folder = openDataFolderToRead(dir);
  return countMatching(folder.store.db(db).collection(coll) as unknown as CollectionPort);
}

/** Starts a long-running command and resolves once its output matches `ready`. */
function startCommand(command: DocCommand, ready: RegExp) {
  const { env, args } = asTest(command);
  const child = spawn(process.execPath, ["--import", "tsx", join(root, command.entry), ...args], { cwd: root, env });
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
    void exited.then(() => reject(new Error(`${command.line} exited before it was ready:\n${stdout}\n${stderr}`)));
  });
  return { child, matched, exited, output: () => ({ stdout, stderr }) };
}

describe(`${PAGE}: try every tool locally`, () => {
  it("has the three examples the tests run: the loop and its status, the loop until Ctrl-C, the webhook's tools", () => {
    expect([loop, untilCtrlC, webhook].map((block) => block.map((c) => c.script))).toEqual([
      ["start", "status"],
      ["start"],
      ["serve", "simulate-firehose", "simulate-firehose", "replay-firehose-backup", "status"],
    ]);
  });

  it("npm start --events --data, then status --data; again until Ctrl-C, which prints a summary", async () => {
    const [start, status] = loop;
    const events = Number(optionOf(start, "events"));
    const store = local(optionOf(start, "data"));
    const verified = await run(start);
    expect(verified.code, show(verified)).toBe(0);
    expect(verified.stdout).toMatch(
      new RegExp(`^OK: ${events} inserted, ${events} landed, 0 missing, 0 different, 0 extra`, "m"),
    );
    expect(await countIn(store, "monitors", "reports")).toBe(events);
    expect(await countIn(store, "monitors", "firehose")).toBe(events);

    const health = await run(status);
    // The heartbeat runs on the minute: a run that crossed one has a heartbeat (OK), else none yet (critical).
    if (/no heartbeat document/.test(health.stdout)) expect(health.code, show(health)).toBe(2);
    else expect(health.code, show(health)).toBe(0);
    expect(health.stdout).toContain("outbox: 0 waiting");

    // The same folder again, until Ctrl-C: it adds to it and ends with what was done.
    const [again] = untilCtrlC;
    expect(local(optionOf(again, "data"))).toBe(store);
    const running = startCommand(again, /readings: inserted [1-9]/);
    expect(await running.matched).toBeTruthy();
    expect(running.output().stdout).toMatch(/\| lag [^|]+ \|\| heartbeats: put \d+, delivered \d+/);
    running.child.kill("SIGINT");
    expect(await running.exited).toBe(130);
    expect(running.output().stdout).toMatch(
      /Stopped by Ctrl-C \(SIGINT\) after \d+ s: \d+ readings inserted, \d+ put, 0 outboxed, \d+ delivered, \d+ landed \(\d+ of this run's, 0 different, 0 extra\), \d+ still on their way;.*store saved in/,
    );
    expect(await countIn(store, "monitors", "reports")).toBeGreaterThan(events);
  });

  it("serve --data, simulate-firehose (delivered, and backed up on a wrong key), replay-firehose-backup --data, status --data", async () => {
    const [serveCommand, deliver, refuse, replay, status] = webhook;
    const store = local(optionOf(serveCommand, "data"));
    const serve = startCommand(serveCommand, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const url = `${(await serve.matched)[1]}/`;

    const delivered = await run(deliver, url);
    const samples = Number(optionOf(deliver, "put-samples"));
    expect(delivered.code, show(delivered)).toBe(0);
    expect(delivered.stdout).toContain(`${samples} of ${samples} sample records delivered, 0 backed up`);

    // A wrong key is answered 401; with no retry window the batch goes to the backup at once.
    const refused = await run(refuse, url);
    const refusedSamples = Number(optionOf(refuse, "put-samples"));
    expect(refused.code, show(refused)).toBe(1);
    expect(refused.stdout).toContain(`0 of ${refusedSamples} sample records delivered, ${refusedSamples} backed up`);
    expect(local(optionOf(refuse, "backup-dir"))).toBe(local(replay.args[replay.args.length - 1]));

    // The server holds the folder: a replay into it is refused, naming the holder.
    const busy = await run(replay);
    expect(busy.code, show(busy)).toBe(3);
    expect(busy.stderr).toMatch(/data folder .* is in use by npm run serve \(pid \d+/);

    // Ctrl-C: the server saves the folder and stops.
    serve.child.kill("SIGINT");
    expect(await serve.exited, JSON.stringify(serve.output())).toBe(0);
    expect(await countIn(store, "monitors", "firehose")).toBe(samples);

    const replayed = await run(replay);
    expect(replayed.code, show(replayed)).toBe(0);
    expect(replayed.stdout).toContain(
      `replayed ${refusedSamples} records from ${refusedSamples} files in ${refusedSamples} batches; 0 batches failed; 0 unreadable`,
    );
    expect(await countIn(store, "monitors", "firehose")).toBe(samples + refusedSamples);

    const health = await run(status);
    // The server alone runs no heartbeat trigger: status says so (critical), and reads the folder's collections.
    expect(health.code, show(health)).toBe(2);
    expect(health.stdout).toContain("no heartbeat document");
  });
});
