// App Services function run every minute by the SCHEDULED trigger triggers/emitHeartbeat.json.
import { captureDepsFromContext } from "../adapters/app-services/capture";
import { captureHealthFromContext } from "../adapters/app-services/capture-health";
import { emitHeartbeat as heartbeat } from "../core/capture/heartbeat";

export default async function emitHeartbeat() {
  const deps = captureDepsFromContext(context);
  const health = captureHealthFromContext(context);
  return heartbeat({
    ...deps,
    snapshots: { signals: deps.signals, dataSource: deps.dataSource, bson: deps.bson },
    health: { ...health, signals: deps.signals, dataSource: deps.dataSource, bson: deps.bson },
  });
}
