import { AdminApiError } from "../../core/capture/health/trigger-admin";
import type { HttpRequester } from "../http/node-transport";
import {
  answerError,
  createAdminApiSession,
  parseJson,
  type AdminApiRequest,
  type AdminApiSessionSettings,
} from "./admin-api-session";
import type { AdminApiOperationId } from "./operations";

/** An app of a project, as `adminListApplications` lists it (the fields read here). */
export interface RemoteAppInstance {
  _id: string;
  client_app_id: string;
  name: string;
  group_id?: string;
  product?: string;
}

export interface RemoteFunction {
  _id: string;
  name: string;
  private?: boolean;
  source?: string;
  run_as_system?: boolean;
  disable_arg_logs?: boolean;
}

export interface RemoteTrigger {
  _id: string;
  name: string;
  type: string;
  disabled?: boolean;
  config: Record<string, unknown>;
  function_id?: string;
  function_name?: string;
  event_processors?: { FUNCTION?: { config?: { function_id?: string; function_name?: string } } };
}

export interface RemoteValue {
  _id: string;
  name: string;
  private?: boolean;
  from_secret?: boolean;
  value?: unknown;
}

export interface RemoteService {
  _id: string;
  name: string;
  type: string;
}

export interface RemoteDraft {
  _id: string;
  user_id?: string;
}

export interface RemoteDeployment {
  _id: string;
  name?: string;
  status?: string;
  status_error_message?: string;
  deployed_at?: number;
  draft_id?: string;
}

export interface AppRef {
  readonly groupId: string;
  readonly appId: string;
}

/**
 * The Admin API calls `npm run deploy` makes, one method per operation of the reference (paths in
 * operations.ts, bodies as its schemas describe them). Each answer status other than the documented
 * success becomes an AdminApiError keeping the status and `error_code` (401, 403, 404, 409 mean
 * different things to a deploy). Secret values go into request bodies only, never into a message.
 */
export function createAppAdminClient(settings: AdminApiSessionSettings, http: HttpRequester) {
  const session = createAdminApiSession(settings, http);
  const call = async <T>(operation: AdminApiOperationId, request: AdminApiRequest, ok: number[]): Promise<T> => {
    const answer = await session.call(operation, request);
    if (ok.indexOf(answer.status) === -1) throw answerError(session.describe(operation, request.params), answer);
    if (answer.body.trim() === "") return undefined as T;
    const parsed = parseJson(answer.body);
    if (parsed === undefined)
      throw new AdminApiError(
        "failed",
        `${session.describe(operation, request.params)} did not answer JSON`,
        answer.status,
      );
    return parsed as T;
  };
  const at = (app: AppRef, extra: Record<string, string> = {}) => ({ params: { ...app, ...extra } });
  const withBody = (app: AppRef, extra: Record<string, string>, body: unknown) => ({ ...at(app, extra), body });
  return {
    listApps: (groupId: string) =>
      call<RemoteAppInstance[]>(
        "adminListApplications",
        { params: { groupId }, query: { product: "standard,atlas" } },
        [200],
      ),

    listFunctions: (app: AppRef) => call<RemoteFunction[]>("adminListFunctions", at(app), [200]),
    getFunction: (app: AppRef, functionId: string) =>
      call<RemoteFunction>("adminGetFunction", at(app, { functionId }), [200]),
    createFunction: (app: AppRef, body: object) =>
      call<{ _id: string; name: string }>("adminCreateFunction", withBody(app, {}, body), [201]),
    updateFunction: (app: AppRef, functionId: string, body: object) =>
      call<unknown>("adminUpdateFunction", withBody(app, { functionId }, body), [200, 204]),
    deleteFunction: (app: AppRef, functionId: string) =>
      call<unknown>("adminDeleteFunction", at(app, { functionId }), [204, 200]),

    listTriggers: (app: AppRef) => call<RemoteTrigger[]>("adminListTriggers", at(app), [200]),
    createTrigger: (app: AppRef, body: object) =>
      call<RemoteTrigger>("adminCreateTrigger", withBody(app, {}, body), [201]),
    updateTrigger: (app: AppRef, triggerId: string, body: object) =>
      call<unknown>("adminUpdateTrigger", withBody(app, { triggerId }, body), [204, 200]),
    deleteTrigger: (app: AppRef, triggerId: string) =>
      call<unknown>("adminDeleteTrigger", at(app, { triggerId }), [200, 204]),

    listValues: (app: AppRef) => call<RemoteValue[]>("adminListValues", at(app), [200]),
    getValue: (app: AppRef, valueId: string) => call<RemoteValue>("adminGetValue", at(app, { valueId }), [200]),
    createValue: (app: AppRef, body: object) => call<unknown>("adminCreateValue", withBody(app, {}, body), [201]),
    updateValue: (app: AppRef, valueId: string, body: object) =>
      call<unknown>("adminUpdateValue", withBody(app, { valueId }, body), [200, 204]),
    deleteValue: (app: AppRef, valueId: string) => call<unknown>("adminDeleteValue", at(app, { valueId }), [204, 200]),

    listSecrets: (app: AppRef) => call<{ _id: string; name: string }[]>("adminGetAllSecrets", at(app), [200]),
    createSecret: (app: AppRef, name: string, value: string) =>
      call<{ _id: string }>("adminCreateASecret", withBody(app, {}, { name, value }), [201]),
    modifySecret: (app: AppRef, secretId: string, name: string, value: string) =>
      call<unknown>("adminModifyASecret", withBody(app, { secretId }, { _id: secretId, name, value }), [204, 200]),

    listServices: (app: AppRef) => call<RemoteService[]>("adminListServices", at(app), [200]),
    getServiceConfig: (app: AppRef, serviceId: string) =>
      call<Record<string, unknown>>("adminGetServiceConfig", at(app, { serviceId }), [200]),
    createService: (app: AppRef, body: object) =>
      call<{ _id: string }>("adminCreateService", withBody(app, {}, body), [201]),
    updateServiceConfig: (app: AppRef, serviceId: string, config: object) =>
      call<unknown>("adminUpdateServiceConfig", withBody(app, { serviceId }, config), [204, 200]),

    /** The user's current draft, if any (the spec answers one object, realm-cli reads an array: both are read). */
    currentDraft: async (app: AppRef): Promise<RemoteDraft | null> => {
      const answer = await call<unknown>("adminListDeploymentDrafts", at(app), [200]);
      const first = Array.isArray(answer) ? answer[0] : answer;
      return first && typeof first === "object" && typeof (first as RemoteDraft)._id === "string"
        ? (first as RemoteDraft)
        : null;
    },
    createDraft: (app: AppRef) => call<RemoteDraft>("adminCreateDeploymentDraft", at(app), [201]),
    discardDraft: (app: AppRef, draftId: string) =>
      call<unknown>("adminDiscardDraft", at(app, { draftId }), [204, 200]),
    deployDraft: (app: AppRef, draftId: string, name: string) =>
      call<RemoteDeployment>("adminDeployDraft", withBody(app, { draftId }, { name }), [201, 200]),
    listDeployments: (app: AppRef) => call<RemoteDeployment[]>("adminListDeployments", at(app), [200]),
    getDeployment: (app: AppRef, deploymentId: string) =>
      call<RemoteDeployment>("adminGetDeployment", at(app, { deploymentId }), [200]),
  };
}

export type AppAdminClient = ReturnType<typeof createAppAdminClient>;
