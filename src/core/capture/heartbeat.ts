import { countMatching, type CollectionPort, type DataSourcePort } from "../ports";
import type { BsonPort } from "../bson-port";
import { describeError } from "../errors";
import { checkCapture, type CaptureHealthReport } from "./capture-health";
import type { CaptureHealthConfig } from "./health-config";
import type { TriggerAdminPort } from "./trigger-admin";
import { drainOutbox, type DrainResult } from "./drain-outbox";
import { recordSuccessfulPut, type PublishDeps } from "./publish-change";
import { continueSnapshots, type SnapshotDeps } from "./snapshot";

/** App Services stops a function at 300 s; the heartbeat leaves itself a margin. */
export const HEARTBEAT_BUDGET_MS = 240_000;

/** What publishing needs (the heartbeat drains the outbox and records its puts alike), and the heartbeat's own. */
export interface HeartbeatDeps extends PublishDeps {
  readonly heartbeat: CollectionPort;
  /** Absent in hosts that do not run snapshots. */
  readonly snapshots?: Omit<SnapshotDeps, "config" | "kinesis" | "outbox" | "clock" | "sleep" | "logger" | "random">;
  /** The capture check (capture-health.ts); absent, the heartbeat only writes, drains and continues. */
  readonly health?: {
    readonly config: CaptureHealthConfig;
    readonly signals: CollectionPort;
    readonly dataSource: DataSourcePort;
    readonly bson: BsonPort;
    readonly admin?: TriggerAdminPort;
    readonly groupId?: string;
    readonly appId?: string;
    readonly adminProblem?: string;
  };
}

export interface HeartbeatResult {
  at: Date;
  outboxDepth: number;
  drain: DrainResult;
  snapshotsContinued: number;
  /** What the capture check found (undefined without one, or when it failed). */
  capture?: CaptureHealthReport;
}

/**
 * The per-minute scheduled trigger. It upserts the heartbeat document first (the heartbeat collection
 * is itself captured, so the change trigger fires at least once a minute and the stream position
 * stays fresh), checks that capture is alive (the previous heartbeat reached the stream; with the
 * Admin API, every capture trigger runs) and heals it where allowed, then drains the outbox and
 * continues unfinished snapshots inside the time budget.
 */
export async function emitHeartbeat(deps: HeartbeatDeps, budgetMs = HEARTBEAT_BUDGET_MS): Promise<HeartbeatResult> {
  const started = deps.clock.now();
  const deadline = started + budgetMs;
  const at = new Date(started);
  const outboxDepth = await countMatching(deps.outbox);
  const last = await deps.status.findOne({ _id: `${deps.config.appName}:lastSuccessfulPut` });
  const previous = deps.health ? await deps.heartbeat.findOne({ _id: deps.config.appName }) : null;
  await deps.heartbeat.updateOne(
    { _id: deps.config.appName },
    { $set: { app: deps.config.appName, at, outboxDepth, lastSuccessfulPutAt: last ? last.at : null } },
    { upsert: true },
  );
  let capture: CaptureHealthReport | undefined;
  if (deps.health) {
    try {
      capture = await checkCapture(
        {
          ...deps.health,
          health: deps.health.config,
          config: deps.config,
          status: deps.status,
          clock: deps.clock,
          logger: deps.logger,
        },
        previous && previous.at instanceof Date ? previous.at : null,
        outboxDepth,
      );
    } catch (error) {
      // The heartbeat's other work must go on; the next run checks again.
      deps.logger.error({ msg: "capture check failed", app: deps.config.appName, error: describeError(error) });
    }
  }
  const drain = await drainOutbox(
    {
      kinesis: deps.kinesis,
      outbox: deps.outbox,
      clock: deps.clock,
      sleep: deps.sleep,
      logger: deps.logger,
      policy: deps.config,
      random: deps.random,
      shaping: { config: deps.config, bson: deps.bson },
    },
    deadline - 30_000,
  );
  if (drain.put > 0) await recordSuccessfulPut(deps);
  let snapshotsContinued = 0;
  if (deps.snapshots) {
    snapshotsContinued = await continueSnapshots(
      {
        ...deps.snapshots,
        config: deps.config,
        kinesis: deps.kinesis,
        outbox: deps.outbox,
        clock: deps.clock,
        sleep: deps.sleep,
        logger: deps.logger,
        random: deps.random,
      },
      deadline,
    );
  }
  deps.logger.info({
    msg: "heartbeat",
    app: deps.config.appName,
    outboxDepth,
    drained: drain.put,
    drainFailed: drain.failed,
    outboxRemaining: drain.remaining,
    snapshotsContinued,
    ...(capture
      ? {
          stream: capture.stream.state,
          adminApi: capture.adminApi,
          captureProblems: capture.problems.length,
        }
      : {}),
    durationMs: deps.clock.now() - started,
  });
  return { at, outboxDepth, drain, snapshotsContinued, capture };
}
