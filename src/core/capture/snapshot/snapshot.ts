import { describeError } from "../../errors";
import type { Document } from "../../ports";
import { runParallelSnapshot } from "./parallel-snapshot";
import { publishPart, PUTS_IN_FLIGHT, type ReadProgress } from "./publish-reads";
import {
  claimSignal,
  finishRun,
  nearDeadline,
  signalCollections,
  signalParallelism,
  snapshotKind,
  SNAPSHOT_SIGNAL_TYPE,
  type SnapshotDeps,
  type SnapshotRun,
} from "./snapshot-signal";

export { SNAPSHOT_LEASE_MS, SNAPSHOT_SIGNAL_TYPE, type SnapshotDeps, type SnapshotRun } from "./snapshot-signal";

interface Progress extends ReadProgress {
  namespace: string;
}

/**
 * Backfills the collections a signal names ({type: "execute-snapshot", data: {"data-collections":
 * ["db.coll", …], reconcile?: true}}): reads each in _id order, type group by type group
 * (read-order.ts), in chunks, publishes `read` change events with PutRecords (failed entries
 * retried, then outboxed), and checkpoints its position in the signal document after every chunk
 * (publish-reads.ts). Every read carries the snapshot's read position (reconcile.ts). A reconcile's
 * reads also carry their sequence numbers, and each collection ends with a closing record. Near the
 * deadline it stops; the continueSnapshots trigger continues it. Running it again writes the same
 * records, which the webhook applies idempotently by key. `startedBy` is the clusterTime of the
 * signal's insert when the insert's trigger started this run. With several workers, see
 * parallel-snapshot.ts.
 */
export async function runSnapshot(
  signalId: unknown,
  deps: SnapshotDeps,
  deadlineMs: number,
  startedBy?: unknown,
): Promise<SnapshotRun> {
  const existing = await deps.signals.findOne({ _id: signalId });
  if (existing && existing.status !== "done" && existing.status !== "failed") {
    const parallelism = signalParallelism(existing, deps.config.snapshotParallelism);
    // A snapshot once planned in ranges stays so, whatever the setting says now.
    if (parallelism.ok && (parallelism.value > 1 || Array.isArray(existing.plan)))
      return runParallelSnapshot(signalId, existing, parallelism.value, deps, deadlineMs, startedBy);
  }
  if (!(await claimSignal(deps, signalId, {}))) return { status: "busy", published: 0, outboxed: 0 };
  const signal = (await deps.signals.findOne({ _id: signalId })) as Document;
  const run: SnapshotRun = { status: "paused", published: 0, outboxed: 0 };
  const listed = signalCollections(signal);
  if (!listed.ok) return finishRun(deps, signalId, { ...run, status: "failed", error: listed.error.message });
  const collections = listed.value;
  const parallelism = signalParallelism(signal, deps.config.snapshotParallelism);
  if (!parallelism.ok) return finishRun(deps, signalId, { ...run, status: "failed", error: parallelism.error.message });
  const taken = await snapshotKind(signal, deps, startedBy);
  if (!taken.ok) return finishRun(deps, signalId, { ...run, status: "failed", error: taken.error.message });
  const kind = taken.value;
  const closings = { published: 0, outboxed: 0 };
  const reconcileId = kind.reconcile ? String(signalId) : undefined;
  // Progress is kept per position in "data-collections" (field names cannot hold the namespace's dot).
  const progress = (signal.progress as Record<string, Progress> | undefined) || {};
  try {
    for (let position = 0; position < collections.length; position++) {
      const namespace = collections[position];
      const state: Progress = progress[position] || { namespace, count: 0, done: false };
      if (state.done) continue;
      const save = async () => {
        await deps.signals.updateOne(
          { _id: signalId },
          { $set: { [`progress.${position}`]: state, updatedAt: new Date(deps.clock.now()) } },
        );
        return true; // the signal's lease covers the whole run
      };
      const reconcile = reconcileId === undefined ? undefined : { id: reconcileId, part: 0, parts: 1 };
      const outcome = await publishPart(
        {
          signalId,
          namespace,
          bounds: {},
          progress: state,
          position: kind.position,
          reconcile,
          taken: state,
          putsInFlight: PUTS_IN_FLIGHT,
          stop: () => nearDeadline(deps, deadlineMs),
          save,
        },
        deps,
        run,
        closings,
      );
      if (outcome !== "done") return finishRun(deps, signalId, run, kind, closings);
    }
  } catch (error) {
    return finishRun(deps, signalId, { ...run, status: "failed", error: describeError(error) }, kind, closings);
  }
  return finishRun(deps, signalId, { ...run, status: "done" }, kind, closings);
}

/** Runs (from the continueSnapshots trigger) every snapshot that is not finished and not owned by a live run. */
export async function continueSnapshots(deps: SnapshotDeps, deadlineMs: number): Promise<number> {
  const open = await deps.signals
    .find({ type: SNAPSHOT_SIGNAL_TYPE, status: { $nin: ["done", "failed"] } })
    .sort({ _id: 1 })
    .limit(20)
    .toArray();
  let continued = 0;
  for (const signal of open) {
    if (nearDeadline(deps, deadlineMs)) break;
    const run = await runSnapshot(signal._id, deps, deadlineMs);
    if (run.status !== "busy") continued++;
  }
  return continued;
}
