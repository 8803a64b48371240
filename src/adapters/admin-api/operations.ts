/**
 * The App Services Admin API v3 operations this project calls (the heartbeat, `npm run deploy`) and
 * its local stand-in serves: the spec's operationId, HTTP method and path below the base URL
 * (`…/api/admin/v3.0`), as in the published OpenAPI spec (mongodb/docs-app-services,
 * `source/openapi-admin-v3.yaml`). One home for the paths; the schemas of each operation's query,
 * body and answers are in admin-api-v3.schemas.ts. Small on purpose: the heartbeat bundles it.
 */
export const ADMIN_API_OPERATIONS = {
  adminLogin: { method: "POST", path: "/auth/providers/mongodb-cloud/login" },
  adminListApplications: { method: "GET", path: "/groups/{groupId}/apps" },
  adminListFunctions: { method: "GET", path: "/groups/{groupId}/apps/{appId}/functions" },
  adminCreateFunction: { method: "POST", path: "/groups/{groupId}/apps/{appId}/functions" },
  adminGetFunction: { method: "GET", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminUpdateFunction: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminDeleteFunction: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/functions/{functionId}" },
  adminListTriggers: { method: "GET", path: "/groups/{groupId}/apps/{appId}/triggers" },
  adminCreateTrigger: { method: "POST", path: "/groups/{groupId}/apps/{appId}/triggers" },
  adminUpdateTrigger: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}" },
  adminDeleteTrigger: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}" },
  adminResumeTrigger: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/triggers/{triggerId}/resume" },
  adminListValues: { method: "GET", path: "/groups/{groupId}/apps/{appId}/values" },
  adminCreateValue: { method: "POST", path: "/groups/{groupId}/apps/{appId}/values" },
  adminGetValue: { method: "GET", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminUpdateValue: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminDeleteValue: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/values/{valueId}" },
  adminGetAllSecrets: { method: "GET", path: "/groups/{groupId}/apps/{appId}/secrets" },
  adminCreateASecret: { method: "POST", path: "/groups/{groupId}/apps/{appId}/secrets" },
  adminModifyASecret: { method: "PUT", path: "/groups/{groupId}/apps/{appId}/secrets/{secretId}" },
  adminListServices: { method: "GET", path: "/groups/{groupId}/apps/{appId}/services" },
  adminCreateService: { method: "POST", path: "/groups/{groupId}/apps/{appId}/services" },
  adminGetServiceConfig: { method: "GET", path: "/groups/{groupId}/apps/{appId}/services/{serviceId}/config" },
  adminUpdateServiceConfig: { method: "PATCH", path: "/groups/{groupId}/apps/{appId}/services/{serviceId}/config" },
  adminListDeploymentDrafts: { method: "GET", path: "/groups/{groupId}/apps/{appId}/drafts" },
  adminCreateDeploymentDraft: { method: "POST", path: "/groups/{groupId}/apps/{appId}/drafts" },
  adminDiscardDraft: { method: "DELETE", path: "/groups/{groupId}/apps/{appId}/drafts/{draftId}" },
  adminDeployDraft: { method: "POST", path: "/groups/{groupId}/apps/{appId}/drafts/{draftId}/deployment" },
  adminListDeployments: { method: "GET", path: "/groups/{groupId}/apps/{appId}/deployments" },
  adminGetDeployment: { method: "GET", path: "/groups/{groupId}/apps/{appId}/deployments/{deploymentId}" },
  adminGetLatestEventSubscriptionExecution: {
    method: "GET",
    path: "/groups/{groupId}/apps/{appId}/event_subscriptions/{eventSubscriptionId}/execution",
  },
  adminGetLogs: { method: "GET", path: "/groups/{groupId}/apps/{appId}/logs" },
} as const;

export type AdminApiOperationId = keyof typeof ADMIN_API_OPERATIONS;

/** Path parameters by name (groupId, appId, triggerId, …). */
export type PathParams = Readonly<Record<string, string>>;

/** The path of an operation with its parameters filled in (each one encoded), e.g. `/groups/p/apps/a/triggers`. */
export function operationPath(operation: AdminApiOperationId, params: PathParams): string {
  return ADMIN_API_OPERATIONS[operation].path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === "") throw new Error(`${operation}: the path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
}

/** The query string of a request (`?a=1&b=2`), or "" when there is none; undefined entries are left out. */
export function queryString(query: Readonly<Record<string, string | undefined>> | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  Object.keys(query).forEach((key) => {
    const value = query[key];
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  });
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/**
 * Which operation a method and path (below the base URL, without its query) is, with its path
 * parameters; undefined when it is none of ours. The stand-in routes with it.
 */
export function matchOperation(
  method: string,
  path: string,
): { operation: AdminApiOperationId; params: Record<string, string> } | undefined {
  const segments = path.split("/");
  for (const operation of Object.keys(ADMIN_API_OPERATIONS) as AdminApiOperationId[]) {
    const spec = ADMIN_API_OPERATIONS[operation];
    if (spec.method !== method) continue;
    const pattern = spec.path.split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const name = /^\{([A-Za-z]+)\}$/.exec(part);
      if (!name) return part === segments[i];
      if (segments[i] === "") return false;
      params[name[1]] = safeDecode(segments[i]);
      return true;
    });
    if (matches) return { operation, params };
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
