import type { CollectionPort } from "../../ports";

/*
 * What the publisher records in the status collection after a put. The signal that capture is alive
 * is the heartbeat, under that one word: the newest heartbeat it put (`<app>:heartbeatOnStream`,
 * which the capture check compares with the heartbeat it wrote), beside the time of its last
 * successful put of any record (`<app>:lastSuccessfulPut`, which the heartbeat copies into its
 * document as `lastSuccessfulPutAt`). Both ids are stored names: unchanged.
 */

/** Where the publisher records the newest heartbeat it has put. */
export const heartbeatOnStreamId = (app: string) => `${app}:heartbeatOnStream`;

/** Where the publisher records when its last put of any record succeeded. */
export const lastSuccessfulPutId = (app: string) => `${app}:lastSuccessfulPut`;

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
