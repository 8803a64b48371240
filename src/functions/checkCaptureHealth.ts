// App Services function the heartbeat calls after each beat (context.functions.execute), with the
// previous heartbeat's time and the outbox depth; without arguments (run by hand) it reads them now.
import { captureCheckFromContext, captureCheckHandoff } from "../adapters/app-services/capture-health";
import { checkCapture } from "../core/capture/health/capture-health";
import { readCaptureCheckHandoff } from "../core/capture/health/heartbeat";

export default async function checkCaptureHealth(...args: unknown[]) {
  const { deps, heartbeat, outbox } = captureCheckFromContext(context);
  const handoff =
    captureCheckHandoff(args) || (await readCaptureCheckHandoff({ heartbeat, outbox, config: deps.config }));
  return checkCapture(deps, handoff.heartbeatWrittenAt, handoff.outboxDepth);
}
