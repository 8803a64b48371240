import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp, checkExport, type ExportReport } from "../../scripts/check-export";
import { writeAppServicesLayout } from "../../scripts/deploy";
import { kinesisFromValues } from "../../src/adapters/app-services/capture";
import { CAPTURE_VALUE_NAMES, readCaptureConfig } from "../../src/core/capture/config";
import { FIREHOSE_VALUE_NAMES, readFirehoseConfig } from "../../src/core/firehose/config";

const root = join(import.meta.dirname, "..", "..");

function exportCopy(mutate: (dir: string) => void): string[] {
  return reportOfCopy(mutate).problems;
}

function reportOfCopy(mutate: (dir: string) => void): ExportReport {
  const dir = mkdtempSync(join(tmpdir(), "akb-export-"));
  try {
    for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
      cpSync(join(root, part), join(dir, part), { recursive: true });
    mutate(dir);
    return checkApp(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const edit = (dir: string, path: string, change: (json: any) => unknown) => {
  const file = join(dir, path);
  writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, "utf8")))));
};

describe("npm run check: the App Services export", () => {
  it("the repository's export passes", () => {
    expect(checkExport(root)).toEqual([]);
    expect(checkApp(root)).toMatchObject({ layout: "20210101", warnings: [] });
  });

  it("the generated appservices layout (root_config.json, https_endpoints/) passes the same check", () => {
    const target = mkdtempSync(join(tmpdir(), "akb-appservices-"));
    try {
      writeAppServicesLayout(root, target);
      expect(checkApp(target)).toEqual({ layout: "appservices", problems: [], warnings: [] });
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  // Constructs that real exports carry (see the closing notes of issue 11): accepted without an error.
  it.each([
    ["an id in a trigger, as realm-cli pull writes", (d: string) => edit(d, "triggers/emitHeartbeat.json", (t) => ({ id: "619cfb728d625794c11badeb", ...t }))],
    ["provider_region in realm_config.json", (d: string) => edit(d, "realm_config.json", (c) => ({ ...c, provider_region: "aws-ap-south-1" }))],
    ["an authentication trigger", (d: string) => writeFileSync(join(d, "triggers/onLogin.json"), JSON.stringify({ name: "onLogin", type: "AUTHENTICATION", config: { operation_type: "LOGIN", providers: ["anon-user"] }, function_name: "emitHeartbeat", disabled: false }))],
    ["an AWS EventBridge trigger with an error handler", (d: string) => writeFileSync(join(d, "triggers/toBridge.json"), JSON.stringify({ name: "toBridge", type: "DATABASE", config: { service_name: "mongodb-atlas", database: "app", collection: "orders", operation_types: ["INSERT"] }, event_processors: { AWS_EVENTBRIDGE: { config: { account_id: "012345678901", region: "us-east-1", extended_json_enabled: true } } }, error_handler: { config: { enabled: true, function_name: "emitHeartbeat" } } }))],
    ["a deployment-level trigger watching DDL events", (d: string) => writeFileSync(join(d, "triggers/ddl.json"), JSON.stringify({ name: "ddl", type: "DATABASE", config: { service_name: "mongodb-atlas", operation_types: ["CREATE_COLLECTION", "DROP_DATABASE"] }, event_processors: { FUNCTION: { config: { function_name: "emitHeartbeat" } } } }))],
    ["a function in a folder", (d: string) => { edit(d, "functions/config.json", (f) => [...f, { name: "tools/report", private: true }]); cpSync(join(d, "functions/emitHeartbeat.js"), join(d, "functions/tools/report.js"), { recursive: true }); }],
    ["a federated data source", (d: string) => { cpSync(join(d, "data_sources/mongodb-atlas"), join(d, "data_sources/federated"), { recursive: true }); writeFileSync(join(d, "data_sources/federated/config.json"), JSON.stringify({ name: "federated", type: "datalake", config: { dataLakeName: "FederatedDatabaseInstance0" } })); }],
  ])("accepts %s", (_name, mutate) => {
    expect(exportCopy(mutate as (dir: string) => void)).toEqual([]);
  });

  it("warns about fields the reference does not list, and still checks the rest of the file", () => {
    const report = reportOfCopy((d) =>
      edit(d, "triggers/capture_monitors_reports.json", (t) => ({
        ...t,
        config: { ...t.config, full_documents: true },
        event_processors: { FUNCTION: { config: { function_name: "missingFunction" } } },
      })),
    );
    expect(report.warnings).toEqual(["triggers/capture_monitors_reports.json: config.full_documents is not in the App Services reference (kept)"]);
    expect(report.problems).toEqual(['triggers/capture_monitors_reports.json: event_processors.FUNCTION.config.function_name "missingFunction" is not in functions/config.json']);
  });

  it("checks cross-references even when the same file fails its schema", () => {
    const problems = exportCopy((d) =>
      edit(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, config: { schedule: "not a cron" }, event_processors: { FUNCTION: { config: { function_name: "gone" } } } })),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^triggers\/emitHeartbeat.json: config.schedule must match pattern/),
        'triggers/emitHeartbeat.json: event_processors.FUNCTION.config.function_name "gone" is not in functions/config.json',
      ]),
    );
  });

  it.each([
    ["an older layout's version in realm_config.json", (d: string) => edit(d, "realm_config.json", (c) => ({ ...c, config_version: 20200603 })), "realm_config.json: config_version 20200603 is the 20200603 layout's, whose root file is config.json"],
    ["a folder that is not an app", (d: string) => rmSync(join(d, "realm_config.json")), "root_config.json: missing (no root_config.json, realm_config.json, config.json with a config_version, or stitch.json: not an App Services app folder)"],
  ])("says plainly when it is given %s", (_name, mutate, message) => {
    const problems = exportCopy(mutate as (dir: string) => void);
    expect(problems.some((p) => p.startsWith(message)), problems.join("\n")).toBe(true);
  });

  it.each([
    ["a trigger naming a missing function", (d: string) => edit(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, event_processors: { FUNCTION: { config: { function_name: "nope" } } } })), 'triggers/emitHeartbeat.json: event_processors.FUNCTION.config.function_name "nope" is not in functions/config.json'],
    ["a function without a built file", (d: string) => rmSync(join(d, "functions/runSnapshot.js")), 'functions/config.json: [6].name "runSnapshot" has no functions/runSnapshot.js'],
    ["an endpoint naming a missing function", (d: string) => edit(d, "http_endpoints/config.json", (e) => [{ ...e[0], function_name: "gone" }]), 'http_endpoints/config.json: [0].function_name "gone" is not in functions/config.json'],
    ["a value a function reads is missing", (d: string) => rmSync(join(d, "values/FIREHOSE_DATABASE.json")), "values/FIREHOSE_DATABASE.json: missing, but functions/receiveFirehoseDelivery.js reads the value FIREHOSE_DATABASE"],
    ["a credential stored as a plain value", (d: string) => edit(d, "values/AWS_SECRET_ACCESS_KEY.json", (v) => ({ ...v, from_secret: false, value: "wJalrXUtnFEMI/K7MDENG" })), 'values/AWS_SECRET_ACCESS_KEY.json: value "AWS_SECRET_ACCESS_KEY" holds a credential'],
    ["a secret reference that is not a name", (d: string) => edit(d, "values/FIREHOSE_ACCESS_KEY.json", (v) => ({ ...v, value: "has spaces in it" })), "values/FIREHOSE_ACCESS_KEY.json: value must match pattern"],
    ["a trigger name over 64 characters", (d: string) => edit(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, name: "x".repeat(65) })), "triggers/emitHeartbeat.json: name must match pattern"],
    ["a trigger whose name is not its file name", (d: string) => edit(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, name: "heartbeat" })), 'triggers/emitHeartbeat.json: name "heartbeat" must match the file name'],
    ["a cron schedule with the wrong number of fields", (d: string) => edit(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, config: { schedule: "* * * *" } })), "triggers/emitHeartbeat.json: config.schedule must match pattern"],
    ["an unknown operation type", (d: string) => edit(d, "triggers/capture_monitors_reports.json", (t) => ({ ...t, config: { ...t.config, operation_types: ["INSERT", "TRUNCATE"] } })), "triggers/capture_monitors_reports.json: config.operation_types.1 must be equal to one of the allowed values (INSERT, UPDATE, REPLACE, DELETE, CREATE_COLLECTION"],
    ["an app name App Services refuses", (d: string) => edit(d, "realm_config.json", (c) => ({ ...c, name: "atlas kinesis bridge" })), "realm_config.json: name must match pattern"],
    ["a broken JSON file", (d: string) => writeFileSync(join(d, "values/APP_NAME.json"), "{"), "values/APP_NAME.json: not valid JSON"],
    ["a value the functions' own parser refuses", (d: string) => edit(d, "values/SNAPSHOT_CHUNK_SIZE.json", (v) => ({ ...v, value: "lots" })), "values/SNAPSHOT_CHUNK_SIZE.json: SNAPSHOT_CHUNK_SIZE must be a whole number from 1 to 500"],
    ["a namespace map that is not an object", (d: string) => edit(d, "values/FIREHOSE_NAMESPACE_MAP.json", (v) => ({ ...v, value: "[1]" })), "values/FIREHOSE_NAMESPACE_MAP.json: FIREHOSE_NAMESPACE_MAP must be a JSON object"],
    ["a value whose name is not its file name", (d: string) => writeFileSync(join(d, "values/STREAM.json"), JSON.stringify({ name: "KINESIS_STREAM", value: "x", from_secret: false })), 'values/STREAM.json: name "KINESIS_STREAM" must match the file name'],
    ["secret values in the export", (d: string) => writeFileSync(join(d, "secrets.json"), JSON.stringify({ services: {} })), "secrets: secret values must never be in the export"],
    ["a data source a trigger does not have", (d: string) => edit(d, "triggers/capture_monitors_reports.json", (t) => ({ ...t, config: { ...t.config, service_name: "other" } })), 'triggers/capture_monitors_reports.json: config.service_name "other" is not a data source'],
  ])("reports %s, naming the file and field", (_name, mutate, message) => {
    const problems = exportCopy(mutate as (dir: string) => void);
    expect(problems.some((p) => p.startsWith(message)), problems.join("\n")).toBe(true);
  });

  it("accepts the shapes a pull writes for the parts this app never configured", () => {
    const published = join(root, "test/fixtures/apps/published/workout-admin");
    const report = reportOfCopy((d) => {
      for (const part of ["sync", "graphql", "hosting", "environments", "auth"])
        cpSync(join(published, part), join(d, part), { recursive: true });
      writeFileSync(join(d, "auth/providers.json"), JSON.stringify({ "api-key": { name: "api-key", type: "api-key", disabled: true } }));
    });
    expect(report).toEqual({ layout: "20210101", problems: [], warnings: [] });
  });

  it("reports a file it cannot read once, not again as the values it would hold", () => {
    const report = reportOfCopy((d) => writeFileSync(join(d, "values/APP_NAME.json"), "{"));
    expect(report.problems).toEqual([expect.stringMatching(/^values\/APP_NAME.json: not valid JSON \(/)]);
  });

  it("the declared value lists cover every value the functions read", () => {
    const read = new Set<string>();
    const values = (name: string) => {
      read.add(name);
      try {
        return JSON.parse(readFileSync(join(root, "values", `${name}.json`), "utf8")).value;
      } catch {
        return undefined;
      }
    };
    readFirehoseConfig(values);
    expect([...read].filter((n) => !(FIREHOSE_VALUE_NAMES as readonly string[]).includes(n))).toEqual([]);
    read.clear();
    readCaptureConfig(values);
    kinesisFromValues((name) => (values(name) === "" || values(name) === undefined ? "set" : values(name)));
    expect([...read].filter((n) => !(CAPTURE_VALUE_NAMES as readonly string[]).includes(n))).toEqual([]);
  });
});
