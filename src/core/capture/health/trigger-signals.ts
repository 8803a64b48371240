import { describeError } from "../../errors";
import {
  AdminApiError,
  readExecution,
  readTriggerFailure,
  type TriggerAdminPort,
  type TriggerFailure,
  type TriggerState,
} from "./trigger-admin";

/**
 * Whether a capture trigger is suspended, from the signals the Admin API documents (its reference
 * gives a listed trigger no state besides `disabled`):
 * - **a TRIGGER_FAILURE log** (`adminGetLogs`) names the trigger (`event_subscription_id` is its
 *   `_id`) with the error, and no batch has completed since (`completed_at` of its latest
 *   execution, `adminGetLatestEventSubscriptionExecution`) nor has it been resumed since;
 * - **a `completed_at` that stops moving**, where we know it must move: the heartbeat's own capture
 *   trigger processes the heartbeat document written every minute, so a latest execution older than
 *   a heartbeat written more than CAPTURE_STALL_AFTER_MS ago means it is not processing. (Atlas also
 *   moves `completed_at` on idle "heartbeats" at an undocumented pace, so on a quiet collection an
 *   old `completed_at` alone proves nothing and is only recorded);
 * - the listed fields the reference does not have (`error`, `status`; readTriggerState), read only
 *   as an extra hint.
 * A failure's error text says whether the history is lost (ChangeStreamHistoryLost).
 */

export interface TriggerJudgement {
  readonly suspended: boolean;
  /** The error (a failure's, or the hint's) or what the execution showed. */
  readonly reason?: string;
  readonly historyLost: boolean;
  /** Which signals said so, for the report: "TRIGGER_FAILURE log at …", "latest execution …", "listed error (undocumented)". */
  readonly evidence: string[];
}

export interface TriggerEvidence {
  /** The listing, with its undocumented hint if any. */
  readonly listed: TriggerState;
  /** Its latest execution's `completed_at` (null: none, or it could not be read). */
  readonly completedAt: Date | null;
  /** The newest TRIGGER_FAILURE logged for it (this check's or an earlier one's). */
  readonly failure: TriggerFailure | null;
  /** When it was last resumed (successfully) by the heartbeat. */
  readonly resumedAt: Date | null;
  /** For the heartbeat's own capture trigger: the heartbeat this check is about, which it must have processed. */
  readonly heartbeat?: { readonly writtenAt: Date | null; readonly now: number; readonly stallAfterMs: number };
}

export function judgeTrigger(e: TriggerEvidence): TriggerJudgement {
  const evidence: string[] = [];
  const after = (at: Date, than: Date | null) => than === null || at.getTime() > than.getTime();
  const failed = e.failure !== null && after(e.failure.at, e.completedAt) && after(e.failure.at, e.resumedAt);
  if (failed && e.failure)
    evidence.push(
      `TRIGGER_FAILURE log at ${e.failure.at.toISOString()}, no batch completed since (latest execution ${describeTime(e.completedAt)})`,
    );
  const h = e.heartbeat;
  const stopped =
    h !== undefined &&
    h.writtenAt !== null &&
    h.now - h.writtenAt.getTime() > h.stallAfterMs &&
    after(h.writtenAt, e.resumedAt) &&
    (e.completedAt === null || e.completedAt.getTime() < h.writtenAt.getTime());
  if (stopped && h && h.writtenAt)
    evidence.push(
      `latest execution ${describeTime(e.completedAt)}, before the heartbeat written at ${h.writtenAt.toISOString()}`,
    );
  const hinted = e.listed.state === "suspended";
  if (hinted) evidence.push(`listed ${e.listed.reason || "as suspended"} (a field the reference does not document)`);
  const reason =
    failed && e.failure
      ? e.failure.error
      : hinted
        ? e.listed.reason
        : stopped
          ? `not processing: its latest execution completed ${describeTime(e.completedAt)}, before the heartbeat written at ${h?.writtenAt?.toISOString()}`
          : undefined;
  return {
    suspended: failed || stopped || hinted,
    reason,
    historyLost: (failed && e.failure !== null && e.failure.historyLost) || (hinted && e.listed.historyLost),
    evidence,
  };
}

function describeTime(date: Date | null): string {
  return date ? `at ${date.toISOString()}` : "never";
}

/** The newest TRIGGER_FAILURE per trigger id logged after `since`, and why they could not be read, if so. */
export async function readFailures(
  admin: TriggerAdminPort,
  since: Date,
): Promise<{ byId: Map<string, TriggerFailure>; error?: string }> {
  const byId = new Map<string, TriggerFailure>();
  try {
    for (const raw of await admin.triggerFailureLogs(since)) {
      const failure = readTriggerFailure(raw);
      if (!failure) continue;
      const known = byId.get(failure.eventSubscriptionId);
      if (!known || known.at.getTime() < failure.at.getTime()) byId.set(failure.eventSubscriptionId, failure);
    }
    return { byId };
  } catch (error) {
    return { byId, error: `the TRIGGER_FAILURE logs: ${describeAdminError(error)}` };
  }
}

/** A trigger's latest `completed_at`, and why it could not be read, if so. */
export async function readCompletedAt(
  admin: TriggerAdminPort,
  trigger: { id: string; name: string },
): Promise<{ completedAt: Date | null; error?: string }> {
  try {
    return { completedAt: readExecution(await admin.latestExecution(trigger.id)).completedAt };
  } catch (error) {
    return { completedAt: null, error: `the latest execution of ${trigger.name}: ${describeAdminError(error)}` };
  }
}

export function describeAdminError(error: unknown): string {
  return error instanceof AdminApiError ? `${error.kind}: ${error.message}` : describeError(error);
}
