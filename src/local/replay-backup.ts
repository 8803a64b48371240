import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { applyDelivery, type ApplyDeps } from "../core/firehose/receive-delivery";
import { readDelivery, type StrictUtf8Decoder } from "../core/firehose/protocol/read-delivery";

export interface ReplayResult {
  files: number;
  records: number;
  batches: number;
  failedBatches: number;
  /** Why each failed batch failed (file, records, the database's error). */
  failures: string[];
  unreadable: string[];
}

/** Every file under `path` (or `path` itself), sorted, so a replay is repeatable. */
function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => listFiles(join(path, entry)));
}

/**
 * Replays Firehose's S3 backup (error records: one JSON object per line, `rawData` in base64, files
 * optionally gzip) or the local simulator's backup folder into the collection, through the core's
 * applyDelivery (no HTTP, no access key), so decoding, dead letters and idempotent writes are the
 * webhook's own. Each batch gets a request id derived from its file and position, so running the
 * replay twice writes nothing twice.
 */
export async function replayFirehoseBackup(
  path: string,
  deps: ApplyDeps & { decodeUtf8Run?: StrictUtf8Decoder },
  batchSize = 500,
  /** Called before each file: its number from 1, how many there are, the records replayed so far. */
  onFile: (index: number, total: number, records: number) => void = () => {},
): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, records: 0, batches: 0, failedBatches: 0, failures: [], unreadable: [] };
  const files = listFiles(path);
  for (const [index, file] of files.entries()) {
    onFile(index + 1, files.length, result.records);
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
      const delivery = readDelivery(
        Buffer.from(JSON.stringify({ requestId, timestamp: Date.now(), records: batch })),
        deps.decodeUtf8Run,
      );
      result.batches++;
      result.records += batch.length;
      try {
        await applyDelivery(delivery, deps);
      } catch (error) {
        result.failedBatches++;
        result.failures.push(
          `${file} records ${start + 1}-${start + batch.length}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  return result;
}
