import MarkdownIt from "markdown-it";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./command";

/** One command of a documentation example, as a user would type it: `NAME=value npm run x -- args`. */
export interface DocCommand {
  /** The line as written on the page. */
  readonly line: string;
  readonly env: Record<string, string>;
  /** The npm script: "start", "status", "serve", … */
  readonly script: string;
  /** The file the npm script runs (from package.json), e.g. "src/bin/start.ts". */
  readonly entry: string;
  readonly args: string[];
}

const COMMAND = /^((?:[A-Z][A-Z0-9_]*=\S+\s+)*)npm (?:start|run ([\w:-]+))(?: -- (.*))?$/;

/**
 * The `sh` code blocks under a heading of a documentation page (up to the next heading of the same
 * level or above), each as its commands; comments and blank lines are left out. A line that is not a
 * plain npm command, or that quotes, throws: the tests run these as written and must not guess.
 */
export function docExamples(page: string, heading: string): DocCommand[][] {
  const tokens = new MarkdownIt().parse(readFileSync(join(root, page), "utf8"), {});
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts;
  const start = tokens.findIndex((t, i) => t.type === "heading_open" && tokens[i + 1].content === heading);
  if (start === -1) throw new Error(`${page} has no heading "${heading}"`);
  const level = tokens[start].tag;
  const blocks: DocCommand[][] = [];
  for (const token of tokens.slice(start + 1)) {
    if (token.type === "heading_open" && token.tag <= level) break;
    if (token.type !== "fence" || token.info.trim() !== "sh") continue;
    const lines = token.content.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
    blocks.push(lines.map((line) => parseCommand(line.trim(), scripts)));
  }
  return blocks;
}

function parseCommand(line: string, scripts: Record<string, string>): DocCommand {
  const match = COMMAND.exec(line);
  if (!match || /["'`$\\|&;<>]/.test(line))
    throw new Error(`not a plain npm command, which the test cannot run as written: ${line}`);
  const script = match[2] ?? "start";
  const entry = /^tsx (\S+)$/.exec(scripts[script] ?? "")?.[1];
  if (!entry) throw new Error(`npm run ${script} is not a "tsx <file>" script of package.json`);
  const env = Object.fromEntries(
    match[1]
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split("=", 2) as [string, string]),
  );
  return { line, env, script, entry, args: match[3] ? match[3].trim().split(/\s+/) : [] };
}

/** The value after `--name` in a command's arguments. */
export function optionOf(command: DocCommand, name: string): string {
  const at = command.args.indexOf(`--${name}`);
  if (at === -1 || at + 1 >= command.args.length) throw new Error(`${command.line} has no --${name} <value>`);
  return command.args[at + 1];
}
