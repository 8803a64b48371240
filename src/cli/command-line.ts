import { parseArgs } from "node:util";

/**
 * One command-line convention for every command of the project: each declares its options (type,
 * default, description), its arguments and the environment variables it reads; Node's own
 * `util.parseArgs` reads them in strict mode; `--help` is rendered from the same declaration, so it
 * cannot drift from what is parsed. An unknown option or a missing value stops the command before it
 * does anything (exit 2), and so does a flag npm took for itself when the command acts outside the
 * repository.
 */

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly description: string;
  /** How the value is written in --help, e.g. "<ms>" (string options). */
  readonly value?: string;
  /** The value when the option is absent (string options), shown in --help. */
  readonly default?: string;
  /** What --help says the default is when it is not one fixed value ("1000 locally, 300000 with --aws"). */
  readonly defaultText?: string;
  /**
   * The npm_config_* variables npm sets when it takes this flag for itself (`npm run x --flag`, no
   * `--`), as `NAME` (set at all) or `NAME=value`. Default: npm_config_<name, dashes as underscores>.
   */
  readonly npmConfig?: readonly string[];
}

export interface EnvironmentSpec {
  readonly name: string;
  readonly description: string;
  /** Shown as the default in --help. */
  readonly default?: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** How a user types it: "npm run status", "npm start". */
  readonly command: string;
  readonly summary: string;
  readonly options: O;
  /** Positional arguments: none unless declared. */
  readonly arguments?: {
    readonly name: string;
    readonly description: string;
    readonly min: number;
    readonly max: number;
  };
  readonly environment?: readonly EnvironmentSpec[];
  /** Further lines for --help: exit codes, examples. */
  readonly notes?: readonly string[];
  /**
   * The command writes, pushes or applies outside the repository: a flag npm took for itself
   * stops it (exit 2) instead of being warned about.
   */
  readonly actsOutside?: boolean;
  /** A boolean option that asks for JSON output: errors are then printed as a JSON object too. */
  readonly jsonOption?: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  readonly [K in keyof O]: O[K]["type"] extends "boolean"
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

export type ParseOutcome<O extends Record<string, OptionSpec>> =
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "error"; readonly message: string; readonly json: boolean }
  | {
      readonly kind: "ok";
      readonly values: OptionValues<O>;
      readonly positionals: string[];
      readonly warnings: string[];
      readonly json: boolean;
    };

/** Declares a command; keeps the option literals, so the parsed values are typed by their declaration. */
export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** Exit code of a usage error (unknown option, missing value, a flag npm took). */
export const USAGE_ERROR = 2;

/** Reads argv against the declaration; no side effects (see `readCommandLine` for the process). */
export function parseCommandLine<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): ParseOutcome<O> {
  const beforeTerminator = argv.indexOf("--") === -1 ? argv : argv.slice(0, argv.indexOf("--"));
  const json = spec.jsonOption !== undefined && beforeTerminator.includes(`--${spec.jsonOption}`);
  if (beforeTerminator.includes("--help") || beforeTerminator.includes("-h"))
    return { kind: "help", text: renderHelp(spec) };

  const taken = flagsNpmTook(spec, env);
  const warnings: string[] = [];
  if (taken.length > 0) {
    const message = describeTakenFlags(spec, taken);
    if (spec.actsOutside) return { kind: "error", message: `${message}; nothing was done`, json };
    warnings.push(message);
  }

  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, option] of Object.entries(spec.options)) options[name] = { type: option.type };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    return { kind: "error", message: usageMessage(spec, error), json };
  }
  const allowed = spec.arguments ?? { name: "", description: "", min: 0, max: 0 };
  if (parsed.positionals.length > allowed.max)
    return {
      kind: "error",
      message:
        allowed.max === 0
          ? `unexpected argument "${parsed.positionals[0]}": ${spec.command} takes options only`
          : `unexpected argument "${parsed.positionals[allowed.max]}": ${spec.command} takes at most ${allowed.max} ${allowed.name}`,
      json,
    };
  if (parsed.positionals.length < allowed.min)
    return { kind: "error", message: `${allowed.name} is missing: ${usageLine(spec)}`, json };

  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const raw = parsed.values[name];
    if (option.type === "boolean") values[name] = raw === true;
    else if (raw === "")
      return { kind: "error", message: `--${name} needs a value (--${name} ${option.value ?? "<value>"})`, json };
    else values[name] = raw ?? option.default;
  }
  return { kind: "ok", values: values as OptionValues<O>, positionals: parsed.positionals, warnings, json };
}

