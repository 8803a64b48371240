import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEntry, type CommandResult } from "../helpers/command";

/**
 * A long command's progress goes to stderr and leaves its results on stdout as they were: here
 * `npm run replay-firehose-backup`, as a process whose stderr is not a terminal (a pipe, a CI log).
 */
const scratch = mkdtempSync(join(tmpdir(), "akb-progress-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const show = (r: CommandResult) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** Firehose's S3 error record for one document. */
const errorRecord = (document: object) =>
  JSON.stringify({
    attemptsMade: 4,
    errorCode: "HttpEndpoint.DestinationException",
    rawData: Buffer.from(JSON.stringify(document)).toString("base64"),
  });

describe("progress on stderr", () => {
  it("replay-firehose-backup: stdout holds the results alone; stderr what it replays and when it is done", async () => {
    const backup = join(scratch, "backup");
    mkdirSync(backup);
    for (let n = 1; n <= 3; n++)
      writeFileSync(join(backup, `part-${n}.json`), `${errorRecord({ _id: `doc-${n}`, n })}\n`);
    const r = await runEntry("src/bin/replay-firehose-backup.ts", ["--data", join(scratch, "store"), backup], {
      timeoutMs: 120_000,
    });
    expect(r.code, show(r)).toBe(0);
    const stdout = r.stdout.trimEnd().split("\n");
    expect(stdout).toHaveLength(2);
    expect(stdout[0]).toMatch(new RegExp(`^Replaying ${backup} into monitors\\.firehose \\(.+\\)$`));
    expect(stdout[1]).toBe("replayed 3 records from 3 files in 3 batches; 0 batches failed; 0 unreadable");
    // Off a terminal, details come at most every 10 s: a short replay shows its start and its end.
    expect(r.stderr).toMatch(
      new RegExp(
        `^npm run replay-firehose-backup: replaying ${backup} \\(0 s in\\)\\n` +
          "(npm run replay-firehose-backup: {3}file \\d of 3, \\d records replayed so far \\(\\d+ s into this step\\)\\n)*" +
          "npm run replay-firehose-backup: 3 records from 3 files; done in \\d+ s\\n$",
      ),
    );
  });
});
