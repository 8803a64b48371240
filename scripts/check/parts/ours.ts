/**
 * This repository's export: the values our built functions read, checked with the same parsers the
 * functions use. Only for the export whose functions are ours (another app's value of the same name
 * is none of our business).
 */
import { CAPTURE_VALUE_NAMES, captureSettings, kinesisSettings } from "../../../src/core/capture/config";
import { CAPTURE_HEALTH_VALUE_NAMES, captureHealthSettings } from "../../../src/core/capture/health/health-config";
import {
  FIREHOSE_APPLY_VALUE_NAMES,
  FIREHOSE_VALUE_NAMES,
  firehoseSettings,
  readFirehoseConfig,
} from "../../../src/core/firehose/config";
import { heartbeatFunctionSettings } from "../../../src/core/capture/state-settings";
import { settingNames, type Setting } from "../../../src/core/settings";
import type { App } from "../app";
import { isKnownAwsRegion } from "../aws-regions";

/** Which values each built function reads. */
export const FUNCTION_VALUES: Record<string, readonly string[]> = {
  receiveFirehoseDelivery: FIREHOSE_VALUE_NAMES,
  applyFirehoseRecords: FIREHOSE_APPLY_VALUE_NAMES,
  publishChangeToKinesis: CAPTURE_VALUE_NAMES,
  emitHeartbeat: settingNames(heartbeatFunctionSettings),
  checkCaptureHealth: [...CAPTURE_VALUE_NAMES, ...CAPTURE_HEALTH_VALUE_NAMES],
  drainOutbox: CAPTURE_VALUE_NAMES,
  runSnapshot: CAPTURE_VALUE_NAMES,
};

/** Every setting the functions read, by value name (see src/core/settings.ts). */
const SETTINGS_BY_NAME = new Map<string, Setting<unknown>>(
  [captureSettings, kinesisSettings, captureHealthSettings, firehoseSettings]
    .flatMap((table) => Object.values(table as Record<string, Setting<unknown>>))
    .map((entry) => [entry.name, entry]),
);

export function checkOurValues(app: App): void {
  if (!app.ours) return;
  const refused = new Set<string>();
  for (const [name, v] of app.values) {
    const known = SETTINGS_BY_NAME.get(name);
    if (!known || v.from_secret || v.value === "" || v.value === null || v.value === undefined) continue;
    try {
      known.parse(v.value, name);
    } catch (error) {
      refused.add(name);
      app.files.fail(`values/${name}.json: ${(error as Error).message}`);
    }
  }
  const region = app.values.get(kinesisSettings.region.name);
  const regionName = region && !region.from_secret ? region.value : undefined;
  const regionRefused = refused.has(kinesisSettings.region.name);
  if (typeof regionName === "string" && regionName !== "" && !regionRefused && !isKnownAwsRegion(regionName))
    app.files.warn(
      `values/AWS_REGION.json: "${regionName}" is not a region the AWS SDK knows (its partitions data); check the name, unless the region is newer than the SDK`,
    );
  checkRouting(app, refused);
  // A value file that could not be read was reported; the values it may hold are not reported again.
  if ([...app.files.unreadable].some((path) => path.startsWith("values/"))) return;
  for (const [fn, needed] of Object.entries(FUNCTION_VALUES)) {
    if (!app.functions.has(fn)) continue;
    for (const name of needed)
      if (!app.values.has(name))
        app.files.fail(`values/${name}.json: missing, but functions/${fn}.js reads the value ${name}`);
  }
}

/**
 * What the webhook's settings say together: routing refuses a target that is a captured collection
 * (an endless loop) and the functions refuse to run with it, by the same rule (buildRouting). Read
 * from the plain values; settings already refused one by one are not reported again.
 */
function checkRouting(app: App, refused: ReadonlySet<string>): void {
  if ([...refused].some((name) => FIREHOSE_VALUE_NAMES.indexOf(name) !== -1)) return;
  const plain = (name: string) => {
    const v = app.values.get(name);
    return v && !v.from_secret ? v.value : undefined;
  };
  try {
    readFirehoseConfig(plain);
  } catch (error) {
    const message = (error as Error).message;
    // The message starts with the setting that makes the loop (the default target is two settings).
    const setting = /^[A-Z_]+/.exec(message);
    const files = setting ? [setting[0]] : ["FIREHOSE_DATABASE", "FIREHOSE_COLLECTION"];
    app.files.fail(`${files.map((name) => `values/${name}.json`).join(", ")}: ${message}`);
  }
}
