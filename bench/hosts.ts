/**
 * The deployable webhook hosts as bundles (npm run build:hosts): each one's size and cold load time
 * (a new Node process that requires the bundle and exits), beside a bundle holding only the MongoDB
 * driver, the floor any host that talks to MongoDB pays. Rounds rotate the order; medians.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { buildHosts, DRIVER_OPTIONAL_ADDONS } from "../scripts/build-hosts";

export interface HostBundle {
  name: string;
  bytes: number;
  gzipBytes: number;
  loadMs: number;
  ratioBytes: number;
  ratioLoad: number;
}

/**
 * Milliseconds for a new process to load `file` (require) and exit. The server bundle runs its main
 * when loaded; without MONGODB_URI (and PORT=invalid besides) it stops right after the load, at its
 * first check.
 */
function loadTime(file: string): number {
  const started = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, ["-e", `require(${JSON.stringify(file)})`], {
      stdio: "ignore",
      env: { PATH: process.env.PATH, PORT: "invalid" },
    });
  } catch {
    // the server's refusal of PORT=invalid: expected
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchHostBundles(rounds: number): Promise<HostBundle[]> {
  const { server, lambda } = await buildHosts();
  const dir = mkdtempSync(join(tmpdir(), "akb-bench-hosts-"));
  const entry = join(dir, "driver-only.ts");
  writeFileSync(entry, 'export { MongoClient } from "mongodb";\n');
  const driverOnly = join(dir, "driver-only.cjs");
  await build({
    entryPoints: [entry],
    outfile: driverOnly,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    legalComments: "none",
    // The same add-ons the host bundles leave out, so the comparison is fair.
    external: DRIVER_OPTIONAL_ADDONS,
    nodePaths: [join(import.meta.dirname, "..", "node_modules")],
  });
  const files = [
    { name: "MongoDB driver only (reference)", file: driverOnly },
    { name: "Lambda handler (build/lambda/index.js)", file: lambda },
    { name: "Node server (build/webhook-server.cjs)", file: server },
  ];
  const empty = join(dir, "empty.cjs");
  writeFileSync(empty, "");
  const times = files.map(() => [] as number[]);
  const baseline: number[] = [];
  for (let round = 0; round < rounds; round++) {
    baseline.push(loadTime(empty));
    for (let k = 0; k < files.length; k++) {
      const i = (k + round) % files.length;
      times[i].push(loadTime(files[i].file));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(baseline);
  const rows = files.map((f, i) => {
    const bytes = statSync(f.file).size;
    return {
      name: f.name,
      bytes,
      gzipBytes: gzipSync(readFileSync(f.file)).length,
      loadMs: Math.max(0, median(times[i]) - base),
      ratioBytes: 0,
      ratioLoad: 0,
    };
  });
  for (const row of rows) {
    row.ratioBytes = row.bytes / rows[0].bytes;
    row.ratioLoad = row.loadMs / rows[0].loadMs;
  }
  return rows;
}
