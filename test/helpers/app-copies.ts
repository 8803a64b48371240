/** Fixture apps checked as copies, with one defect planted at a time (npm run check tests). */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkApp, type ExportReport } from "../../scripts/check-export";

export type Plant = (dir: string) => void;

/** Checks a copy of the app folder `app` after `plant` has changed it. */
export function checkCopy(app: string, plant: Plant): ExportReport {
  const dir = mkdtempSync(join(tmpdir(), "akb-app-"));
  try {
    cpSync(app, dir, { recursive: true });
    plant(dir);
    return checkApp(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const edit =
  (path: string, change: (json: any) => unknown): Plant =>
  (dir) =>
    writeFileSync(join(dir, path), JSON.stringify(change(JSON.parse(readFileSync(join(dir, path), "utf8")))));

/** Writes a file (JSON unless `content` is a string), making its folders. */
export const write =
  (path: string, content: unknown): Plant =>
  (dir) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), typeof content === "string" ? content : JSON.stringify(content));
  };

export const remove =
  (path: string): Plant =>
  (dir) =>
    rmSync(join(dir, path), { recursive: true });
