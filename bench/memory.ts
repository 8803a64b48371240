import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Runs one 18 MB delivery through the core in a fresh process and reports its peak RSS growth; `node`
 * decodes UTF-8 in runs as the Node hosts do, `app-services` record by record.
 */
export async function measurePeakMemory(
  host: "node" | "app-services",
): Promise<{ bodyBytes: number; peakRssDeltaBytes: number }> {
  const script = resolve(import.meta.dirname, "memory-child.ts");
  const out = execFileSync(process.execPath, ["--import", "tsx", script, host], {
    encoding: "utf8",
    cwd: resolve(import.meta.dirname, ".."),
  });
  return JSON.parse(out.trim().split("\n").pop() as string);
}
