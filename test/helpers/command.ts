import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..", "..");

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The environment a user's shell would give: this one without what npm (running the tests) or the
 * developer set for the project, so a test states every variable it depends on.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|MONGODB_URI$|MONGODB_ATLAS_|ADMIN_API_|FIREHOSE_|AWS_|KINESIS_|PORT$|HOST$|METRICS_TOKEN$)/i.test(key))
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command as a process and collects its output; `kill` after `timeoutMs` (then code is null). */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: options.env ?? userEnv() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** An entry point run as `npm run <name> -- …` runs it: node with tsx, in the repository. */
export function runEntry(
  entry: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run(process.execPath, ["--import", "tsx", join(root, entry), ...args], options);
}

/** Runs tasks at most `limit` at a time (spawning tsx costs about a second of CPU each). */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
