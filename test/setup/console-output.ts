/**
 * Records what code writes to the console (console methods and the process's stdout and stderr
 * streams), so a test that writes there can be failed by name: `npm test` prints only the runner's
 * output, and a test asserts on a log line instead of printing it. Output still passes through.
 */
export interface ConsoleTargets {
  console: Record<string, unknown>;
  streams: Record<"stdout" | "stderr", { write: (...args: never[]) => boolean }>;
}

export interface ConsoleGuard {
  install(): void;
  uninstall(): void;
  /** The lines written since the last call, each as `<where>: <first 200 characters>`. */
  take(): string[];
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace", "dir", "table"] as const;

export function createConsoleGuard(
  targets: ConsoleTargets = { console: console as never, streams: { stdout: process.stdout, stderr: process.stderr } },
): ConsoleGuard {
  let written: string[] = [];
  const restore: (() => void)[] = [];
  // A console method writes through a stream in some set-ups: count the call once, as the method.
  let inConsole = false;
  const record = (where: string, text: string) =>
    written.push(`${where}: ${text.replace(/\s+$/, "").slice(0, 200) || "(blank line)"}`);

  return {
    install() {
      if (restore.length) return;
      for (const name of CONSOLE_METHODS) {
        const original = targets.console[name];
        if (typeof original !== "function") continue;
        targets.console[name] = function (this: unknown, ...args: unknown[]) {
          record(`console.${name}`, args.map((arg) => (typeof arg === "string" ? arg : inspectShort(arg))).join(" "));
          inConsole = true;
          try {
            return original.apply(this, args);
          } finally {
            inConsole = false;
          }
        };
        restore.push(() => (targets.console[name] = original));
      }
      for (const name of ["stdout", "stderr"] as const) {
        const stream = targets.streams[name];
        const original = stream.write;
        stream.write = function (this: unknown, ...args: never[]) {
          const chunk: unknown = args[0];
          if (!inConsole) record(`process.${name}`, typeof chunk === "string" ? chunk : String(chunk));
          return original.apply(this, args);
        } as typeof stream.write;
        restore.push(() => (stream.write = original));
      }
    },
    uninstall() {
      for (const undo of restore.splice(0).reverse()) undo();
    },
    take() {
      const lines = written;
      written = [];
      return lines;
    },
  };
}

function inspectShort(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The error a test fails with when it wrote to the console. */
export function consoleOutputError(who: string, lines: string[]): Error {
  return new Error(
    `${who} wrote to the console (assert on the output instead: inject a logger or capture a child's output):\n` +
      lines.map((line) => `  ${line}`).join("\n"),
  );
}
