/**
 * `npm run check` against fixture apps that reproduce what real App Services exports hold
 * (test/fixtures/apps/SOURCES.md lists the published apps each construct comes from).
 * Valid apps pass with no problem; defects planted into copies are caught with the right message.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp } from "../../scripts/check-export";
import { checkCopy as checkAppCopy, edit, type Plant, remove, write } from "../helpers/app-copies";

const apps = join(import.meta.dirname, "..", "fixtures", "apps");

const checkCopy = (app: string, plant: Plant) => checkAppCopy(join(apps, app), plant);

describe("npm run check on real-world app shapes", () => {
  it.each([
    [
      "realm-cli-orders",
      "20210101",
      [
        "sync: Device Sync ended on 2025-09-30; this part is no longer served",
        "hosting: Static Hosting ended on 2025-09-30; this part is no longer served",
        "triggers/onSignup.json: authentication triggers ended on 2025-09-30; this part is no longer served",
        "auth: App Services authentication (enabled here: local-userpass, api-key) ended on 2025-09-30; this part is no longer served",
        "graphql: GraphQL ended on 2025-09-30; this part is no longer served",
      ],
    ],
    [
      "appservices-audit",
      "appservices",
      [
        "triggers/loginAudit.json: authentication triggers ended on 2025-09-30; this part is no longer served",
        "auth: App Services authentication (enabled here: local-userpass, anon-user) ended on 2025-09-30; this part is no longer served",
      ],
    ],
    ["appservices-minimal", "appservices", []],
    [
      "appservices-migrated",
      "appservices",
      [
        "realm_config.json: belongs to realm-cli's layout; the App Services CLI reads root_config.json only",
        "http_endpoints/: belongs to the other layout; this app is root_config.json (reads https_endpoints/)",
      ],
    ],
  ])("accepts %s (%s layout) with no problem", (app, layout, warnings) => {
    expect(checkApp(join(apps, app))).toEqual({ layout, problems: [], warnings });
  });

  it("names an older layout by its root file and checks it as that layout", () => {
    expect(checkApp(join(apps, "realm-cli-20200603"))).toEqual({ layout: "20200603", problems: [], warnings: [] });
  });

  // prettier-ignore
  it.each([
    ["realm-cli-orders", "a trigger naming a function that is not listed", edit("triggers/wholeShop.json", (t) => ({ ...t, event_processors: { FUNCTION: { config: { function_name: "orderTotals" } } } })), 'triggers/wholeShop.json: event_processors.FUNCTION.config.function_name "orderTotals" is not in functions/config.json'],
    ["realm-cli-orders", "a scheduled trigger's top-level function_name that is not listed", edit("triggers/nightlyArchive.json", (t) => ({ ...t, function_name: "archive/weekly" })), 'triggers/nightlyArchive.json: function_name "archive/weekly" is not in functions/config.json'],
    ["realm-cli-orders", "an error handler naming a missing function", edit("triggers/ordersToBus.json", (t) => ({ ...t, error_handler: { config: { enabled: true, function_name: "onError" } } })), 'triggers/ordersToBus.json: error_handler.config.function_name "onError" is not in functions/config.json'],
    ["realm-cli-orders", "an endpoint naming a missing function", edit("http_endpoints/config.json", (e) => [e[0], { ...e[1], function_name: "orderSum" }]), 'http_endpoints/config.json: [1].function_name "orderSum" is not in functions/config.json'],
    ["realm-cli-orders", "two endpoints on the same route and method", edit("http_endpoints/config.json", (e) => [...e, { ...e[0] }]), "http_endpoints/config.json: [2] POST /orders is defined twice"],
    ["realm-cli-orders", "a listed function without its source file", remove("functions/archive/nightly.js"), 'functions/config.json: [3].name "archive/nightly" has no functions/archive/nightly.js'],
    ["realm-cli-orders", "a function listed twice", edit("functions/config.json", (f) => [...f, { name: "orderTotal" }]), 'functions/config.json: [7].name "orderTotal" is listed twice'],
    ["realm-cli-orders", "two triggers with the same name", write("triggers/wholeShop2.json", { name: "wholeShop", type: "SCHEDULED", config: { schedule: "* * * * *" }, function_name: "orderTotal" }), 'triggers/wholeShop2.json: name "wholeShop" is used by another trigger'],
    ["realm-cli-orders", "a trigger on a data source the app does not have", edit("triggers/schemaChanges.json", (t) => ({ ...t, config: { ...t.config, service_name: "mongodb-atlas-2" } })), 'triggers/schemaChanges.json: config.service_name "mongodb-atlas-2" is not a data source in data_sources/'],
    ["realm-cli-orders", "an EventBridge account id that is not 12 digits", edit("triggers/ordersToBus.json", (t) => ({ ...t, event_processors: { AWS_EVENTBRIDGE: { config: { account_id: "12345", region: "eu-west-1" } } } })), "triggers/ordersToBus.json: event_processors.AWS_EVENTBRIDGE.config.account_id must match pattern"],
    ["realm-cli-orders", "an authentication trigger on an unknown operation", edit("triggers/onSignup.json", (t) => ({ ...t, config: { ...t.config, operation_type: "SIGNUP" } })), "triggers/onSignup.json: config.operation_type must be equal to one of the allowed values"],
    ["realm-cli-orders", "a password reset function that is not listed", edit("auth/providers.json", (p) => ({ ...p, "local-userpass": { ...p["local-userpass"], config: { ...p["local-userpass"].config, resetFunctionName: "resetFunc" } } })), 'auth/providers.json: local-userpass.config.resetFunctionName "resetFunc" is not in functions/config.json'],
    ["realm-cli-orders", "an unknown authentication provider type", edit("auth/providers.json", (p) => ({ ...p, magic: { name: "magic", type: "magic-link" } })), "auth/providers.json: magic.type must be equal to one of the allowed values"],
    ["realm-cli-orders", "custom user data on a missing data source", edit("auth/custom_user_data.json", (c) => ({ ...c, mongo_service_name: "atlas" })), 'auth/custom_user_data.json: mongo_service_name "atlas" is not a data source in data_sources/'],
    ["realm-cli-orders", "a sync configuration on a missing data source", edit("sync/config.json", (c) => ({ ...c, service_name: "atlas" })), 'sync/config.json: service_name "atlas" is not a data source in data_sources/'],
    ["realm-cli-orders", "a custom resolver naming a missing function", edit("graphql/custom_resolvers/query_orderTotal.json", (r) => ({ ...r, function_name: "total" })), 'graphql/custom_resolvers/query_orderTotal.json: function_name "total" is not in functions/config.json'],
    ["realm-cli-orders", "a log forwarder naming a missing function", edit("log_forwarders/toFunction.json", (f) => ({ ...f, action: { type: "function", name: "ship" } })), 'log_forwarders/toFunction.json: action.name "ship" is not in functions/config.json'],
    ["realm-cli-orders", "a log forwarder with an unknown log type", edit("log_forwarders/keepErrors.json", (f) => ({ ...f, log_types: ["function", "functions"] })), "log_forwarders/keepErrors.json: log_types.1 must be equal to one of the allowed values"],
    ["realm-cli-orders", "a federated data source without its instance name", edit("data_sources/lake/config.json", (d) => ({ ...d, config: {} })), "data_sources/lake/config.json: config must have required property 'dataLakeName'"],
    ["realm-cli-orders", "a secret endpoint without a secret name", edit("http_endpoints/config.json", (e) => [{ ...e[0], secret_name: undefined }, e[1]]), "http_endpoints/config.json: [0].secret_name is required with SECRET_AS_QUERY_PARAM"],
    ["realm-cli-orders", "a file that is not JSON", (d: string) => writeFileSync(join(d, "triggers/onSignup.json"), "{ name: onSignup"), "triggers/onSignup.json: not valid JSON"],
    ["appservices-audit", "a trigger naming a missing function in a folder", edit("triggers/contractAudit.json", (t) => ({ ...t, event_processors: { FUNCTION: { config: { function_name: "contracts/onChange" } } } })), 'triggers/contractAudit.json: event_processors.FUNCTION.config.function_name "contracts/onChange" is not in functions/config.json'],
    ["appservices-audit", "an https endpoint naming a missing function", edit("https_endpoints/config.json", (e) => [{ ...e[0], function_name: "reports/all" }]), 'https_endpoints/config.json: [0].function_name "reports/all" is not in functions/config.json'],
    ["appservices-audit", "an environment file without a values object", write("environments/qa.json", { values: [] }), "environments/qa.json: values must be object"],
    ["appservices-audit", "a meta file whose config_version is not a number", write(".mdb/meta.json", { config_version: "20230101" }), ".mdb/meta.json: config_version must be integer"],
    ["appservices-audit", "an app name App Services refuses", edit("root_config.json", (c) => ({ ...c, name: "audit app" })), "root_config.json: name must match pattern"],
    ["appservices-minimal", "a root_config.json that is not an object", write("root_config.json", []), "root_config.json: (root) must be object"],
  ])("%s: catches %s", (app, _name, plant, message) => {
    const report = checkCopy(app, plant as (dir: string) => void);
    expect(report.problems.some((p) => p.startsWith(message)), report.problems.join("\n")).toBe(true);
  });

  it("keeps checking the rest of a file that fails its schema", () => {
    const report = checkCopy(
      "realm-cli-orders",
      edit("triggers/wholeShop.json", (t) => ({
        ...t,
        config: { ...t.config, operation_types: ["TRUNCATE"] },
        event_processors: { FUNCTION: { config: { function_name: "gone" } } },
      })),
    );
    expect(report.problems).toEqual([
      "triggers/wholeShop.json: config.operation_types.0 must be equal to one of the allowed values (INSERT, UPDATE, REPLACE, DELETE, CREATE_COLLECTION, MODIFY_COLLECTION, RENAME_COLLECTION, SHARD_COLLECTION, DROP_COLLECTION, RESHARD_COLLECTION, REFINE_COLLECTION_SHARD_KEY, CREATE_INDEXES, DROP_INDEXES, DROP_DATABASE)",
      'triggers/wholeShop.json: event_processors.FUNCTION.config.function_name "gone" is not in functions/config.json',
    ]);
  });

  it.each([
    ["a field the reference does not list", "appservices-audit", edit("root_config.json", (c) => ({ ...c, sync_rules: {} })), "root_config.json: sync_rules is not in the App Services reference (kept)"],
    ["a credential inside a URL in a plain value", "appservices-audit", edit("values/hubConfig.json", (v) => ({ ...v, value: { ...v.value, hubUrl: "https://hub.example.com/add-queue?key=7Q7iCJUNEdu" } })), "values/hubConfig.json: value holds a URL with a credential in it (key=…); keep it in a secret"],
    ["a hosting field the reference does not list", "realm-cli-orders", edit("hosting/config.json", (c) => ({ ...c, cdn: true })), "hosting/config.json: cdn is not in the App Services reference (kept)"],
    // Heuristics for this project's own export: in another app, App Services deploys these.
    ["a value named like a credential that is stored in the export", "realm-cli-orders", edit("values/partnerApiToken.json", (v) => ({ ...v, from_secret: false, value: "tok_live_123" })), 'values/partnerApiToken.json: value "partnerApiToken" is named like a credential and is stored in the export; if it is one, make it from_secret: true and reference a secret'],
    ["an environment the reference does not list", "appservices-audit", write("environments/staging.json", { values: {} }), "environments/staging.json: not an environment App Services defines (no-environment.json, development.json, testing.json, qa.json, production.json)"],
  ])("warns, without failing, about %s", (_name, app, plant, warning) => {
    const base = checkApp(join(apps, app)).warnings;
    const report = checkCopy(app, plant);
    expect(report.problems).toEqual([]);
    expect([...report.warnings].sort()).toEqual([...base, warning].sort());
  });
});
