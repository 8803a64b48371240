import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repository = join(import.meta.dirname, "..", "..");
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of the export and its sources (node_modules linked): the build rewrites triggers/ and values/. */
function repositoryCopy(list: string): string {
  const dir = mkdtempSync(join(tmpdir(), "akb-build-"));
  copies.push(dir);
  for (const entry of ["src", "scripts", "config", "docs", "functions", "triggers", "values", "generated-files.json", "package.json", "tsconfig.json"])
    cpSync(join(repository, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(repository, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "config/captured-collections.csv"), list);
  return dir;
}

const build = (dir: string, ...args: string[]) =>
  spawnSync("npm", ["run", "--silent", "build", ...(args.length > 0 ? ["--", ...args] : [])], {
    cwd: dir,
    encoding: "utf8",
  });

describe("npm run build and the capture list, as a user runs it", { timeout: 120_000 }, () => {
  it("a list naming no collection is refused, naming what would be removed, and nothing changes", () => {
    const dir = repositoryCopy("# nothing captured yet\n");
    const before = readdirSync(join(dir, "triggers")).sort();
    const result = build(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "config/captured-collections.csv names no collection: a build would generate no capture trigger and remove triggers/capture_monitors_reports.json",
    );
    expect(result.stderr).toContain("npm run build -- --allow-empty");
    expect(readdirSync(join(dir, "triggers")).sort()).toEqual(before);
  });

  it("--allow-empty builds it, with a warning: only the heartbeat collection is captured", () => {
    const dir = repositoryCopy("# nothing captured yet\n");
    const result = build(dir, "--allow-empty");
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("warning: config/captured-collections.csv names no collection");
    expect(existsSync(join(dir, "triggers/capture_monitors_reports.json"))).toBe(false);
    expect(existsSync(join(dir, "triggers/capture_streamkap_streamkap_heartbeat.json"))).toBe(true);
  });

  it("without the bundle report's page a build warns and builds; --check counts it as a difference", () => {
    const dir = repositoryCopy("monitors.reports\n");
    rmSync(join(dir, "docs/capture.md"));
    const built = build(dir);
    expect(built.status).toBe(0);
    expect(built.stderr).toContain("warning: docs/capture.md is missing: the build writes what each function holds there");
    const checked = build(dir, "--check");
    expect(checked.status).toBe(1);
    expect(checked.stderr).toContain("docs/capture.md: missing (restore the page: npm run build writes only its generated part)");
  });

  it("a header line is refused with its line number", () => {
    const dir = repositoryCopy("database,collection\nmonitors.reports\n");
    const result = build(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('config/captured-collections.csv line 1: "database,collection" looks like a header line');
    expect(existsSync(join(dir, "triggers/capture_database_collection.json"))).toBe(false);
  });
});
