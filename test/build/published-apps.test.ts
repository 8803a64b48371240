/**
 * `npm run check` on the corpus of published apps: one fixture app per published App Services / Realm
 * app, rewritten here with its structure and shapes (test/fixtures/apps/SOURCES.md names each source).
 * Every app's report is stated exactly: what a push refuses fails, everything else warns.
 * Then defects are planted into copies, one at a time, and each is caught with the message that names it.
 */
import { readdirSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp, type Layout } from "../../scripts/check-export";
import { checkCopy as checkAppCopy, edit, type Plant, remove, write } from "../helpers/app-copies";

const published = join(import.meta.dirname, "..", "fixtures", "apps", "published");
const sources = readFileSync(join(published, "..", "SOURCES.md"), "utf8");

const checkCopy = (app: string, plant: Plant) => checkAppCopy(join(published, app), plant);
/** node_modules is ignored by git: the app that commits an installed folder gets it here. */
const installedModules = write("functions/node_modules/mailersend/index.js", "module.exports = {};\n");

const ended = (part: string, what: string) => `${part}: ${what} ended on 2025-09-30; this part is no longer served`;
const SYNC = ended("sync", "Device Sync");
const HOSTING = ended("hosting", "Static Hosting");
const GRAPHQL = ended("graphql", "GraphQL");
const auth = (...types: string[]) => ended("auth", `App Services authentication (enabled here: ${types.join(", ")})`);
const authTrigger = (file: string) => ended(`triggers/${file}`, "authentication triggers");
const service = (name: string, type: string) => ended(`services/${name}`, `third-party services (this one: ${type})`);
const httpService = (folder: string) => ended(folder, "HTTP services with incoming webhooks");
const dataApi = (path: string) => ended(path, "the Data API");
const REALM_CONFIG_LEFT = "realm_config.json: belongs to realm-cli's layout; the App Services CLI reads root_config.json only";
const HTTP_LEFT = "http_endpoints/: belongs to the other layout; this app is root_config.json (reads https_endpoints/)";
const HTTPS_LEFT = "https_endpoints/: belongs to the other layout; this app is realm_config.json (reads http_endpoints/)";
const NOT_AN_APP =
  "root_config.json: missing (no root_config.json, realm_config.json, config.json with a config_version, or stitch.json: not an App Services app folder)";
const autoListed = (field: string, name: string) =>
  `auth/providers.json: local-userpass.config.${field} "${name}" is not in functions/config.json; App Services lists functions/${name}.js with default settings on import`;
const runsNothing = (file: string) =>
  `triggers/${file}: no event_processors and no function_name: the trigger runs nothing (pulls write this when the trigger's function is gone)`;
const inExport = (path: string) => `${path} holds a credential stored in the export; keep it in a secret`;

type Expected = [app: string, layout: Layout | undefined, problems: (string | RegExp)[], warnings: string[], prepare?: (dir: string) => void];

