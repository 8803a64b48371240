/**
 * Registered in vitest.config.ts (setupFiles): a test that writes to the console fails, naming the
 * lines, so `npm test` prints only the runner's output. Writes while a file loads fail the file.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import { consoleOutputError, createConsoleGuard } from "./console-output";

const guard = createConsoleGuard();
guard.install();

const check = (who: string) => {
  const lines = guard.take();
  if (lines.length) throw consoleOutputError(who, lines);
};

beforeAll(() => check("loading this file"));
afterEach((context) => check(`the test "${context.task.name}"`));
afterAll(() => check("an afterAll or beforeAll hook of this file"));