/**
 * Reads the process's command line: prints --help and exits 0, prints a usage error and exits 2, or
 * returns the values (after printing any warning about a flag npm took).
 */
export function readCommandLine<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): { values: OptionValues<O>; positionals: string[]; json: boolean } {
  const outcome = parseCommandLine(spec, argv, env);
  if (outcome.kind === "help") {
    process.stdout.write(`${outcome.text}\n`);
    process.exit(0);
  }
  if (outcome.kind === "error") {
    if (outcome.json) process.stdout.write(`${JSON.stringify(errorObject(outcome.message, USAGE_ERROR))}\n`);
    process.stderr.write(`${commandName(spec)}: ${outcome.message}\n(${helpCommand(spec)} for usage)\n`);
    process.exit(USAGE_ERROR);
  }
  for (const warning of outcome.warnings) process.stderr.write(`${commandName(spec)}: warning: ${warning}\n`);
  return { values: outcome.values, positionals: outcome.positionals, json: outcome.json };
}

/**
 * Runs an entry point: reads the command line, runs `body`, and exits with the code it returns (a
 * body that returns nothing keeps running: a server). A UsageError (a bad option value) exits 2;
 * any other error prints its message, named by the command, and exits `failureExitCode`. With the
 * JSON option, a failure is also printed as a JSON object on stdout.
 */
export function runCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  body: (line: {
    values: OptionValues<O>;
    positionals: string[];
    json: boolean;
  }) => Promise<number | void> | number | void,
  options: { failureExitCode?: number } = {},
): void {
  const line = readCommandLine(spec);
  const fail = (message: string, code: number, hint = "") => {
    if (line.json) process.stdout.write(`${JSON.stringify(errorObject(message, code))}\n`);
    process.stderr.write(`${commandName(spec)}: ${message}\n${hint}`);
    process.exit(code);
  };
  Promise.resolve()
    .then(() => body(line))
    .then(
      (code) => {
        if (typeof code === "number") process.exit(code);
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof UsageError) fail(message, USAGE_ERROR, `(${helpCommand(spec)} for usage)\n`);
        else fail(message, options.failureExitCode ?? 1);
      },
    );
}

/** The JSON a `--json` command prints when it fails. */
export function errorObject(message: string, exitCode: number): { error: { message: string; exitCode: number } } {
  return { error: { message, exitCode } };
}

/** "status" from "npm run status", "start" from "npm start", "webhook-server" from "node build/webhook-server.cjs". */
export function commandName(spec: { command: string }): string {
  return spec.command.replace(/^npm (run )?/, "").replace(/^node (?:\S*\/)?([^/\s]+?)(?:\.c?js)?$/, "$1");
}

/** Options follow "--" only when npm runs the command (`npm run x -- --help`), not with plain node. */
function viaNpm(spec: { command: string }): boolean {
  return /^npm /.test(spec.command);
}

function helpCommand(spec: { command: string }): string {
  return `${spec.command}${viaNpm(spec) ? " --" : ""} --help`;
}

/** A value that must be a number above zero (`--rate 20`); the message names the option. */
export function positiveNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number above 0, got "${raw}"`);
  return value;
}

/** A value that must be a whole number from 0 up (`--size 1048576`). */
export function wholeNumberOption(name: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value))
    throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return value;
}

/** One of a fixed set of values (`--engine kinesalite`). */
export function oneOfOption<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} must be ${allowed.join(" or ")}, got "${raw}"`);
  return raw as T;
}

/** A bad option value found after parsing; the entry point prints it like any usage error (exit 2). */
export class UsageError extends Error {}

// ---- npm's swallowed flags ------------------------------------------------------------------

interface TakenFlag {
  readonly flag: string;
  /** The option it most likely meant, when the flag is not one of ours (a typo). */
  readonly meant?: string;
}

/**
 * Flags npm took for itself: `npm run deploy --dry-run` runs the script without `--dry-run` and sets
 * npm_config_dry_run instead; an unknown flag (`--dryrun`) is set to "true" the same way.
 */
