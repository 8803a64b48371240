import { readCaptureHealthConfig, type CaptureHealthConfig } from "../../core/capture/health-config";
import type { TriggerAdminPort } from "../../core/capture/trigger-admin";
import type { ValueReader } from "../../core/ports";
import { createAdminApiClient } from "../admin-api/admin-api-client";
import { sharedTransport } from "./capture";
import type { AppServicesContext } from "./globals";

export interface CaptureHealthSetup {
  readonly config: CaptureHealthConfig;
  readonly admin?: TriggerAdminPort;
  readonly groupId?: string;
  readonly appId?: string;
  readonly adminProblem?: string;
}

const adminClients: Record<string, TriggerAdminPort> = {};

/**
 * The heartbeat's capture check settings and, with an Admin API key, the client (kept per function
 * instance, so its access token is reused across runs). The project and app ids default to the
 * running app's own (`context.app.projectId`, `context.app.id`). A bad value does not stop the
 * heartbeat: the check runs on the defaults and reports the value.
 */
export function captureHealthFromContext(ctx: AppServicesContext): CaptureHealthSetup {
  const read: ValueReader = (name) => ctx.values.get(name);
  let config: CaptureHealthConfig;
  try {
    config = readCaptureHealthConfig(read);
  } catch (error) {
    return {
      config: readCaptureHealthConfig(() => undefined),
      adminProblem: `${error instanceof Error ? error.message : String(error)}; checking the stream only`,
    };
  }
  const groupId = config.groupId || (ctx.app && ctx.app.projectId) || undefined;
  const appId = config.appId || (ctx.app && ctx.app.id) || undefined;
  const { adminApiPublicKey: publicKey, adminApiPrivateKey: privateKey } = config;
  if (publicKey === undefined && privateKey === undefined) return { config, groupId, appId };
  if (publicKey === undefined || privateKey === undefined || !groupId || !appId) {
    const missing = [
      publicKey === undefined ? "ADMIN_API_PUBLIC_KEY" : "",
      privateKey === undefined ? "ADMIN_API_PRIVATE_KEY" : "",
      groupId ? "" : "ADMIN_API_GROUP_ID (no context.app.projectId either)",
      appId ? "" : "ADMIN_API_APP_ID (no context.app.id either)",
    ].filter(Boolean);
    return { config, groupId, appId, adminProblem: `the Admin API needs ${missing.join(", ")}` };
  }
  const key = [config.adminApiUrl, groupId, appId, publicKey, privateKey].join("\n");
  adminClients[key] =
    adminClients[key] ||
    createAdminApiClient(
      { baseUrl: config.adminApiUrl, publicKey, privateKey, groupId, appId, timeoutMs: 10_000 },
      sharedTransport(),
    );
  return { config, admin: adminClients[key], groupId, appId };
}
