import type { DataSourcePort } from "../ports";
import type { Routing } from "./apply/routing";

export interface HeartbeatAge {
  readonly app: string;
  /** Seconds since the newest heartbeat the webhook received was written: grows when capture or delivery stops. */
  readonly heartbeatAgeSeconds: number;
}

/**
 * The capture lag per app, as the webhook sees it: from the heartbeat collection it keeps (the latest
 * heartbeat per app, see plan-writes.ts), at the time asked. A capture that stalls stops the
 * heartbeats, so this grows by a second every second; healthy, it stays below a minute plus the
 * delivery delay (Firehose's buffer interval).
 */
export async function readHeartbeatAges(
  dataSource: DataSourcePort,
  routing: Pick<Routing, "heartbeatTarget">,
  now: number,
): Promise<HeartbeatAge[]> {
  const { db, coll } = routing.heartbeatTarget;
  const documents = await dataSource.db(db).collection(coll).find({}).limit(1000).toArray();
  const out: HeartbeatAge[] = [];
  for (const doc of documents) {
    if (!(doc.lastHeartbeatAt instanceof Date)) continue;
    out.push({
      app: String(doc.app === null || doc.app === undefined ? doc._id : doc.app),
      heartbeatAgeSeconds: Math.max(0, (now - doc.lastHeartbeatAt.getTime()) / 1000),
    });
  }
  return out;
}
