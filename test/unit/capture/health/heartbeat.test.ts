import { describe, expect, it } from "vitest";
import {
  emitHeartbeat,
  readCaptureCheckHandoff,
  type CaptureCheckHandoff,
} from "../../../../src/core/capture/health/heartbeat";
import { makeCaptureDeps } from "../../../helpers/capture";

const APP = "atlas-kinesis-bridge";
const MINUTE = 60_000;

/** A capture check that records what it was handed and answers a report with one problem. */
function recordingCheck() {
  const handed: CaptureCheckHandoff[] = [];
  const check = async (handoff: CaptureCheckHandoff) => {
    handed.push(handoff);
    return { stream: { state: "ok" as const }, adminApi: "not_configured" as const, problems: [{}] } as never;
  };
  return { handed, check };
}

describe("emitHeartbeat: the heartbeat beats and hands over the capture check", () => {
  it("writes its document with the outbox depth and the last put, and hands the check the previous beat's time", async () => {
    const deps = makeCaptureDeps();
    const { handed, check } = recordingCheck();
    await deps.outbox.insertMany([{ _id: "a" }, { _id: "b" }]);
    await deps.status.insertOne({ _id: `${APP}:lastSuccessfulPut`, at: new Date(1000) });

    const first = await emitHeartbeat({ ...deps, checkCapture: check });
    deps.time.advance(MINUTE);
    const second = await emitHeartbeat({ ...deps, checkCapture: check });

    expect(await deps.heartbeat.findOne({ _id: APP })).toEqual({
      _id: APP,
      app: APP,
      at: second.at,
      outboxDepth: 2,
      lastSuccessfulPutAt: new Date(1000),
    });
    expect(handed).toEqual([
      { heartbeatWrittenAt: null, outboxDepth: 2 },
      { heartbeatWrittenAt: first.at, outboxDepth: 2 },
    ]);
    expect(second.capture).toMatchObject({ stream: { state: "ok" } });
    expect(deps.logger.lines.at(-1)).toMatchObject({ msg: "heartbeat", app: APP, stream: "ok", captureProblems: 1 });
  });

  it("a check that fails is one error line; the beat is written all the same", async () => {
    const deps = makeCaptureDeps();
    const result = await emitHeartbeat({
      ...deps,
      checkCapture: async () => {
        throw new Error('function "checkCaptureHealth" not found');
      },
    });
    expect(result.capture).toBeUndefined();
    expect(await deps.heartbeat.findOne({ _id: APP })).toMatchObject({ at: result.at });
    expect(deps.logger.lines.filter((l) => l.level === "error")).toEqual([
      expect.objectContaining({ msg: "capture check failed", app: APP, error: expect.stringContaining("not found") }),
    ]);
  });

  it("without a check it only beats", async () => {
    const deps = makeCaptureDeps();
    const result = await emitHeartbeat(deps);
    expect(result).toEqual({ at: expect.any(Date), outboxDepth: 0, capture: undefined });
    expect(await deps.heartbeat.countDocuments()).toBe(1);
  });

  it("a check run by hand reads the latest beat and the outbox itself", async () => {
    const deps = makeCaptureDeps();
    expect(await readCaptureCheckHandoff(deps)).toEqual({ heartbeatWrittenAt: null, outboxDepth: 0 });
    const beat = await emitHeartbeat(deps);
    await deps.outbox.insertOne({ _id: "a" });
    expect(await readCaptureCheckHandoff(deps)).toEqual({ heartbeatWrittenAt: beat.at, outboxDepth: 1 });
  });
});
