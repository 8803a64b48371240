import { createAppAdminClient, type AppAdminClient, type AppRef } from "../../src/adapters/admin-api/app-admin-client";
import { createNodeTransport, type HttpRequester } from "../../src/adapters/http/node-transport";
import { AdminApiError } from "../../src/core/capture/health/trigger-admin";
import { applyPlan } from "./apply";
import { DeployError, redact } from "./errors";
import { PLACEHOLDER_CLUSTER, readDesiredApp, type DesiredApp } from "./local-app";
import { planDeploy, renderPlan, type Plan } from "./plan";
import { readDeployedApp } from "./remote-app";
import { SecretValues, type SecretSupply } from "./secrets";

/** What a deploy to App Services through the Admin API needs. */
export interface AppServicesDeployInput {
  /** The repository (the built export). */
  readonly root: string;
  /** The app: its name or client app id (or its `_id`). */
  readonly remote: string;
  readonly projectId: string;
  /** The Admin API's base URL (ADMIN_API_URL). */
  readonly baseUrl: string;
  /** An Atlas programmatic API key of the project (Project Owner to deploy). */
  readonly publicKey: string;
  readonly privateKey: string;
  readonly dryRun: boolean;
  /**
   * Where secret values come from, first match wins: values another step hands in (the AWS stack's
   * credentials), --secrets-file, the environment.
   */
  readonly secrets: readonly SecretSupply[];
  /** The deployment's name, e.g. the commit. */
  readonly deploymentName: string;
  readonly print: (line: string) => void;
  readonly http?: HttpRequester;
  readonly poll?: { readonly intervalMs: number; readonly timeoutMs: number };
}

export interface AppServicesDeployResult {
  readonly plan: Plan;
  /** The deployment made, if one was. */
  readonly deploymentId?: string;
}

/**
 * `npm run deploy -- --remote <app>`: reads the export and the deployed app, prints the plan, stops
 * on what would make a half-right app (the placeholder cluster, a secret without a value) before
 * writing anything, and applies the plan in one draft (apply.ts). A dry run and a deploy with nothing
 * to change write nothing. Failures are DeployErrors (their kind gives the exit code); no message
 * holds a secret value or the key.
 */
export async function deployToAppServices(input: AppServicesDeployInput): Promise<AppServicesDeployResult> {
  const secrets = new SecretValues(input.secrets);
  try {
    return await deploy(input, secrets);
  } catch (error) {
    throw asDeployError(error, input, secrets.all().concat([input.privateKey]));
  }
}

async function deploy(input: AppServicesDeployInput, secrets: SecretValues): Promise<AppServicesDeployResult> {
  const { print } = input;
  const desired = readDesiredApp(input.root);
  const client = createAppAdminClient(
    { baseUrl: input.baseUrl, publicKey: input.publicKey, privateKey: input.privateKey, timeoutMs: 30_000 },
    input.http ?? createNodeTransport(4),
  );
  const app = await findApp(client, input);
  const deployed = await readDeployedApp(client, app.ref);
  const plan = planDeploy(desired, deployed, secrets);
  print(
    `App ${app.name} (client app id ${app.clientAppId}, _id ${app.ref.appId}) in project ${input.projectId}, at ${input.baseUrl}`,
  );
  print(plan.changes.length === 0 ? "Plan: no change." : `Plan: ${plan.changes.length} change(s)`);
  for (const line of renderPlan(plan)) print(line);
  if (desired.endpoints > 0)
    print(
      `  not deployed: http_endpoints/ (${desired.endpoints}): HTTPS Endpoints ended on 2025-09-30; the webhook runs on its own host`,
    );
  stopOnBlockers(desired, plan);
  if (input.dryRun) {
    print("Dry run: nothing was written.");
    return { plan };
  }
  if (plan.changes.length === 0) {
    print(`Nothing to deploy: ${app.name} already matches the export; nothing was written.`);
    return { plan };
  }
  const previous = (await client.listDeployments(app.ref)).find((d) => d.status === "successful");
  const deployment = await applyPlan(client, app.ref, plan, desired, deployed, secrets, {
    deploymentName: input.deploymentName,
    pollIntervalMs: input.poll?.intervalMs ?? 2_000,
    pollTimeoutMs: input.poll?.timeoutMs ?? 10 * 60_000,
    print,
  });
  print(
    `Deployed: deployment ${deployment._id}${deployment.name ? ` (${deployment.name})` : ""} is ${deployment.status}.`,
  );
  if (previous)
    print(
      `To undo: deploy the previous commit again (docs/deploying.md#undo), or redeploy deployment ${previous._id}${previous.name ? ` (${previous.name})` : ""} in the Atlas UI (App Services → Deployment → History).`,
    );
  return { plan, deploymentId: deployment._id };
}

