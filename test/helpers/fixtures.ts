import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "fixtures");

export function readFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(root, relativePath), "utf8")) as T;
}

export interface FirehoseFixture {
  headers: Record<string, string>;
  body: { requestId: string; timestamp: number; records: { data?: unknown }[] };
}

export interface FirehoseExpectation {
  status: number;
  stored: unknown[];
  deadLetters: { index: number; reason: string }[];
}
