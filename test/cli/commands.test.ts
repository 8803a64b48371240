import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { inBatches, run, runEntry, userEnv, type CommandResult } from "../helpers/command";

/**
 * Every command as a user types it: the real entry points, spawned. `--help`, an unknown option, a
 * missing value, npm's swallowed flags, and the error paths named in docs/getting-started.md#one-convention-for-every-command.
 */
const COMMANDS = [
  {
    script: "start",
    entry: "src/bin/start.ts",
    options: [
      "--events",
      "--rate",
      "--interval",
      "--no-gzip",
      "--engine",
      "--kinesis-latency-ms",
      "--data",
      "--secrets",
    ],
    env: ["MONGODB_URI"],
  },
  {
    script: "serve",
    entry: "src/bin/serve.ts",
    options: ["--embedded", "--data"],
    env: ["PORT", "FIREHOSE_ACCESS_KEY", "MONGODB_URI", "FIREHOSE_MAX_INFLIGHT_BYTES", "METRICS_TOKEN"],
  },
  {
    script: "simulate-firehose",
    entry: "src/bin/simulate-firehose.ts",
    options: [
      "--url",
      "--stream",
      "--kinesis-endpoint",
      "--aws",
      "--region",
      "--put-samples",
      "--interval",
      "--size",
      "--retry-seconds",
      "--gzip",
      "--backup-dir",
    ],
    env: ["FIREHOSE_ACCESS_KEY", "AWS_REGION"],
  },
  {
    script: "status",
    entry: "src/bin/status.ts",
    options: ["--json", "--data"],
    env: ["MONGODB_URI", "HEARTBEAT_DATABASE", "FIREHOSE_DATABASE"],
  },
  {
    script: "replay-firehose-backup",
    entry: "src/bin/replay-firehose-backup.ts",
    options: ["--data"],
    env: ["MONGODB_URI", "FIREHOSE_COLLECTION"],
  },
  { script: "check", entry: "scripts/check-export.ts", options: [], env: [] },
  { script: "pull", entry: "scripts/pull.ts", options: ["--remote", "--apply", "--repo"], env: ["PATH"] },
  {
    script: "deploy",
    entry: "scripts/deploy.ts",
    options: ["--dry-run", "--remote", "--cli", "--project", "--secrets-file", "--update-secrets"],
    env: [
      "PATH",
      "MONGODB_ATLAS_PUBLIC_API_KEY",
      "MONGODB_ATLAS_PRIVATE_API_KEY",
      "MONGODB_ATLAS_PROJECT_ID",
      "ADMIN_API_URL",
    ],
  },
  { script: "admin-api-local", entry: "src/bin/admin-api-local.ts", options: ["--port", "--app"], env: [] },
  { script: "build", entry: "scripts/build.ts", options: ["--check"], env: [] },
  { script: "build:hosts", entry: "scripts/build-hosts.ts", options: [], env: [] },
  { script: "docs", entry: "scripts/docs.ts", options: ["--check"], env: [] },
  { script: "bench", entry: "bench/run.ts", options: ["--quick", "--against", "--compare-only"], env: [] },
] as const;

