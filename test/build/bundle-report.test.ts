import { describe, expect, it } from "vitest";
import {
  moduleGroup,
  renderBundleReport,
  REPORT_END,
  REPORT_PAGE,
  REPORT_START,
  withBundleReport,
} from "../../scripts/bundle-report";

describe("the bundle report (what each built function holds)", () => {
  it.each([
    ["src/functions/emitHeartbeat.ts", "entry point"],
    ["src/core/capture/health/heartbeat.ts", "heartbeat"],
    ["src/adapters/app-services/heartbeat.ts", "heartbeat"],
    ["src/core/capture/health/capture-health.ts", "capture health, Admin API"],
    ["src/adapters/admin-api/admin-api-client.ts", "capture health, Admin API"],
    ["src/core/capture/snapshot/parallel-snapshot.ts", "snapshots, reconcile"],
    ["src/core/capture/shaping/match-filter.ts", "capture options (shaping)"],
    ["src/core/capture/outbox/drain-outbox.ts", "publish, outbox"],
    ["src/core/capture/publish/publish-change.ts", "publish, outbox"],
    ["src/core/capture/publish/kinesis-record.ts", "stream records"],
    ["src/core/capture/health/trigger-signals.ts", "capture health, Admin API"],
    ["src/core/capture/snapshot/reconcile.ts", "snapshots, reconcile"],
    ["src/core/stream-format/heartbeat.ts", "stream records"],
    ["node_modules/aws4/aws4.js", "Kinesis client, SigV4 (aws4)"],
    ["src/core/firehose/apply/plan-writes.ts", "webhook: planning, writing"],
    ["src/core/firehose/formats/change-parts.ts", "webhook: planning, writing"],
    ["src/adapters/app-services/apply-records.ts", "webhook: planning, writing"],
    ["src/core/firehose/protocol/read-delivery.ts", "webhook: reading a delivery"],
    ["src/adapters/app-services/firehose-endpoint.ts", "webhook: reading a delivery"],
    ["src/core/firehose/receive-delivery.ts", "webhook"],
    ["src/core/firehose/reconcile/sweep.ts", "webhook"],
    ["src/core/settings.ts", "settings, errors, ports"],
    ["node_modules/csv-parse/lib/api/index.js", "npm: csv-parse"],
    ["node_modules/@scope/pkg/index.js", "npm: @scope/pkg"],
    ["src/core/somewhere-new/module.ts", "src/core/somewhere-new"],
  ])("%s is counted as %s", (path, group) => {
    expect(moduleGroup(path)).toBe(group);
  });

  it("sums modules by group per function, puts the largest group first, and accounts for every byte of the file", () => {
    const table = renderBundleReport([
      { name: "a", fileBytes: 10 * 1024, modules: { "node_modules/aws4/aws4.js": 6 * 1024, "src/functions/a.ts": 1024 } },
      { name: "b", fileBytes: 4 * 1024, modules: { "src/core/capture/health/heartbeat.ts": 3 * 1024, "src/functions/b.ts": 40 } },
    ]);
    expect(table.split("\n")).toEqual([
      "| KiB | `a` | `b` |",
      "| --- | ---: | ---: |",
      "| Kinesis client, SigV4 (aws4) | 6.0 | — |",
      "| heartbeat | — | 3.0 |",
      "| entry point | 1.0 | <0.1 |",
      "| loader, esbuild helpers | 3.0 | 1.0 |",
      "| **file** | **10.0** | **4.0** |",
    ]);
  });

  it("replaces only what lies between its markers, and names them when the page has none", () => {
    const page = `# Title\n\nbefore\n\n${REPORT_START}\n\nold table\n\n${REPORT_END}\n\nafter\n`;
    expect(withBundleReport(page, "new table")).toBe(
      `# Title\n\nbefore\n\n${REPORT_START}\n\nnew table\n\n${REPORT_END}\n\nafter\n`,
    );
    expect(() => withBundleReport("# Title\n", "t")).toThrow(
      `${REPORT_PAGE} has no bundle report section: add the lines "${REPORT_START}" and "${REPORT_END}"`,
    );
  });
});