async function findApp(client: AppAdminClient, input: AppServicesDeployInput) {
  const apps = await client.listApps(input.projectId).catch((error: unknown) => {
    if (error instanceof AdminApiError && error.status === 404)
      throw new DeployError("app_not_found", `project ${input.projectId}: ${error.message}; nothing was written`);
    throw error;
  });
  const app = apps.find((a) => a.name === input.remote || a.client_app_id === input.remote || a._id === input.remote);
  if (!app)
    throw new DeployError(
      "app_not_found",
      `no app named or with client app id "${input.remote}" in project ${input.projectId}` +
        (apps.length > 0
          ? ` (its apps: ${apps.map((a) => `${a.name} (${a.client_app_id})`).join(", ")})`
          : " (it has none)") +
        `: create it in the Atlas UI (Triggers, or App Services → Create App) and deploy again; nothing was written`,
    );
  return {
    ref: { groupId: input.projectId, appId: app._id } as AppRef,
    name: app.name,
    clientAppId: app.client_app_id,
  };
}

/** What must be settled before any write: the cluster named, every secret the values name given or present. */
function stopOnBlockers(desired: DesiredApp, plan: Plan): void {
  const placeholder = desired.dataSources.find((d) => d.config.clusterName === PLACEHOLDER_CLUSTER);
  if (placeholder)
    throw new DeployError(
      "placeholder_cluster",
      `data_sources/${placeholder.name}/config.json names the placeholder cluster "${PLACEHOLDER_CLUSTER}": ` +
        "put your Atlas cluster's name in clusterName (Atlas UI → Database → Clusters), then deploy again; nothing was written",
    );
  if (plan.missingSecrets.length > 0)
    throw new DeployError(
      "secrets_missing",
      `${plan.missingSecrets.length} secret(s) missing, named by values but neither in the app nor given: ` +
        plan.missingSecrets.map((s) => `${s.name} (for ${s.usedBy.join(", ")})`).join(", ") +
        `. Give each as an environment variable of that name or in --secrets-file <path> ({"${plan.missingSecrets[0].name}": "…"}); nothing was written`,
    );
}

/** Any failure as a DeployError whose kind says what to do, without a secret in it. */
function asDeployError(error: unknown, input: AppServicesDeployInput, secrets: string[]): DeployError {
  if (error instanceof DeployError) return new DeployError(error.kind, redact(error.message, secrets));
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  if (error instanceof AdminApiError && error.status === 401)
    return new DeployError(
      "credentials",
      `the Atlas API key was refused (${message}): check MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY, and that the key's access list admits this machine`,
    );
  if (error instanceof AdminApiError && error.status === 403)
    return new DeployError(
      "credentials",
      `the Atlas API key lacks the role this needs (${message}): deploying needs Project Owner on project ${input.projectId} (Project Read Only can only read, e.g. --dry-run)`,
    );
  if (error instanceof AdminApiError && error.kind === "unreachable")
    return new DeployError(
      "failed",
      `the Admin API at ${input.baseUrl} did not answer (${message}); nothing was deployed`,
    );
  return new DeployError("failed", message);
}
