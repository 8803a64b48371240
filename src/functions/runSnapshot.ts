// App Services function run by triggers/runSnapshot.json when a signal is inserted.
import { captureDepsFromContext } from "../adapters/app-services/capture";
import type { ChangeEvent } from "../core/capture/envelope";
import { HEARTBEAT_BUDGET_MS } from "../core/capture/heartbeat";
import { runSnapshot as run } from "../core/capture/snapshot";

export default async function runSnapshot(changeEvent: ChangeEvent) {
  const deps = captureDepsFromContext(context);
  const signalId = changeEvent.documentKey ? changeEvent.documentKey._id : undefined;
  // The insert's cluster time: the read position where the server has no $$CLUSTER_TIME.
  return run(signalId, deps, deps.clock.now() + HEARTBEAT_BUDGET_MS, changeEvent.clusterTime);
}
