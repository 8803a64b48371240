import type { AppAdminClient, AppRef, RemoteDeployment } from "../../src/adapters/admin-api/app-admin-client";
import { AdminApiError } from "../../src/core/capture/health/trigger-admin";
import { DeployError } from "./errors";
import type { DesiredApp, DesiredFunction, DesiredTrigger, DesiredValue } from "./local-app";
import type { Change, Plan } from "./plan";
import type { DeployedApp } from "./remote-app";
import type { SecretValues } from "./secrets";

export interface ApplyOptions {
  /** The deployment's name (e.g. the commit deployed). */
  readonly deploymentName: string;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly print: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Applies a plan in one deployment draft, as the reference's "Draft and Deploy a Group of Changes"
 * describes: create the draft (409: this key's user has one already), make every change (each write
 * goes into the draft), deploy the draft, and read the deployment until it is `successful` or
 * `failed`. On any failure before the deployment starts, the draft is discarded, so nothing of it is
 * deployed; a deployment that fails leaves the app as it was.
 */
export async function applyPlan(
  client: AppAdminClient,
  app: AppRef,
  plan: Plan,
  desired: DesiredApp,
  deployed: DeployedApp,
  secrets: SecretValues,
  options: ApplyOptions,
): Promise<RemoteDeployment> {
  const draft = await createDraft(client, app);
  options.print(`Draft ${draft} created; writing ${plan.changes.length} change(s) ...`);
  let deployment: RemoteDeployment;
  try {
    await writeChanges(client, app, plan, desired, deployed, secrets);
    deployment = await client.deployDraft(app, draft, options.deploymentName);
  } catch (error) {
    await discard(client, app, draft, options.print);
    throw error;
  }
  options.print(`Deploying the draft: deployment ${deployment._id} ...`);
  return waitForDeployment(client, app, deployment, options);
}

async function createDraft(client: AppAdminClient, app: AppRef): Promise<string> {
  try {
    return (await client.createDraft(app))._id;
  } catch (error) {
    if (!(error instanceof AdminApiError) || error.status !== 409) throw error;
    const existing = await client.currentDraft(app).catch(() => null);
    const created = existing && /^[0-9a-f]{24}$/.test(existing._id) ? createdAt(existing._id) : undefined;
    const discard = `curl -X DELETE <ADMIN_API_URL>/groups/${app.groupId}/apps/${app.appId}/drafts/${existing ? existing._id : "<draft id>"} -H "Authorization: Bearer $TOKEN"`;
    throw new DeployError(
      "draft_exists",
      `a deployment draft of this API key's user exists already${existing ? ` (${existing._id}${created ? `, created ${created}` : ""})` : ""}: ` +
        `another deploy is running with this key, or one was interrupted (App Services allows one draft per user). ` +
        `Nothing was written. If no other deploy is running, discard it in the Atlas UI (App Services → Deployment) or with ${discard}, then deploy again.`,
    );
  }
}

/** When an ObjectId was made (its first 4 bytes). */
function createdAt(objectId: string): string {
  return new Date(parseInt(objectId.slice(0, 8), 16) * 1000).toISOString();
}

async function discard(client: AppAdminClient, app: AppRef, draft: string, print: (line: string) => void) {
  try {
    await client.discardDraft(app, draft);
    print(`Draft ${draft} discarded: nothing of it was deployed.`);
  } catch (error) {
    print(
      `Draft ${draft} could not be discarded (${error instanceof Error ? error.message : String(error)}): ` +
        "it holds the changes written so far and is not deployed; discard it in the Atlas UI (App Services → Deployment).",
    );
  }
}

/** The writes, in an order every one of them can succeed in: what a later one names exists by then. */
async function writeChanges(
  client: AppAdminClient,
  app: AppRef,
  plan: Plan,
  desired: DesiredApp,
  deployed: DeployedApp,
  secrets: SecretValues,
): Promise<void> {
  const serviceIds = new Map(deployed.services.map((s) => [s.name, s._id]));
  const functionIds = new Map(deployed.functions.map((f) => [f.name, f._id]));
  const find = <T extends { name: string }>(list: T[], name: string) => list.find((x) => x.name === name) as T;
  for (const change of plan.changes) {
    const { part, action, name } = change;
    if (part === "data source") {
      const source = find(desired.dataSources, name);
      const body = { name: source.name, type: source.type, config: source.config };
      if (action === "create") serviceIds.set(name, (await client.createService(app, body))._id);
      else await client.updateServiceConfig(app, change.id as string, source.config);
    } else if (part === "secret") {
      const value = secrets.value(name) as string;
      if (action === "create") await client.createSecret(app, name, value);
      else await client.modifySecret(app, change.id as string, name, value);
    } else if (part === "function") await writeFunction(client, app, change, desired.functions, functionIds);
    else if (part === "value") await writeValue(client, app, change, find(desired.values, name));
    else await writeTrigger(client, app, change, desired.triggers, { serviceIds, functionIds });
  }
}

async function writeFunction(
  client: AppAdminClient,
  app: AppRef,
  change: Change,
  functions: DesiredFunction[],
  ids: Map<string, string>,
): Promise<void> {
  if (change.action === "delete") return void (await client.deleteFunction(app, change.id as string));
  const body = functions.find((f) => f.name === change.name) as DesiredFunction;
  if (change.action === "create") ids.set(change.name, (await client.createFunction(app, body))._id);
  else await client.updateFunction(app, change.id as string, body);
}

async function writeValue(
  client: AppAdminClient,
  app: AppRef,
  change: Change,
  value: DesiredValue | undefined,
): Promise<void> {
  if (change.action === "delete") return void (await client.deleteValue(app, change.id as string));
  const body = value as DesiredValue;
  if (change.action === "create") await client.createValue(app, body);
  else await client.updateValue(app, change.id as string, { _id: change.id, ...body });
}

async function writeTrigger(
  client: AppAdminClient,
  app: AppRef,
  change: Change,
  triggers: DesiredTrigger[],
  ids: { serviceIds: Map<string, string>; functionIds: Map<string, string> },
): Promise<void> {
  if (change.action === "delete") return void (await client.deleteTrigger(app, change.id as string));
  const trigger = triggers.find((t) => t.name === change.name) as DesiredTrigger;
  const body = triggerBody(trigger, ids);
  if (change.action === "create") await client.createTrigger(app, body);
  // In place: the same _id, so a database trigger keeps its resume point.
  else await client.updateTrigger(app, change.id as string, { _id: change.id, ...body });
}

/** A trigger file as the reference's TriggerConstructor: its data source and function by `_id`. */
export function triggerBody(
  trigger: DesiredTrigger,
  ids: { serviceIds: Map<string, string>; functionIds: Map<string, string> },
): Record<string, unknown> {
  const { service_name: serviceName, ...config } = trigger.config;
  const functionId = ids.functionIds.get(trigger.functionName);
  if (!functionId) throw new Error(`trigger ${trigger.name}: its function ${trigger.functionName} has no _id`);
  if (trigger.type === "DATABASE") {
    const serviceId = ids.serviceIds.get(String(serviceName));
    if (!serviceId) throw new Error(`trigger ${trigger.name}: its data source ${String(serviceName)} is not linked`);
    Object.assign(config, { service_id: serviceId });
  }
  return {
    name: trigger.name,
    type: trigger.type,
    disabled: trigger.disabled,
    config,
    event_processors: { FUNCTION: { config: { function_id: functionId, function_name: trigger.functionName } } },
  };
}

async function waitForDeployment(
  client: AppAdminClient,
  app: AppRef,
  started: RemoteDeployment,
  options: ApplyOptions,
): Promise<RemoteDeployment> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + options.pollTimeoutMs;
  let deployment = started;
  while (deployment.status !== "successful") {
    if (deployment.status === "failed")
      throw new DeployError(
        "failed",
        `deployment ${deployment._id} failed: ${deployment.status_error_message || "(no message)"}; the app is as it was before`,
      );
    if (Date.now() > deadline)
      throw new DeployError(
        "failed",
        `deployment ${deployment._id} is still ${deployment.status || "pending"} after ${Math.round(options.pollTimeoutMs / 1000)} s: see the Atlas UI (App Services → Deployment → History)`,
      );
    await sleep(options.pollIntervalMs);
    deployment = await client.getDeployment(app, started._id);
  }
  return deployment;
}
