// App Services function run by triggers/runSnapshot.json when a signal is inserted (the change event
// is its argument), and every minute by the SCHEDULED trigger triggers/continueSnapshots.json (no
// argument), which continues every snapshot left unfinished.
import { captureDepsFromContext } from "../adapters/app-services/capture";
import { RUN_BUDGET_MS } from "../adapters/app-services/globals";
import type { ChangeEvent } from "../core/capture/publish/kinesis-record";
import { continueSnapshots, runSnapshot as run } from "../core/capture/snapshot/snapshot";

export default async function runSnapshot(changeEvent?: ChangeEvent) {
  const deps = captureDepsFromContext(context);
  const deadline = deps.clock.now() + RUN_BUDGET_MS;
  if (changeEvent === undefined) return { continued: await continueSnapshots(deps, deadline) };
  const signalId = changeEvent.documentKey ? changeEvent.documentKey._id : undefined;
  // The insert's cluster time: the read position where the server has no $$CLUSTER_TIME.
  return run(signalId, deps, deadline, changeEvent.clusterTime);
}