// prettier-ignore
const CORPUS: Expected[] = [
  // realm-cli 2 (realm_config.json, 20210101)
  ["plant-care", "20210101", [], [SYNC, auth("local-userpass")]],
  ["customer-lookup", "20210101", [], [dataApi("http_endpoints/data_api_config.json")]],
  ["atlas-triggers-realm", "20210101", [], []],
  ["shop-backend-hosted", "20210101", [], [httpService("http_endpoints/analytics"), HOSTING, auth("api-key", "custom-token", "oauth2-google")]],
  ["restaurant-partition-sync", "20210101", [], [SYNC, auth("anon-user")]],
  ["pit-stop", "20210101", [], [SYNC, auth("anon-user", "local-userpass")]],
  ["cluster-scheduler", "20210101", [], [auth("anon-user", "api-key")]],
  ["diary-partition", "20210101", [], [SYNC, autoListed("resetFunctionName", "resetDiaryPassword"), autoListed("confirmationFunctionName", "confirmDiaryUser"), auth("local-userpass")]],
  ["iot-fleet", undefined, [NOT_AN_APP], []],
  ["iot-fleet/backend", "20210101", [], [SYNC, auth("anon-user")]],
  ["task-ingest", "20210101", [], [SYNC, auth("anon-user")]],
  ["wallet-compose", "20210101", [], [SYNC, HOSTING, autoListed("resetFunctionName", "resetWalletPassword"), auth("anon-user", "local-userpass")]],
  ["kitchen-sink", "20210101", [], [service("sms", "twilio"), dataApi("http_endpoints/data_api_config.json"), SYNC, authTrigger("toEventBridge.json"), authTrigger("userCreated.json"), auth("anon-user", "custom-function", "custom-token", "local-userpass"), GRAPHQL]],
  ["leaf-catalog", "20210101", [], [auth("anon-user")]],
  ["crew-planner", "20210101", [], [service("pushes", "gcm"), httpService("http_endpoints/billing"), SYNC, HOSTING, runsNothing("memberSignedUp.json"), authTrigger("memberSignedUp.json"), runsNothing("requestAdded.json"), auth("local-userpass")]],
  ["team-tasks", "20210101", [], [SYNC, authTrigger("onNewMember.json"), auth("local-userpass")]],
  ["notes-archive", "20210101", [], [service("files", "aws"), HTTPS_LEFT, httpService("http_endpoints/http"), authTrigger("ensureUserData.json"), auth("api-key", "local-userpass")]],
  ["tshirt-shop", "20210101", [], []],
  // the App Services CLI (root_config.json, .mdb/meta.json)
  ["workout-admin", "appservices", ['functions/config.json: [2].name "listExercises" has no functions/listExercises.js'], [auth("local-userpass")]],
  ["fresh-pull", "appservices", [], []],
  ["mail-digest", "appservices", [], [], installedModules],
  ["model-catalog", "appservices", [], [REALM_CONFIG_LEFT, HTTP_LEFT]],
  ["atlas-triggers-page", "appservices", [], []],
  ["token-api", "appservices", [], [REALM_CONFIG_LEFT]],
  ["products-no-data-source", "appservices", ['triggers/logNewUser.json: config.service_name "mongodb-atlas" is not a data source in data_sources/'], []],
  ["todo-flexible", "appservices", [], [SYNC, auth("local-userpass")]],
  ["internship-sync", "appservices", [], [SYNC, auth("api-key", "local-userpass")]],
  ["bank-api", "appservices", [], []],
  ["store-tools", "appservices", [], [REALM_CONFIG_LEFT, HTTP_LEFT, SYNC, auth("api-key")]],
  ["store-tools/handheld", "appservices", [], [SYNC, auth("api-key")]],
  ["recruiting", "appservices", [], [REALM_CONFIG_LEFT, HTTP_LEFT, "environments/development.json: values.MAIL_PASSWORD is named like a credential and is stored in the export; keep it in a secret", "environments/no-environment.json: values.sessionToken is named like a credential and is stored in the export; keep it in a secret", inExport("values/mail_config.json: value.sender.password"), inExport("values/oauth_config.json: value.client_secret"), inExport("values/oauth_config.json: value.refresh_token")]],
  ["goal-tasks", "appservices", [], [SYNC, auth("anon-user", "api-key")]],
  ["other-root-config", "appservices", ["root_config.json: (root) must have required property 'name'"], ["root_config.json: address is not in the App Services reference (kept)", "root_config.json: replicas is not in the App Services reference (kept)"]],
  ["alerts-without-root-file", undefined, [NOT_AN_APP], []],
  // the older layouts: stitch.json (20180301) and config.json (20200603)
  ["todo-stitch-secrets", "20180301", [/^secrets\.json: not valid JSON \(/], [auth("anon-user", "oauth2-google")]],
  ["spot-finder", "20180301", [], [service("recents", "http"), auth("anon-user")]],
  ["cluster-hours", "20180301", [], []],
  ["inventory-stitch", "20180301", [], [service("newProduct", "http"), HOSTING, auth("local-userpass"), "values/managers.json: private is not in the App Services reference (kept)"]],
  ["stitch-minimal", "20180301", [], []],
  ["neighbour-delivery", "20180301", [], [service("mailer", "aws"), 'triggers/newOrderTrigger.json: name "newOrderNotifyTrigger" is not the file name (App Services names the file after the trigger when it exports)', 'triggers/orderDone.json: name "orderDoneTrigger" is not the file name (App Services names the file after the trigger when it exports)', authTrigger("userDataOnLogin.json"), auth("anon-user", "custom-function", "oauth2-google")]],
  ["mug-shop", "20180301", [], [service("files", "aws"), service("payments", "http"), service("sms", "twilio"), auth("anon-user", "local-userpass")]],
  ["tweet-stats", "20180301", [], ["stitch.json: realm_config is not in the App Services reference (kept)", service("upload", "http"), auth("anon-user")]],
  ["account-hooks", "20180301", [], []],
  ["stitch-template", "20180301", [/^stitch\.json: not valid JSON \(/], ["services/events/: no config.json; not read as a service"]],
  ["sync-20200603", "20200603", [], [ended("services/mongodb-atlas", "Device Sync")]],
  ["silo-20200603", "20200603", [], [HOSTING, auth("local-userpass")]],
  ["resolvers-20200603", "20200603", [], [service("hooks", "http"), auth("local-userpass"), GRAPHQL]],
];

describe("npm run check on the published apps of the corpus", () => {
  it.each(CORPUS)("%s: %s layout, exactly the expected problems and warnings", (app, layout, problems, warnings, prepare) => {
    const report = prepare ? checkCopy(app, prepare) : checkApp(join(published, app));
    expect(report).toEqual({
      ...(layout ? { layout } : {}),
      problems: problems.map((p) => (typeof p === "string" ? p : expect.stringMatching(p))),
      warnings,
    });
  });

  it("holds every fixture app, each listed in SOURCES.md, from at least 30 apps of at least 20 owners", () => {
    const apps = readdirSync(published).sort();
    expect(CORPUS.map(([app]) => app.split("/")[0]).filter((a, i, all) => all.indexOf(a) === i).sort()).toEqual(apps);
    const rows = [...sources.matchAll(/^\| (\d+) \| `([\w.-]+)\/([\w.-]+)` \(([0-9a-f]{7,40})[^)]*\) \| .*`published\/([\w.-]+)\/?`/gm)];
    expect(rows.map((r) => r[5]).sort()).toEqual(apps);
    expect(new Set(rows.map((r) => `${r[2]}/${r[3]}`)).size).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r[2].toLowerCase())).size).toBeGreaterThanOrEqual(20);
    // Both current layouts and both older ones are in it.
    expect(new Set(CORPUS.map(([, layout]) => layout))).toEqual(new Set(["20210101", "appservices", "20180301", "20200603", undefined]));
  });

  // prettier-ignore
  it.each([
    // Older layouts: what realm-cli reads from a function, webhook or trigger.
    ["spot-finder", "a function folder without its source", remove("functions/recentPosts/source.js"), "functions/recentPosts/source.js: missing (a function is pushed as both files)"],
    ["cluster-hours", "a trigger naming a function that has no folder", edit("triggers/PauseClustersTrigger.json", (t) => ({ ...t, function_name: "PauseAll" })), 'triggers/PauseClustersTrigger.json: function_name "PauseAll" is not in functions/'],
    ["mug-shop", "a webhook without its source", remove("services/payments/incoming_webhooks/paid/source.js"), "services/payments/incoming_webhooks/paid/source.js: missing (a webhook is pushed as both files)"],
    ["neighbour-delivery", "a trigger on a cluster the app has no service for", edit("triggers/orderDone.json", (t) => ({ ...t, config: { ...t.config, service_name: "atlas-2" } })), 'triggers/orderDone.json: config.service_name "atlas-2" is not a MongoDB service in services/'],
    ["neighbour-delivery", "custom user data in stitch.json on a missing service", edit("stitch.json", (c) => ({ ...c, custom_user_data_config: { enabled: true, mongo_service_name: "users-db" } })), 'stitch.json: custom_user_data_config.mongo_service_name "users-db" is not a MongoDB service in services/'],
    ["sync-20200603", "a config.json version that is neither older layout", edit("config.json", (c) => ({ ...c, config_version: 20190101 })), NOT_AN_APP],
    ["resolvers-20200603", "a custom resolver naming a function that has no folder", edit("graphql/custom_resolvers/query_things.json", (r) => ({ ...r, function_name: "things" })), 'graphql/custom_resolvers/query_things.json: function_name "things" is not in functions/'],
    // Dependencies pushed with --include-node-modules or --include-package-json.
    ["notes-archive", "a dependency archive over 15 MB", (d: string) => truncateSync(join(d, "functions/node_modules.tar.gz"), 16 * 1024 * 1024), "functions/node_modules.tar.gz: 16.0 MB; App Services takes dependency archives of at most 15 MB"],
    ["notes-archive", "a dependency archive App Services cannot read", (d: string) => { remove("functions/node_modules.tar.gz")(d); write("functions/node_modules.7z", "7z")(d); }, "functions/node_modules.7z: a push with --include-node-modules refuses it"],
    ["tshirt-shop", "a functions/package.json that is not JSON", write("functions/package.json", '{"dependencies": {"lodash": }'), "functions/package.json: not valid JSON"],
    ["plant-care", "a dependency version that is not a string", edit("functions/package.json", (p) => ({ dependencies: { ...p.dependencies, sendgrid: 5 } })), "functions/package.json: dependencies.sendgrid must be string"],
    // Parts written by pulls, configured wrongly.
    ["pit-stop", "a sync type App Services does not have", edit("sync/config.json", (s) => ({ ...s, type: "flexable" })), "sync/config.json: type must be equal to one of the allowed values (flexible, partition)"],
    ["fresh-pull", "a sync state App Services does not have", write("sync/config.json", { development_mode_enabled: false, state: "paused" }), "sync/config.json: state must be equal to one of the allowed values"],
    ["workout-admin", "hosting settings without enabled", write("hosting/config.json", {}), "hosting/config.json: (root) must have required property 'enabled'"],
    ["cluster-scheduler", "two values with the same name", write("values/adminKeyCopy.json", { name: "adminPrivateKey", value: "secret_adminPrivateKey", from_secret: true }), 'values/adminPrivateKey.json: name "adminPrivateKey" is used by another value'],
    ["cluster-scheduler", "a secret reference that is not a secret name", edit("values/adminPublicKey.json", (v) => ({ ...v, value: "not a name" })), "values/adminPublicKey.json: value must match pattern"],
    ["shop-backend-hosted", "an incoming webhook without its configuration", remove("http_endpoints/analytics/incoming_webhooks/recordVisit/config.json"), "http_endpoints/analytics/incoming_webhooks/recordVisit/config.json: missing (a webhook is pushed as both files)"],
    ["atlas-triggers-realm", "a trigger on a cluster that is not linked", edit("triggers/areaWatch.json", (t) => ({ ...t, config: { ...t.config, service_name: "prod-m20" } })), 'triggers/areaWatch.json: config.service_name "prod-m20" is not a data source in data_sources/'],
    ["diary-partition", "a reset function that has no source either", remove("functions/resetDiaryPassword.js"), 'auth/providers.json: local-userpass.config.resetFunctionName "resetDiaryPassword" is not in functions/config.json'],
    ["model-catalog", "a realm_config.json of the 20180301 layout", (d: string) => { remove("root_config.json")(d); edit("realm_config.json", (c) => ({ ...c, config_version: 20180301 }))(d); }, "realm_config.json: config_version 20180301 is the 20180301 layout's, whose root file is stitch.json"],
  ])("%s: catches %s", (app, _name, plant, message) => {
    const report = checkCopy(app, plant as (dir: string) => void);
    expect(report.problems.some((p) => p.startsWith(message)), report.problems.join("\n")).toBe(true);
  });

  it.each([
    ["functions/config.json", "kitchen-sink", write("functions/config.json", "[{"), /^functions\/config\.json: not valid JSON \(/],
    ["data source configuration", "atlas-triggers-realm", write("data_sources/dev-cluster/config.json", "{"), /^data_sources\/dev-cluster\/config\.json: not valid JSON \(/],
    ["function configuration of an older layout", "cluster-hours", write("functions/PauseClusters/config.json", ""), /^functions\/PauseClusters\/config\.json: not valid JSON \(/],
  ])("reports an unreadable %s once, not again in every part that names what it defines", (_name, app, plant, message) => {
    expect(checkCopy(app, plant).problems).toEqual([expect.stringMatching(message)]);
  });

  // prettier-ignore
  it.each([
    ["a data source folder without a config.json", "leaf-catalog", write("data_sources/archive/leaf_data/old/rules.json", { roles: [] }), "data_sources/archive/: no config.json; not read as a data source"],
    ["an environment the reference does not list", "fresh-pull", write("environments/staging.json", { values: {} }), "environments/staging.json: not an environment App Services defines (no-environment.json, development.json, testing.json, qa.json, production.json)"],
    ["a value whose name is not its file name, in someone else's app", "tshirt-shop", write("values/db.json", { name: "DB", value: "x", from_secret: false }), 'values/db.json: name "DB" is not the file name (App Services names the file after the value when it exports)'],
    ["a secrets.json realm-cli can read", "todo-stitch-secrets", write("secrets.json", { auth_providers: {} }), "secrets.json: holds secret values in the app folder; keep them out of the repository (create them with the CLI)"],
  ])("warns, without failing, about %s", (_name, app, plant, warning) => {
    const base = checkApp(join(published, app));
    const report = checkCopy(app, plant);
    expect(report.problems).toEqual(base.problems.filter((p) => !p.startsWith("secrets.json")));
    expect(report.warnings).toContain(warning);
  });
});
