import {
  cloneConfig,
  deploymentAnswer,
  newId,
  nowSeconds,
  type StandInApp,
  type StoredDeployment,
  type StoredDraft,
} from "./app-store";
import { refuse, type Answer } from "./config-routes";

/**
 * Drafts and deployments as the reference describes them: one draft per user (a second is refused
 * with 409 "Draft already exists"); a draft is a copy of the deployed configuration that the user's
 * writes change; deploying it answers 201 with a Deployment, which the stand-in reports `pending`
 * for `pendingPolls` reads before it is `successful` (then the draft's configuration is what is
 * deployed) or `failed` (then nothing of it is). Status names as realm-cli reads them (the spec
 * gives none). Discarding drops the draft.
 */
export interface DeployRequest {
  app: StandInApp;
  userId: string;
  params: Readonly<Record<string, string>>;
  body: Record<string, unknown>;
  pendingPolls: number;
}

function draftAnswer(app: StandInApp, draft: StoredDraft): Record<string, unknown> {
  return { _id: draft._id, user_id: draft.user_id, app: app.instance };
}

export const deployRoutes = {
  listDrafts: ({ app, userId }: DeployRequest): Answer => {
    const draft = app.drafts.find((d) => d.user_id === userId);
    return { status: 200, body: draft ? draftAnswer(app, draft) : {} };
  },
  createDraft: ({ app, userId }: DeployRequest): Answer => {
    if (app.drafts.some((d) => d.user_id === userId))
      return refuse(409, "a draft already exists for this user: deploy or discard it first");
    const draft = { _id: newId(), user_id: userId, config: cloneConfig(app.deployed) };
    app.drafts.push(draft);
    return { status: 201, body: draftAnswer(app, draft) };
  },
  discardDraft: ({ app, params }: DeployRequest): Answer => {
    const index = app.drafts.findIndex((d) => d._id === params.draftId);
    if (index < 0) return refuse(404, `draft ${params.draftId} not found`);
    app.drafts.splice(index, 1);
    return { status: 204 };
  },
  deployDraft: ({ app, params, body, userId, pendingPolls }: DeployRequest): Answer => {
    const index = app.drafts.findIndex((d) => d._id === params.draftId);
    if (index < 0) return refuse(404, `draft ${params.draftId} not found`);
    const [draft] = app.drafts.splice(index, 1);
    const _id = newId();
    const deployment: StoredDeployment = {
      _id,
      name: typeof body.name === "string" && body.name !== "" ? body.name : _id,
      app_id: app.instance._id,
      draft_id: draft._id,
      user_id: userId,
      deployed_at: nowSeconds(),
      origin: "API",
      status: "created",
      config: draft.config,
      pendingPolls,
      failWith: app.failNextDeployment,
    };
    app.failNextDeployment = undefined;
    app.deployments.unshift(deployment);
    return { status: 201, body: deploymentAnswer(deployment) };
  },
  listDeployments: ({ app }: DeployRequest): Answer => ({
    status: 200,
    body: app.deployments.slice(0, 25).map(deploymentAnswer),
  }),
  getDeployment: ({ app, params }: DeployRequest): Answer => {
    const deployment = app.deployments.find((d) => d._id === params.deploymentId);
    if (!deployment) return refuse(404, "deployment not found", "DeploymentNotFound");
    advance(app, deployment);
    return { status: 200, body: deploymentAnswer(deployment) };
  },
};

/** A read of a deployment moves it on: created → pending (for a few reads) → successful or failed. */
function advance(app: StandInApp, deployment: StoredDeployment): void {
  if (deployment.status === "successful" || deployment.status === "failed") return;
  if (deployment.pendingPolls > 0) {
    deployment.pendingPolls--;
    deployment.status = "pending";
    return;
  }
  if (deployment.failWith) {
    deployment.status = "failed";
    deployment.status_error_message = deployment.failWith;
    return;
  }
  deployment.status = "successful";
  app.deployed = deployment.config;
  app.instance.last_modified = nowSeconds();
}
