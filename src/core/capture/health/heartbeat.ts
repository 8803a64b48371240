import { countMatching, type Clock, type CollectionPort, type Logger } from "../../ports";
import { describeError } from "../../errors";
import type { CaptureHealthReport } from "./capture-health";
import type { HeartbeatDocument } from "../../stream-format/heartbeat";
import { lastSuccessfulPutId } from "../publish/put-status";

/** What the capture check needs from the beat: read before the beat writes its own document. */
export interface CaptureCheckHandoff {
  /** The previous heartbeat's `at` (the one the stream check is about); null before the first. */
  readonly heartbeatWrittenAt: Date | null;
  readonly outboxDepth: number;
}

/**
 * The handoff read now, for a capture check run by hand (`appservices function run --name
 * checkCaptureHealth`): the heartbeat document's latest `at`. Right after a beat the stream check
 * then finds that beat too young to judge, as a check run between beats would.
 */
export async function readCaptureCheckHandoff(
  deps: Pick<HeartbeatDeps, "heartbeat" | "outbox" | "config">,
): Promise<CaptureCheckHandoff> {
  const beat = await deps.heartbeat.findOne({ _id: deps.config.appName });
  return {
    heartbeatWrittenAt: beat && beat.at instanceof Date ? beat.at : null,
    outboxDepth: await countMatching(deps.outbox),
  };
}

/** What the heartbeat logs of the capture check's report. */
export type CaptureCheckSummary = Pick<CaptureHealthReport, "stream" | "adminApi" | "problems">;

export interface HeartbeatDeps {
  readonly config: { readonly appName: string };
  readonly heartbeat: CollectionPort;
  readonly outbox: CollectionPort;
  /** Where the publisher records its last successful put (copied into the heartbeat document). */
  readonly status: CollectionPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Hands the capture check (capture-health.ts) what it needs; in App Services the function
   * checkCaptureHealth, called with context.functions.execute. Absent, the heartbeat only beats.
   */
  readonly checkCapture?: (handoff: CaptureCheckHandoff) => Promise<CaptureCheckSummary | undefined>;
}

export interface HeartbeatResult {
  at: Date;
  outboxDepth: number;
  /** What the capture check found (undefined without one, or when it failed). */
  capture?: CaptureCheckSummary;
}

/**
 * The per-minute scheduled trigger. It upserts the heartbeat document (the heartbeat collection is
 * itself captured, so the change trigger fires at least once a minute and the stream position stays
 * fresh), then hands the capture check the previous heartbeat's time, which only the beat can read
 * before it writes. Draining the outbox and continuing snapshots are functions of their own, on their
 * own schedules (docs/capture.md#the-scheduled-functions).
 */
export async function emitHeartbeat(deps: HeartbeatDeps): Promise<HeartbeatResult> {
  const started = deps.clock.now();
  const at = new Date(started);
  const app = deps.config.appName;
  const outboxDepth = await countMatching(deps.outbox);
  const last = await deps.status.findOne({ _id: lastSuccessfulPutId(app) });
  const previous = deps.checkCapture ? await deps.heartbeat.findOne({ _id: app }) : null;
  const beat: HeartbeatDocument = { app, at, outboxDepth, lastSuccessfulPutAt: last ? (last.at as Date) : null };
  await deps.heartbeat.updateOne({ _id: app }, { $set: beat }, { upsert: true });
  let capture: CaptureCheckSummary | undefined;
  if (deps.checkCapture) {
    const heartbeatWrittenAt = previous && previous.at instanceof Date ? previous.at : null;
    try {
      capture = await deps.checkCapture({ heartbeatWrittenAt, outboxDepth });
    } catch (error) {
      // The beat is written; the next one checks again.
      deps.logger.error({ msg: "capture check failed", app, error: describeError(error) });
    }
  }
  deps.logger.info({
    msg: "heartbeat",
    app,
    outboxDepth,
    ...(capture
      ? { stream: capture.stream.state, adminApi: capture.adminApi, captureProblems: capture.problems.length }
      : {}),
    durationMs: deps.clock.now() - started,
  });
  return { at, outboxDepth, capture };
}
