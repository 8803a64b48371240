import { describe, expect, it } from "vitest";
import { commandName, defineCommand, parseCommandLine, renderHelp } from "../../../src/cli/command-line";

const deploy = defineCommand({
  command: "npm run deploy",
  summary: "pushes",
  options: {
    "dry-run": { type: "boolean", description: "push nothing" },
    remote: { type: "string", value: "<app>", description: "the app", defaultText: "the CLI's choice" },
    cli: { type: "string", value: "<name>", description: "which CLI", default: "appservices" },
  },
  environment: [{ name: "PATH", description: "where the CLIs are", default: "the shell's" }],
  actsOutside: true,
});

const status = defineCommand({
  command: "npm run status",
  summary: "health",
  arguments: { name: "folder", description: "a folder", min: 0, max: 1 },
  options: { json: { type: "boolean", description: "JSON" }, "no-gzip": { type: "boolean", description: "plain" } },
  jsonOption: "json",
});

describe("parseCommandLine", () => {
  it.each([
    [
      "no options: defaults",
      deploy,
      [],
      {},
      { kind: "ok", values: { "dry-run": false, remote: undefined, cli: "appservices" } },
    ],
    [
      "values",
      deploy,
      ["--dry-run", "--remote", "app-1", "--cli=realm-cli"],
      {},
      { kind: "ok", values: { "dry-run": true, remote: "app-1", cli: "realm-cli" } },
    ],
    ["--help wins over everything before --", deploy, ["--bogus", "--help"], {}, { kind: "help" }],
    ["-h", deploy, ["-h"], {}, { kind: "help" }],
    ["unknown option", deploy, ["--bogus"], {}, { kind: "error", message: "unknown option --bogus" }],
    [
      "a typo names the option it resembles",
      deploy,
      ["--dryrun"],
      {},
      { kind: "error", message: "unknown option --dryrun (did you mean --dry-run?)" },
    ],
    [
      "a missing value",
      deploy,
      ["--remote"],
      {},
      { kind: "error", message: "--remote needs a value (--remote <app>)" },
    ],
    [
      "an option where a value belongs",
      deploy,
      ["--remote", "--dry-run"],
      {},
      { kind: "error", message: "--remote needs a value (--remote <app>)" },
    ],
    [
      "an empty value",
      deploy,
      ["--remote="],
      {},
      { kind: "error", message: "--remote needs a value (--remote <app>)" },
    ],
    ["a value for a flag", deploy, ["--dry-run=yes"], {}, { kind: "error", message: "--dry-run takes no value" }],
    [
      "an argument where none is taken",
      deploy,
      ["now"],
      {},
      { kind: "error", message: 'unexpected argument "now": npm run deploy takes options only' },
    ],
    [
      "one argument too many",
      status,
      ["a", "b"],
      {},
      { kind: "error", message: 'unexpected argument "b": npm run status takes at most 1 folder' },
    ],
    [
      "after --, an option-like argument is an argument",
      status,
      ["--", "--x"],
      {},
      { kind: "ok", positionals: ["--x"] },
    ],
    [
      "npm took --dry-run: refused where the command acts",
      deploy,
      [],
      { npm_config_dry_run: "true" },
      { kind: "error", message: expect.stringContaining("npm took --dry-run for itself") },
    ],
    [
      "npm took the typo --dryrun",
      deploy,
      [],
      { npm_config_dryrun: "true" },
      { kind: "error", message: expect.stringContaining("npm took --dryrun (did you mean --dry-run?) for itself") },
    ],
    [
      "npm took --remote (its value became an argument)",
      deploy,
      ["app-1"],
      { npm_config_remote: "true" },
      { kind: "error", message: expect.stringContaining("npm run deploy -- --remote") },
    ],
    [
      "npm's own settings are not flags",
      deploy,
      [],
      { npm_config_cache: "/root/.npm", npm_config_yes: "", npm_config_omit_lockfile_registry_resolved: "true" },
      { kind: "ok" },
    ],
    [
      "npm took --json: a warning where the command only reads",
      status,
      [],
      { npm_config_json: "true" },
      { kind: "ok", warnings: [expect.stringContaining("npm took --json for itself")] },
    ],
    [
      "npm took --no-gzip (it sets npm_config_gzip to empty)",
      status,
      [],
      { npm_config_gzip: "" },
      { kind: "ok", warnings: [expect.stringContaining("npm took --no-gzip")] },
    ],
    ["--json asks for JSON errors", status, ["--json", "--bogus"], {}, { kind: "error", json: true }],
  ] as const)("%s", (_name, spec, argv, env, expected) => {
    expect(parseCommandLine(spec as typeof deploy, argv, env)).toMatchObject(expected);
  });
});

describe("renderHelp", () => {
  it("shows usage, every option with its default, the environment, and how npm passes options", () => {
    const text = renderHelp(deploy);
    expect(text.split("\n")[0]).toBe("usage: npm run deploy -- [options]");
    expect(text).toMatch(/^ {2}--dry-run {2,}push nothing \(default: off\)$/m);
    expect(text).toMatch(/^ {2}--remote <app> {2,}the app \(default: the CLI's choice\)$/m);
    expect(text).toMatch(/^ {2}--cli <name> {2,}which CLI \(default: appservices\)$/m);
    expect(text).toMatch(/^ {2}-h, --help {2,}print this help and exit$/m);
    expect(text).toMatch(/^environment:\n {2}PATH {2,}where the CLIs are \(default: the shell's\)$/m);
    expect(text).toContain('With npm, options go after "--" (npm run deploy -- --help)');
    expect(renderHelp(status).split("\n")[0]).toBe("usage: npm run status -- [options] [<folder>]");
  });

  it('a command run with plain node takes its options directly, without npm\'s "--"', () => {
    const bundle = defineCommand({
      command: "node build/webhook-server.cjs",
      summary: "the server",
      options: { embedded: { type: "boolean", description: "in memory" } },
    });
    const text = renderHelp(bundle);
    expect(text.split("\n")[0]).toBe("usage: node build/webhook-server.cjs [options]");
    expect(text).not.toContain("With npm");
    expect(commandName(bundle)).toBe("webhook-server");
    expect(commandName(status)).toBe("status");
  });
});
