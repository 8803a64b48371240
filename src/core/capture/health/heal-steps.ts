import type { Document } from "../../ports";
import { captureTriggerName } from "../shaping/capture-list";
import type { AdminApiErrorKind } from "./trigger-admin";

/**
 * What a person does when capture stopped: the Atlas UI path, the Admin API calls (curl, ready to
 * paste, with the project, app and trigger ids filled in where known) and the reconcile signal to
 * insert. The heartbeat logs these with each problem and `npm run status` shows them.
 */

export interface StepContext {
  readonly adminApiUrl: string;
  readonly groupId?: string;
  readonly appId?: string;
  readonly signalDatabase: string;
  readonly signalCollection: string;
  readonly heartbeatDatabase: string;
  readonly heartbeatCollection: string;
  /** CAPTURED_NAMESPACES ("db.coll", "db.*"). */
  readonly captured: ReadonlySet<string>;
  /** Whether the heartbeat has an Admin API key, and may resume by itself. */
  readonly adminConfigured: boolean;
  readonly autoResume: boolean;
}

/** The reconcile signal: a snapshot that also removes from the mirror what the source no longer has. */
export function reconcileSignal(collections: string[]): Document {
  return { type: "execute-snapshot", data: { "data-collections": collections, reconcile: true } };
}

function appUrl(ctx: StepContext): string {
  return `${ctx.adminApiUrl}/groups/${ctx.groupId || "<project id>"}/apps/${ctx.appId || "<app id>"}`;
}

function loginStep(ctx: StepContext): string {
  return (
    `Admin API, log in: TOKEN=$(curl -s -X POST ${ctx.adminApiUrl}/auth/providers/mongodb-cloud/login ` +
    `-H 'Content-Type: application/json' -d '{"username":"<public key>","apiKey":"<private key>"}' | jq -r .access_token)`
  );
}

function atlasUi(ctx: StepContext): string {
  return `Atlas UI: project ${ctx.groupId || "<project id>"} → Triggers`;
}

/** Resume a suspended trigger by hand, then reconcile if events were skipped. */
export function resumeSteps(
  ctx: StepContext,
  trigger: { name: string; id: string | null; historyLost: boolean; collections: string[] },
): string[] {
  const steps = [
    `${atlasUi(ctx)} → ${trigger.name} (Status: Suspended) → Restart → ` +
      (trigger.historyLost
        ? "restart WITHOUT the resume token (it has left the oplog) → Resume Database Trigger"
        : "restart with the resume token → Resume Database Trigger; if it is suspended again with ChangeStreamHistoryLost, restart it without the token"),
    loginStep(ctx),
  ];
  if (!trigger.id)
    steps.push(
      `Admin API, find it: ID=$(curl -s ${appUrl(ctx)}/triggers -H "Authorization: Bearer $TOKEN" | jq -r '.[] | select(.name=="${trigger.name}") | ._id')`,
    );
  steps.push(
    `Admin API, resume it: curl -X PUT ${appUrl(ctx)}/triggers/${trigger.id || "$ID"}/resume -H "Authorization: Bearer $TOKEN" ` +
      `-H 'Content-Type: application/json' -d '{"disable_token": ${trigger.historyLost}}'` +
      (trigger.historyLost ? "" : ` (suspended again with ChangeStreamHistoryLost? send {"disable_token": true})`),
  );
  if (trigger.collections.length > 0)
    steps.push(
      reconcileStep(
        ctx,
        trigger.collections,
        trigger.historyLost ? "Then" : "If it was resumed without the token, then",
      ),
    );
  if (!ctx.adminConfigured || !ctx.autoResume) steps.push(automateStep(ctx));
  return steps;
}

