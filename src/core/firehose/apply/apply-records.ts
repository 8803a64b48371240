import type { DocumentRecord } from "../protocol/decode-record";
import type { ApplyDeps, RecordsApplied, DeliveryInProgress } from "../receive-delivery";
import { readRecordsHandoff, type HandedRecordsApplied } from "../records-handoff";
import { emptyReconcileBatch, reconcileNotesOf } from "../reconcile/reconcile-batch";
import { applyTargetWrites } from "./apply-changes";
import { planWrites, type TargetWrites } from "./plan-writes";

/** What planning and writing need: no apply step of their own. */
export type WriteDeps = Pick<ApplyDeps, "config" | "dataSource" | "bson" | "clock">;

/**
 * The apply step (receive-delivery.ts, ApplyRecords) in this process: the Node server, the Lambda,
 * the S3-backup replay, and applyFirehoseRecords on App Services. The chunk's writes are planned at
 * once; the function returned writes them, target by target, in rounds one after another: a delta's
 * round starts once the write it builds on is done.
 */
export function applyRecordsInProcess(
  records: readonly DocumentRecord[],
  delivery: DeliveryInProgress,
  deps: WriteDeps,
): () => Promise<RecordsApplied> {
  const { config, dataSource, bson } = deps;
  const plan = planWrites(records, delivery.requestId, bson, config.routing, deps.clock.now(), delivery.reconcile);
  const applied: RecordsApplied = {
    stored: 0,
    stale: 0,
    superseded: plan.superseded,
    heartbeats: plan.heartbeats,
    basicJson: plan.basicJson,
    refused: plan.rejected.slice(),
  };
  return async () => {
    const deletesCollection = dataSource.db(config.database).collection(config.deletesCollection);
    const deletes = { collection: deletesCollection, now: deps.clock.now(), bson };
    const applyGroup = async (group: TargetWrites) => {
      const result = await applyTargetWrites(
        dataSource.db(group.target.db).collection(group.target.coll),
        group,
        deletes,
      );
      applied.stored += result.stored;
      applied.stale += result.stale;
      for (const refused of result.refused) applied.refused.push(refused);
    };
    for (const round of plan.rounds) await Promise.all(round.map(applyGroup));
    return applied;
  };
}

/**
 * applyFirehoseRecords: one chunk handed on by the App Services webhook (records-handoff.ts), planned
 * and written here as the webhook would write it in its own process, and what became of it as plain
 * data. Arguments that are not a handoff are refused before anything is written.
 */
export async function applyHandedRecords(args: readonly unknown[], deps: WriteDeps): Promise<HandedRecordsApplied> {
  const handoff = readRecordsHandoff(args, deps.bson);
  const records = handoff.records.map(({ index, document, depth, bytes }): DocumentRecord => ({
    kind: "document",
    index,
    document,
    depth,
    bytes,
  }));
  const delivery = { requestId: handoff.requestId, reconcile: emptyReconcileBatch() };
  const applied = await applyRecordsInProcess(records, delivery, deps)();
  return {
    stored: applied.stored,
    stale: applied.stale,
    superseded: applied.superseded,
    heartbeats: applied.heartbeats,
    basicJson: applied.basicJson,
    refused: applied.refused.map(({ index, refusal }) => ({ index, code: refusal.code, message: refusal.message })),
    reconcile: reconcileNotesOf(delivery.reconcile),
  };
}
