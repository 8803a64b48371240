import type { CaptureCheckHandoff, CaptureCheckSummary, HeartbeatDeps } from "../../core/capture/health/heartbeat";
import { heartbeatFunctionSettings } from "../../core/capture/state-settings";
import { consoleLogger, systemClock } from "../../core/ports";
import { readSettings } from "../../core/settings";
import { atlasDataSource, type AppServicesContext } from "./globals";

/** The function that checks capture (functions/checkCaptureHealth.js), which the heartbeat calls. */
export const CAPTURE_CHECK_FUNCTION = "checkCaptureHealth";

/**
 * What the heartbeat needs, from the App Services context: its own few settings (a bad one fails the
 * run with the value named, rather than beating where nobody looks) and the capture check, handed
 * over with `context.functions.execute`. The called function runs in this request, as the system
 * user, within this run's 300 s (docs/capture.md#the-scheduled-functions).
 */
export function heartbeatFromContext(ctx: AppServicesContext): HeartbeatDeps {
  const config = readSettings((name) => ctx.values.get(name), heartbeatFunctionSettings);
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  const functions = ctx.functions;
  return {
    config,
    heartbeat: dataSource.db(config.heartbeatDatabase).collection(config.heartbeatCollection),
    outbox: outboxDb.collection(config.outboxCollection),
    status: outboxDb.collection(config.statusCollection),
    clock: systemClock,
    logger: consoleLogger,
    checkCapture: functions
      ? async (handoff) => summaryOf(await functions.execute(CAPTURE_CHECK_FUNCTION, ...captureCheckArguments(handoff)))
      : undefined,
  };
}

/**
 * The handoff as the called function's arguments: plain numbers, which survive the EJSON that
 * App Services passes arguments and results through whatever it does with dates.
 */
export function captureCheckArguments(handoff: CaptureCheckHandoff): [number | null, number] {
  return [handoff.heartbeatWrittenAt ? handoff.heartbeatWrittenAt.getTime() : null, handoff.outboxDepth];
}

/** The report's parts the heartbeat logs, or undefined when the result is not a report. */
function summaryOf(result: unknown): CaptureCheckSummary | undefined {
  const report = result as CaptureCheckSummary | null | undefined;
  if (!report || typeof report !== "object" || !report.stream || !Array.isArray(report.problems)) return undefined;
  return report;
}