const scratch = mkdtempSync(join(tmpdir(), "akb-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// Each case spawns tsx (about a second of CPU); on a loaded machine a group of them takes a while.
vi.setConfig({ testTimeout: 180_000 });

const show = (r: CommandResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

describe("every command answers --help and refuses an unknown option before doing anything", () => {
  it("--help: usage, every option with its default, the environment it reads; exit 0", async () => {
    const results = await inBatches(COMMANDS, 3, (c) => runEntry(c.entry, ["--help"]));
    COMMANDS.forEach((c, i) => {
      const r = results[i];
      expect(r.code, `${c.script}: ${show(r)}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: npm (run )?${c.script.replace(":", "\\:")} -- \\[options\\]`));
      for (const option of [...c.options, "-h, --help"])
        expect(r.stdout, `${c.script} ${option}`).toContain(`  ${option}`);
      // Every option line says its default.
      const optionLines = r.stdout.split("\n").filter((line) => /^ {2}--/.test(line));
      for (const line of optionLines) expect(line, `${c.script}`).toContain("(default: ");
      for (const name of c.env)
        expect(r.stdout, `${c.script} ${name}`).toMatch(new RegExp(`^  ${name} .*\\(default: `, "m"));
      expect(r.stderr).toBe("");
    });
  });

  it("an unknown option (and a typo of a known one) is named, exit 2, nothing done", async () => {
    const results = await inBatches(COMMANDS, 3, (c) => runEntry(c.entry, ["--bogus"]));
    COMMANDS.forEach((c, i) => {
      const r = results[i];
      expect(r.code, `${c.script}: ${show(r)}`).toBe(2);
      expect(r.stderr).toContain("unknown option --bogus");
      expect(r.stdout).toBe("");
    });
    const typo = await runEntry("scripts/deploy.ts", ["--dryrun"]);
    expect(typo.code, show(typo)).toBe(2);
    expect(typo.stderr).toContain("unknown option --dryrun (did you mean --dry-run?)");
    expect(typo.stdout).not.toContain("Building");
  });

  it.each([
    ["status", "src/bin/status.ts", ["--data"], "--data needs a value (--data <dir>)"],
    ["deploy", "scripts/deploy.ts", ["--remote"], "--remote needs a value (--remote <app>)"],
    ["simulate-firehose", "src/bin/simulate-firehose.ts", ["--url", "--gzip"], "--url needs a value (--url <url>)"],
    ["start", "src/bin/start.ts", ["--rate", "fast"], '--rate must be a number above 0, got "fast"'],
    [
      "start",
      "src/bin/start.ts",
      ["--engine", "kinesalyte"],
      '--engine must be kinesalite or kinesis-local, got "kinesalyte"',
    ],
    ["check", "scripts/check-export.ts", ["a", "b"], 'unexpected argument "b"'],
    ["simulate-firehose", "src/bin/simulate-firehose.ts", [], "--url is required"],
    [
      "bench",
      "bench/run.ts",
      ["--against", "no-such-commit", "--compare-only"],
      '--against: "no-such-commit" is not a commit of this repository',
    ],
  ])("%s %j: a missing or bad value is named, exit 2", async (_name, entry, args, message) => {
    const r = await runEntry(entry, args);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe("a flag npm takes for itself (npm run x --flag, without --)", () => {
  const npm = (args: string[]) => run("npm", ["run", "--silent", ...args], { env: userEnv() });

  it("deploy refuses --dry-run and the typo --dryrun, saying how to pass them; nothing is built or pushed", async () => {
    const [dryRun, typo] = await Promise.all([npm(["deploy", "--dry-run"]), npm(["deploy", "--dryrun"])]);
    expect(dryRun.code, show(dryRun)).toBe(2);
    expect(dryRun.stderr).toContain("npm took --dry-run for itself");
    expect(dryRun.stderr).toContain("npm run deploy -- --dry-run");
    expect(dryRun.stdout).not.toContain("Building");
    expect(typo.code, show(typo)).toBe(2);
    expect(typo.stderr).toContain("npm took --dryrun (did you mean --dry-run?) for itself");
    expect(typo.stdout).not.toContain("Pushing");
  });

  it("pull refuses a swallowed --apply (npm reads it as -a -p -l -y) and --remote", async () => {
    const [apply, remote] = await Promise.all([npm(["pull", "--apply", scratch]), npm(["pull", "--remote", "my-app"])]);
    expect(apply.code, show(apply)).toBe(2);
    expect(apply.stderr).toContain("npm took --apply for itself");
    expect(remote.code, show(remote)).toBe(2);
    expect(remote.stderr).toContain("npm run pull -- --remote");
  });

  it("replay-firehose-backup refuses a swallowed --data; status warns about --json and goes on", async () => {
    const [replay, status] = await Promise.all([
      // What npm sets for `npm run replay-firehose-backup --data <dir> <folder>`, without npm's second of start-up.
      runEntry("src/bin/replay-firehose-backup.ts", [join(scratch, "store"), scratch], {
        env: userEnv({ npm_config_data: "true" }),
      }),
      npm(["status", "--json"]),
    ]);
    expect(replay.code, show(replay)).toBe(2);
    expect(replay.stderr).toContain("npm took --data for itself");
    expect(replay.stderr).toContain("npm run replay-firehose-backup -- --data");
    expect(replay.stderr).toContain("nothing was done");
    expect(status.stderr).toContain("warning: npm took --json for itself");
    expect(status.code, show(status)).toBe(3); // then: no MONGODB_URI
  });
});

describe("errors say what happened, fast", () => {
  it("status and replay name the driver's reason for an unreachable, unresolvable or malformed MONGODB_URI", async () => {
    writeFileSync(join(scratch, "empty.json"), "");
    const cases = [
      {
        entry: "src/bin/status.ts",
        args: [],
        uri: "mongodb://127.0.0.1:1/",
        reason: "connect ECONNREFUSED 127.0.0.1:1",
      },
      {
        entry: "src/bin/status.ts",
        args: ["--json"],
        uri: "mongodb://db.example.invalid/",
        reason: "getaddrinfo ENOTFOUND db.example.invalid",
      },
      {
        entry: "src/bin/status.ts",
        args: [],
        uri: "http://db.example.com",
        reason: "MONGODB_URI is not a valid connection string: Invalid scheme",
      },
      {
        entry: "src/bin/replay-firehose-backup.ts",
        args: [join(scratch, "empty.json")],
        uri: "mongodb://u:secret@127.0.0.1:1/",
        reason: "connect ECONNREFUSED 127.0.0.1:1",
      },
    ];
    const results = await Promise.all(
      cases.map((c) => runEntry(c.entry, c.args, { env: userEnv({ MONGODB_URI: c.uri }) })),
    );
    cases.forEach((c, i) => {
      const r = results[i];
      expect(r.code, show(r)).toBe(3);
      expect(r.stderr).toContain(c.reason);
      expect(r.stderr).not.toContain("secret");
      // The command's own wait, measured inside it (so a loaded machine's start-up does not count):
      // within 10 s, where the driver's default sat 30 s.
      const waited = /after (\d+\.\d) s\)/.exec(r.stderr);
      if (!c.reason.startsWith("MONGODB_URI is not a valid")) expect(Number(waited?.[1])).toBeLessThan(10);
    });
    // --json: the failure is a JSON object on stdout too.
    expect(JSON.parse(results[1].stdout)).toEqual({
      error: { message: expect.stringContaining("getaddrinfo ENOTFOUND db.example.invalid"), exitCode: 3 },
    });
  });

  it("start refuses a secrets file it cannot read, naming the file, before it starts anything; exit 1", async () => {
    const file = (name: string, text: string) => {
      writeFileSync(join(scratch, name), text);
      return join(scratch, name);
    };
    const notJson = file("not-json.json", '{"captureMaskKey": ');
    const array = file("array.json", '["captureMaskKey"]');
    const nested = file("nested.json", '{"secrets": {"captureMaskKey": "k"}}');
    const absent = join(scratch, "absent.json");
    const cases = [
      { path: notJson, message: `${notJson}: not valid JSON (` },
      {
        path: array,
        message: `${array}: must be a JSON object of secret name to value, as in local-secrets.example.json; it holds an array`,
      },
      {
        path: nested,
        message: `${nested}: secret "secrets" must be a string (App Services secrets are text); it is an object`,
      },
      { path: absent, message: `${absent}: no such file` },
    ];
    const results = await inBatches(cases, 2, (c) =>
      runEntry("src/bin/start.ts", ["--events", "1", "--secrets", c.path]),
    );
    cases.forEach((c, i) => {
      const r = results[i];
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr).toContain(`start: ${c.message}`);
      expect(r.stdout).toBe("");
    });
  });

  it("a missing input folder is named: replay, status --data, check", async () => {
    const missing = join(scratch, "no-such-folder");
    const [replay, status, check, noUri] = await Promise.all([
      runEntry("src/bin/replay-firehose-backup.ts", ["--data", join(scratch, "store"), missing]),
      runEntry("src/bin/status.ts", ["--data", missing, "--json"]),
      runEntry("scripts/check-export.ts", [missing]),
      runEntry("src/bin/replay-firehose-backup.ts", [scratch]),
    ]);
    expect(replay.code, show(replay)).toBe(3);
    expect(replay.stderr).toContain(`${missing}: no such folder or file; nothing was replayed`);
    expect(status.code, show(status)).toBe(3);
    expect(JSON.parse(status.stdout).error.message).toBe(`data folder ${missing} does not exist`);
    expect(check.code, show(check)).toBe(1);
    expect(check.stderr).toContain(`${missing}: no such folder`);
    expect(noUri.code, show(noUri)).toBe(3);
    expect(noUri.stderr).toContain("MONGODB_URI is not set");
    expect(noUri.stderr).toContain("--data <dir>");
  });

  it("simulate-firehose stops after 3 identical connection errors with one message: an unresolvable stream endpoint, an unreachable webhook", async () => {
    const [stream, webhook] = await Promise.all([
      runEntry("src/bin/simulate-firehose.ts", [
        "--url",
        "http://127.0.0.1:1/",
        "--kinesis-endpoint",
        "http://kinesis.example.invalid:4567",
      ]),
      runEntry("src/bin/simulate-firehose.ts", [
        "--url",
        "http://127.0.0.1:1/",
        "--put-samples",
        "5",
        "--backup-dir",
        join(scratch, "bk"),
      ]),
    ]);
    expect(stream.code, show(stream)).toBe(1);
    expect(stream.stderr).toMatch(
      /stopped: reading the stream failed 3 times in a row: .*ENOTFOUND kinesis\.example\.invalid/,
    );
    expect(stream.stderr.match(/ENOTFOUND/g)).toHaveLength(2); // the first error once, then the one message
    expect(webhook.code, show(webhook)).toBe(1);
    expect(webhook.stderr).toMatch(
      /stopped: the webhook at http:\/\/127\.0\.0\.1:1\/ could not be reached 3 times in a row: .*ECONNREFUSED/,
    );
    expect(webhook.stdout).toContain("5 records -> abandoned after 3 attempt(s)");
  });
});
