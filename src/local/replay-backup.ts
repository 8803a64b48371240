import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../core/firehose/receive-delivery";

export interface ReplayResult {
  files: number;
  records: number;
  batches: number;
  failedBatches: number;
  unreadable: string[];
}

/** Every file under `path` (or `path` itself), sorted, so a replay is repeatable. */
function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((entry) => listFiles(join(path, entry)));
}

/**
 * Replays Firehose's S3 backup (error records: one JSON object per line, `rawData` in base64, files
 * optionally gzip) or the local simulator's backup folder into the collection, through the same core
 * the webhook uses, so decoding, dead letters and idempotent writes are identical. Each batch gets a
 * request id derived from its file and position, so running the replay twice writes nothing twice.
 */
export async function replayFirehoseBackup(path: string, deps: FirehoseDeliveryDeps, batchSize = 500): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, records: 0, batches: 0, failedBatches: 0, unreadable: [] };
  const key = deps.config.accessKeys[0] ?? "";
  for (const file of listFiles(path)) {
    let text: string;
    try {
      const bytes = readFileSync(file);
      text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
    } catch (error) {
      result.unreadable.push(`${file}: ${String(error)}`);
      continue;
    }
    result.files++;
    const records: { data: string }[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const entry = JSON.parse(line) as { rawData?: unknown };
        if (typeof entry.rawData !== "string") throw new Error("no rawData");
        records.push({ data: entry.rawData });
      } catch (error) {
        result.unreadable.push(`${file} line ${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    for (let start = 0; start < records.length; start += batchSize) {
      const batch = records.slice(start, start + batchSize);
      const requestId = `replay-${createHash("sha256").update(`${file}#${start}`).digest("hex").slice(0, 32)}`;
      const response = await receiveFirehoseDelivery(
        {
          method: "POST",
          headers: { "x-amz-firehose-request-id": requestId, "x-amz-firehose-access-key": key },
          body: Buffer.from(JSON.stringify({ requestId, timestamp: Date.now(), records: batch })),
        },
        deps,
      );
      result.batches++;
      result.records += batch.length;
      if (response.status !== 200) result.failedBatches++;
    }
  }
  return result;
}
