import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { WriterLayout } from "./relaxed-writer";
import { readFixture } from "./fixtures";

/** Lines of relaxed Extended JSON with Int64s beyond 2^53, as the Go or Java driver's writer writes them. */
export function readInt64RelaxedLines(layout: WriterLayout): string[] {
  const path = join(import.meta.dirname, "..", "fixtures", "extended-json", `int64-relaxed.${layout}.jsonl`);
  // Read as text: JSON.parse would round the very digits the fixture is about.
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** The same records in canonical Extended JSON, and the mirror they make through the webhook. */
export function readInt64Expected(): { records: Record<string, unknown>[]; expectedMirror: Record<string, unknown>[] } {
  return readFixture("extended-json/int64-relaxed.expected.json");
}
