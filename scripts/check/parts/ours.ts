/**
 * This repository's export: the values our built functions read, checked with the same parsers the
 * functions use. Only for the export whose functions are ours (another app's value of the same name
 * is none of our business).
 */
import { CAPTURE_VALUE_NAMES, captureSettings, kinesisSettings } from "../../../src/core/capture/config";
import { CAPTURE_HEALTH_VALUE_NAMES, captureHealthSettings } from "../../../src/core/capture/health-config";
import { FIREHOSE_VALUE_NAMES, firehoseSettings } from "../../../src/core/firehose/config";
import { heartbeatFunctionSettings } from "../../../src/core/capture/state-settings";
import { settingNames, type Setting } from "../../../src/core/settings";
import type { App } from "../app";

/** Which values each built function reads. */
export const FUNCTION_VALUES: Record<string, readonly string[]> = {
  receiveFirehoseDelivery: FIREHOSE_VALUE_NAMES,
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
  for (const [name, v] of app.values) {
    const known = SETTINGS_BY_NAME.get(name);
    if (!known || v.from_secret || v.value === "" || v.value === null || v.value === undefined) continue;
    try {
      known.parse(v.value, name);
    } catch (error) {
      app.files.fail(`values/${name}.json: ${(error as Error).message}`);
    }
  }
  // A value file that could not be read was reported; the values it may hold are not reported again.
  if ([...app.files.unreadable].some((path) => path.startsWith("values/"))) return;
  for (const [fn, needed] of Object.entries(FUNCTION_VALUES)) {
    if (!app.functions.has(fn)) continue;
    for (const name of needed)
      if (!app.values.has(name))
        app.files.fail(`values/${name}.json: missing, but functions/${fn}.js reads the value ${name}`);
  }
}
