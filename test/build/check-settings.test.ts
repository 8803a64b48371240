import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp, type ExportReport } from "../../scripts/check-export";
import { isKnownAwsRegion } from "../../scripts/check/aws-regions";

const root = join(import.meta.dirname, "..", "..");

/** `npm run check` on a copy of this repository's export (capture list included) with some values set. */
function checkWithValues(values: Record<string, unknown>): ExportReport {
  const dir = mkdtempSync(join(tmpdir(), "akb-settings-"));
  try {
    for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values", "config"])
      cpSync(join(root, part), join(dir, part), { recursive: true });
    for (const [name, value] of Object.entries(values)) {
      const file = join(dir, "values", `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), value }));
    }
    return checkApp(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DATABASE_CHARS = '(MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)';
const LOOP = "a captured collection: every write would be captured again, an endless loop";

/** What breaks production and `npm run check` refuses (problems) or names (warnings), each with its message. */
describe("npm run check: settings that break production", () => {
  it("the repository's export, capture list included, passes", () => {
    expect(checkWithValues({})).toEqual({ layout: "20210101", problems: [], warnings: [] });
  });

  it.each<[string, Record<string, unknown>, string[], string[]]>([
    [
      "a malformed region",
      { AWS_REGION: "us-east1" },
      ['values/AWS_REGION.json: AWS_REGION "us-east1" is not an AWS region name (such as "us-east-1" or "eu-central-2"); did you mean "us-east-1"?'],
      [],
    ],
    [
      "a region in capitals",
      { AWS_REGION: "EU-WEST-1" },
      ['values/AWS_REGION.json: AWS_REGION "EU-WEST-1" is not an AWS region name (such as "us-east-1" or "eu-central-2"); did you mean "eu-west-1"?'],
      [],
    ],
    [
      "a well-formed region the SDK does not know (a warning)",
      { AWS_REGION: "us-east-9" },
      [],
      ['values/AWS_REGION.json: "us-east-9" is not a region the AWS SDK knows (its partitions data); check the name, unless the region is newer than the SDK'],
    ],
    ["a known region", { AWS_REGION: "ap-southeast-2" }, [], []],
    [
      "a database name with a space",
      { FIREHOSE_DATABASE: "my db" },
      [`values/FIREHOSE_DATABASE.json: FIREHOSE_DATABASE "my db" is not a valid database name: it holds a space ${DATABASE_CHARS}`],
      [],
    ],
    [
      "an outbox in a system collection",
      { KINESIS_OUTBOX_COLLECTION: "system.outbox" },
      ['values/KINESIS_OUTBOX_COLLECTION.json: KINESIS_OUTBOX_COLLECTION "system.outbox" is not a valid collection name: the "system." prefix is MongoDB\'s own'],
      [],
    ],
    [
      "a signal database with a dot",
      { SIGNAL_DATABASE: "ops.signals" },
      [
        `values/SIGNAL_DATABASE.json: SIGNAL_DATABASE "ops.signals" is not a valid database name: it holds "." ${DATABASE_CHARS}`,
        // The signal trigger is generated from the value: it no longer agrees with it.
        "triggers/runSnapshot.json: differs from what npm run build generates from config/captured-collections.csv and values/ (run npm run build)",
      ],
      [],
    ],
    [
      "a namespace map that writes into a captured collection",
      { FIREHOSE_NAMESPACE_MAP: { "app.orders": "monitors.reports" } },
      [`values/FIREHOSE_NAMESPACE_MAP.json: FIREHOSE_NAMESPACE_MAP["app.orders"] writes into monitors.reports, ${LOOP}`],
      [],
    ],
    [
      "a namespace map given as JSON text, into the captured heartbeat collection",
      { FIREHOSE_NAMESPACE_MAP: '{"app.orders": "streamkap.streamkap_heartbeat"}' },
      [`values/FIREHOSE_NAMESPACE_MAP.json: FIREHOSE_NAMESPACE_MAP["app.orders"] writes into streamkap.streamkap_heartbeat, ${LOOP}`],
      [],
    ],
    [
      "a namespace map target MongoDB would refuse",
      { FIREHOSE_NAMESPACE_MAP: { "app.orders": "my db.orders" } },
      [`values/FIREHOSE_NAMESPACE_MAP.json: FIREHOSE_NAMESPACE_MAP entry "app.orders": the target "my db" is not a valid database name: it holds a space ${DATABASE_CHARS}`],
      [],
    ],
    [
      "a default target that is the captured collection",
      { FIREHOSE_COLLECTION: "reports" },
      [`values/FIREHOSE_DATABASE.json, values/FIREHOSE_COLLECTION.json: the default target (FIREHOSE_DATABASE.FIREHOSE_COLLECTION) writes into monitors.reports, ${LOOP}`],
      [],
    ],
    [
      "an unmapped-namespace template that writes into its own source",
      { FIREHOSE_UNMAPPED_TARGET: "{db}.{coll}" },
      [`values/FIREHOSE_UNMAPPED_TARGET.json: FIREHOSE_UNMAPPED_TARGET "{db}.{coll}" for monitors.reports writes into monitors.reports, ${LOOP}`],
      [],
    ],
    [
      "a setting refused on its own, not again as the loop it also makes",
      { FIREHOSE_DATABASE: "my db", FIREHOSE_NAMESPACE_MAP: { "app.orders": "monitors.reports" } },
      [`values/FIREHOSE_DATABASE.json: FIREHOSE_DATABASE "my db" is not a valid database name: it holds a space ${DATABASE_CHARS}`],
      [],
    ],
  ])("%s", (_name, values, problems, warnings) => {
    expect(checkWithValues(values)).toEqual({ layout: "20210101", problems, warnings });
  });

  // The known-region test reads the SDK's partitions data through partition(): a listed region comes
  // back with its own entry, a region matched only by a partition's pattern without (aws-regions.ts).
  it.each([
    ["us-east-1", true],
    ["eu-central-2", true],
    ["us-gov-west-1", true],
    ["cn-north-1", true],
    ["us-east-9", false],
    ["xx-north-1", false],
  ])("knows whether the AWS SDK lists %s", (region, known) => {
    expect(isKnownAwsRegion(region)).toBe(known);
  });
});
