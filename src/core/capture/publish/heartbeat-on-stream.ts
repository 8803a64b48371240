import type { CollectionPort } from "../../ports";

/** Where the publisher records the newest heartbeat it has put (the status collection). */
export const heartbeatOnStreamId = (app: string) => `${app}:heartbeatOnStream`;

/**
 * Records, from the publisher, that a heartbeat reached the stream: `heartbeatAt` is the heartbeat
 * document's own `at` and `putAt` when it was put, both only ever raised (an unordered trigger may
 * put two heartbeats out of order). The heartbeat's stream check (capture-health.ts) reads it.
 */
export async function recordHeartbeatOnStream(
  status: CollectionPort,
  app: string,
  heartbeatAt: Date,
  now: number,
): Promise<void> {
  await status.updateOne(
    { _id: heartbeatOnStreamId(app) },
    { $max: { heartbeatAt, putAt: new Date(now) } },
    { upsert: true },
  );
}
