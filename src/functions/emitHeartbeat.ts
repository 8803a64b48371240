// App Services function run every minute by the SCHEDULED trigger triggers/emitHeartbeat.json.
import { heartbeatFromContext } from "../adapters/app-services/heartbeat";
import { emitHeartbeat as heartbeat } from "../core/capture/health/heartbeat";

export default async function emitHeartbeat() {
  return heartbeat(heartbeatFromContext(context));
}