function flagsNpmTook(spec: CommandSpec<Record<string, OptionSpec>>, env: NodeJS.ProcessEnv): TakenFlag[] {
  const taken: TakenFlag[] = [];
  const names = Object.keys(spec.options);
  for (const name of names) {
    const variables = spec.options[name].npmConfig ?? [npmVariable(name)];
    const set = variables.every((variable) => {
      const [key, value] = variable.split("=");
      return value === undefined ? env[key] !== undefined : env[key] === value;
    });
    if (set) taken.push({ flag: `--${name}` });
  }
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith("npm_config_") || value !== "true") continue;
    const flag = key.slice("npm_config_".length).replace(/_/g, "-");
    if (names.includes(flag)) continue;
    const meant = closest(flag, names);
    if (meant) taken.push({ flag: `--${flag}`, meant: `--${meant}` });
  }
  return taken;
}

function npmVariable(option: string): string {
  // `--no-gzip` before "--" makes npm set npm_config_gzip to "" (false).
  const negated = option.startsWith("no-");
  return `npm_config_${option.replace(/^no-/, "").replace(/-/g, "_")}${negated ? "=" : ""}`;
}

function describeTakenFlags(spec: CommandSpec<Record<string, OptionSpec>>, taken: readonly TakenFlag[]): string {
  const flags = taken.map((t) => (t.meant ? `${t.flag} (did you mean ${t.meant}?)` : t.flag)).join(", ");
  const example = taken.map((t) => t.meant ?? t.flag).join(" ");
  return (
    `npm took ${flags} for itself (a flag before "--" goes to npm, which sets npm_config_* instead of passing it on), ` +
    `so ${commandName(spec)} did not get it. Pass options after "--": ${spec.command} -- ${example}`
  );
}

// ---- messages and help ----------------------------------------------------------------------

function usageMessage(spec: CommandSpec<Record<string, OptionSpec>>, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
  const name = flag.replace(/^-+/, "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const meant = closest(name, Object.keys(spec.options));
    return `unknown option ${flag}${meant ? ` (did you mean --${meant}?)` : ""}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const option = spec.options[name];
    if (option?.type === "boolean" || name === "help") return `${flag} takes no value`;
    return `${flag} needs a value (${flag} ${option?.value ?? "<value>"})`;
  }
  return message;
}

function usageLine(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const args = spec.arguments;
  const argument = !args || args.max === 0 ? "" : args.min > 0 ? ` <${args.name}>` : ` [<${args.name}>]`;
  return `${spec.command}${viaNpm(spec) ? " --" : ""} [options]${argument}`;
}

function describeDefault(option: OptionSpec): string {
  if (option.defaultText !== undefined) return option.defaultText;
  if (option.type === "boolean") return "off";
  return option.default ?? "none";
}

export function renderHelp(spec: CommandSpec<Record<string, OptionSpec>>): string {
  const rows = (entries: [string, string][]) => {
    const width = Math.max(...entries.map(([left]) => left.length)) + 2;
    return entries.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  };
  const options: [string, string][] = Object.entries(spec.options).map(([name, option]) => [
    option.type === "string" ? `--${name} ${option.value ?? "<value>"}` : `--${name}`,
    `${option.description} (default: ${describeDefault(option)})`,
  ]);
  options.push(["-h, --help", "print this help and exit"]);
  const lines = [`usage: ${usageLine(spec)}`, "", spec.summary];
  if (spec.arguments && spec.arguments.max > 0)
    lines.push("", "arguments:", ...rows([[`<${spec.arguments.name}>`, spec.arguments.description]]));
  lines.push("", "options:", ...rows(options));
  if (spec.environment && spec.environment.length > 0)
    lines.push(
      "",
      "environment:",
      ...rows(
        spec.environment.map((variable) => [
          variable.name,
          `${variable.description} (default: ${variable.default ?? "none"})`,
        ]),
      ),
    );
  if (spec.notes && spec.notes.length > 0) lines.push("", ...spec.notes);
  if (viaNpm(spec))
    lines.push(
      "",
      `With npm, options go after "--" (${spec.command} -- --help); npm keeps a flag before it for itself` +
        (spec.actsOutside ? ", and this command then refuses to run." : "."),
    );
  return lines.join("\n");
}

/** The option name within two edits of `name` (one for short names), if exactly one is closest. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const limit = name.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}
