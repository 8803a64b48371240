/**
 * What a long command is doing and how far along it is, on stderr, so its results on stdout stay the
 * same whether it is watched, piped or redirected. Two shapes, chosen by whether stderr is a terminal:
 * on a terminal, each step is a line and the detail within it is one status line rewritten in place;
 * elsewhere (a pipe, a CI log), each step is a line and details are lines too, at most one every
 * `detailEveryMs`, so a log shows the run is alive without filling up. Hand-written rather than a
 * progress-bar library: those draw only on a terminal and stay silent in a log, where an 18-minute
 * run needs it most.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Where progress goes: stderr. */
  readonly stream?: ProgressStream;
  /** Rewrite a status line in place (a terminal); default: whether the stream is a terminal. */
  readonly tty?: boolean;
  readonly now?: () => number;
  /** Off a terminal, the least time between two detail lines. */
  readonly detailEveryMs?: number;
}

export interface Progress {
  /** A numbered step of a run that has `total` of them (a benchmark's section). */
  section(index: number, total: number, title: string): void;
  /** A step without a number. */
  step(title: string): void;
  /** Where the current step is: "round 3 of 7". */
  detail(text: string): void;
  /** Takes the status line away, before something is written to stdout on the same terminal. */
  clear(): void;
  /** The end of the run: clears the status line and says how long it took. */
  done(summary?: string): void;
}

/** "45 s", "3 min 12 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const CLEAR_LINE = "\r\x1b[K";

export function createProgress(command: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const now = options.now ?? Date.now;
  const every = options.detailEveryMs ?? 10_000;
  const started = now();
  let stepStarted = started;
  let lastLine = started;
  let statusShown = false;

  const clear = () => {
    if (statusShown) stream.write(CLEAR_LINE);
    statusShown = false;
  };
  const line = (text: string) => {
    clear();
    stream.write(`${command}: ${text}\n`);
    lastLine = now();
  };
  const begin = (title: string) => {
    stepStarted = now();
    line(`${title} (${formatDuration(stepStarted - started)} in)`);
  };
  return {
    section: (index, total, title) => begin(`[${index}/${total}] ${title}`),
    step: begin,
    detail(text) {
      const inStep = `${text} (${formatDuration(now() - stepStarted)} into this step)`;
      if (tty) {
        stream.write(`${CLEAR_LINE}  ${inStep}`);
        statusShown = true;
      } else if (now() - lastLine >= every) line(`  ${inStep}`);
    },
    clear,
    done(summary) {
      line(`${summary ? `${summary}; ` : ""}done in ${formatDuration(now() - started)}`);
    },
  };
}

/** Progress that says nothing: what library code reports to when no command shows progress (tests). */
export const silentProgress: Progress = {
  section() {},
  step() {},
  detail() {},
  clear() {},
  done() {},
};

let current: Progress = silentProgress;

/**
 * Makes `progress` the one code deep inside a command reports its detail to (a benchmark's rounds),
 * without every function between the command and the loop passing it along. Only a command's entry
 * point calls this; everywhere else (tests included) `reportDetail` says nothing.
 */
export function showProgressOf(progress: Progress): Progress {
  current = progress;
  return progress;
}

/** Reports where the running command's current step is, if the command shows progress. */
export function reportDetail(text: string): void {
  current.detail(text);
}