/** Enable a disabled trigger, then reconcile. */
export function enableSteps(ctx: StepContext, trigger: { name: string; collections: string[] }): string[] {
  return [
    `${atlasUi(ctx)} → ${trigger.name} → Enabled on → Save (or "disabled": false in triggers/${trigger.name}.json, then deploy)`,
    ...(trigger.collections.length > 0
      ? [reconcileStep(ctx, trigger.collections, "Then, since its changes were not captured meanwhile,")]
      : []),
  ];
}

export function reconcileStep(ctx: StepContext, collections: string[], lead: string): string {
  const signal = JSON.stringify(reconcileSignal(collections)).replace(/"(type|data)":/g, "$1: ");
  return (
    `${lead} insert a reconcile signal (re-sends the documents and removes from the mirror what the gap deleted): ` +
    `db.getSiblingDB("${ctx.signalDatabase}").getCollection("${ctx.signalCollection}").insertOne(${signal})`
  );
}

export function automateStep(ctx: StepContext): string {
  return ctx.adminConfigured
    ? "To let the heartbeat resume and reconcile by itself: set the value CAPTURE_AUTO_RESUME to true (the API key then needs the Project Owner role)"
    : "To let the heartbeat watch every trigger (and, with CAPTURE_AUTO_RESUME, resume and reconcile by itself): give the secrets adminApiPublicKey/adminApiPrivateKey an Atlas programmatic API key (docs/capture.md#setting-up-the-admin-api-key)";
}

/** A stalled stream: which trigger stopped is unknown without the Admin API. */
export function stalledStreamSteps(ctx: StepContext, outboxDepth: number): string[] {
  const heartbeat = `${ctx.heartbeatDatabase}.${ctx.heartbeatCollection}`;
  if (ctx.adminConfigured)
    return [
      outboxDepth > 0
        ? "No capture trigger has failed (no TRIGGER_FAILURE logged, executions moving), but the outbox grows: Kinesis refuses puts (npm run status shows the outbox's errors: throttling, credentials)"
        : "No capture trigger has failed (no TRIGGER_FAILURE logged, executions moving): look at the heartbeat trigger's logs in Atlas (Logs → Triggers) and at Kinesis",
    ];
  const captured: string[] = [];
  ctx.captured.forEach((namespace) => {
    if (namespace !== heartbeat) captured.push(namespace);
  });
  return [
    `${atlasUi(ctx)}: restart every capture_* trigger whose Status is Suspended (the heartbeat's own is ` +
      `${captureTriggerName(ctx.heartbeatDatabase, ctx.heartbeatCollection)}), without the resume token if its error is ChangeStreamHistoryLost`,
    loginStep(ctx),
    `Admin API, see which failed and why: curl -s "${appUrl(ctx)}/logs?type=TRIGGER_FAILURE&errors_only=true" -H "Authorization: Bearer $TOKEN" ` +
      `(event_subscription_id is the trigger's _id); for each suspended one: ` +
      `curl -X PUT ${appUrl(ctx)}/triggers/<its _id>/resume -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"disable_token": true}'`,
    ...(captured.length > 0 ? [reconcileStep(ctx, captured.sort(), "After any restart without the token,")] : []),
    ...(outboxDepth > 0
      ? ["If no trigger is suspended: the outbox is growing, so Kinesis refuses puts (npm run status shows its errors)"]
      : []),
    automateStep(ctx),
  ];
}

export function adminApiSteps(ctx: StepContext, kind: AdminApiErrorKind): string[] {
  if (kind === "unauthorized")
    return [
      "Check the secrets adminApiPublicKey/adminApiPrivateKey: an Atlas programmatic API key of this project (Project Read Only to watch: triggers, executions, logs; Project Owner to resume) whose access list admits App Services",
    ];
  if (kind === "not_found")
    return [
      `Check ADMIN_API_GROUP_ID and ADMIN_API_APP_ID (now ${ctx.groupId || "unset"} and ${ctx.appId || "unset"}): the project id and the App's ObjectId _id, not its client app id`,
    ];
  return [`Check that ${ctx.adminApiUrl} is reachable from App Services; the next heartbeat tries again`];
}
