/**
 * Checks an App Services app folder in any layout, one part at a time. A problem is something a push
 * refuses (per the configuration reference and what the CLIs read) or something that breaks this
 * project's own functions; everything else is a warning. Parts are checked after what they refer to
 * (data sources and functions first), and from whatever parsed, even when another part of the same file
 * is malformed; a file that cannot be read is reported once.
 */
import { type App, AppFiles, type ExportReport, isOlder, type Json, Names, record, retired } from "./app";
import { checkAuth, checkCustomUserData } from "./parts/auth";
import { checkCaptureOptions } from "./parts/capture-options";
import { checkDataSources } from "./parts/data-sources";
import { checkEndpoints } from "./parts/endpoints";
import { checkEnvironments } from "./parts/environments";
import { checkFunctions } from "./parts/functions";
import { checkGraphql } from "./parts/graphql";
import { checkHosting } from "./parts/hosting";
import { checkLogForwarders } from "./parts/log-forwarders";
import { checkOurValues, FUNCTION_VALUES } from "./parts/ours";
import { checkSecrets } from "./parts/secrets";
import { checkServices } from "./parts/services";
import { checkSync } from "./parts/sync";
import { checkTriggers } from "./parts/triggers";
import { checkValues } from "./parts/values";
import { checkRoot } from "./root";
import { syncConfigured } from "./unconfigured";

const BUILT_FUNCTIONS: ReadonlySet<string> = new Set(Object.keys(FUNCTION_VALUES));

export function checkApp(folder: string): ExportReport {
  const files = new AppFiles(folder);
  const root = checkRoot(files);
  if (!root) return { problems: files.problems, warnings: files.warnings };
  const { layout } = root;
  const app: App = {
    files,
    layout,
    ours: false,
    functions: new Names(),
    sources: new Set(),
    dataSources: new Names(),
    values: new Map(),
  };
  const older = isOlder(layout);
  if (!older) checkDataSources(app);
  checkServices(app);
  checkFunctions(app, BUILT_FUNCTIONS);
  if (older) checkOlderRootParts(app, root.file, record(root.config));
  else {
    checkEndpoints(app);
    checkSync(app);
    checkHosting(app);
  }
  checkTriggers(app);
  checkAuth(app);
  checkGraphql(app);
  checkLogForwarders(app);
  checkEnvironments(app);
  checkValues(app);
  checkOurValues(app);
  checkSecrets(app);
  // Our capture list's options (config/captured-collections.csv), when the folder has one.
  for (const problem of checkCaptureOptions(folder)) files.problems.push(problem);
  return { layout, problems: files.problems, warnings: files.warnings };
}

/** stitch.json and config.json hold custom user data, sync and hosting themselves; the Data API sits at the root. */
function checkOlderRootParts(app: App, file: string, config: Json): void {
  checkCustomUserData(app, file, record(config.custom_user_data_config), "custom_user_data_config.");
  if (syncConfigured(record(config.sync))) retired(app, "sync", "Device Sync");
  checkHosting(app, config.hosting ?? {});
  const dataApi = app.files.read("data_api_config.json");
  if (dataApi !== undefined && record(dataApi).disabled !== true) retired(app, "data_api_config.json", "the Data API");
}
