import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { replayFirehoseBackup } from "../../src/local/replay-backup";
import { canonicalContents, makeFirehoseDeps } from "../helpers/firehose";
import { deadLettersIn } from "../helpers/dead-letters";

const errorRecord = (data: string, i: number) =>
  JSON.stringify({
    attemptsMade: 4,
    arrivalTimestamp: 1,
    errorCode: "HttpEndpoint.DestinationException",
    errorMessage: "x",
    attemptEndingTimestamp: 2,
    rawData: Buffer.from(data).toString("base64"),
    subsequenceNumber: 0,
    dataId: `d.${i}`,
  });

describe("replayFirehoseBackup", () => {
  it("replays S3 error records (plain and gzip) through the webhook core, idempotently", async () => {
    const dir = mkdtempSync(join(tmpdir(), "akb-replay-"));
    writeFileSync(
      join(dir, "a.json"),
      ['{"_id":"r1","v":{"$numberLong":"9007199254740993"}}', '{"v":"no id"}'].map(errorRecord).join("\n") + "\n",
    );
    writeFileSync(
      join(dir, "b.json.gz"),
      gzipSync(['{"_id":"r2","when":{"$date":"2026-11-22T00:00:00Z"}}', "not json"].map(errorRecord).join("\n")),
    );
    writeFileSync(join(dir, "c.json"), "garbage line\n");
    const deps = makeFirehoseDeps();
    const first = await replayFirehoseBackup(dir, deps);
    expect(first).toMatchObject({ files: 3, records: 4, batches: 2, failedBatches: 0 });
    expect(first.unreadable).toEqual([expect.stringMatching(/c\.json line 1: /)]);
    const after = await canonicalContents(deps.store, "monitors", "firehose");
    expect(after).toHaveLength(3);
    expect(after).toContainEqual({ _id: "r1", v: { $numberLong: "9007199254740993" } });
    expect(await deadLettersIn(deps.store).count()).toBe(1);
    await replayFirehoseBackup(dir, deps);
    expect(await canonicalContents(deps.store, "monitors", "firehose")).toEqual(after);
    expect(await deadLettersIn(deps.store).count()).toBe(1);
  });
});
