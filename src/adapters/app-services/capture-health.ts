import type { CaptureHealthDeps } from "../../core/capture/health/capture-health";
import { readCaptureHealthConfig, type CaptureHealthConfig } from "../../core/capture/health/health-config";
import type { CaptureCheckHandoff } from "../../core/capture/health/heartbeat";
import type { TriggerAdminPort } from "../../core/capture/health/trigger-admin";

import type { ValueReader } from "../../core/ports";
import { createAdminApiClient } from "../admin-api/admin-api-client";
import { captureStateFromContext } from "./capture-state";
import type { AppServicesContext } from "./globals";
import { sharedTransport } from "./transport";
import { captureErrors } from "../../core/capture/errors";

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

/** What the capture check (functions/checkCaptureHealth.js) needs, from the App Services context. */
export function captureCheckFromContext(ctx: AppServicesContext) {
  const state = captureStateFromContext(ctx);
  const { config: health, ...setup } = captureHealthFromContext(ctx);
  const deps: CaptureHealthDeps = {
    ...setup,
    config: state.config,
    health,
    status: state.status,
    signals: state.signals,
    dataSource: state.dataSource,
    bson: state.bson,
    clock: state.clock,
    logger: state.logger,
  };
  return { deps, heartbeat: state.heartbeat, outbox: state.outbox };
}

/**
 * The heartbeat's handoff from checkCaptureHealth's arguments (see heartbeat.ts in the App Services
 * adapter: the previous heartbeat's time in milliseconds or null, and the outbox depth); undefined
 * when it is called without any (run by hand). Numbers may arrive as BSON number wrappers after
 * EJSON, and a time as a date.
 */
export function captureCheckHandoff(args: readonly unknown[]): CaptureCheckHandoff | undefined {
  if (args.length === 0 || (args.length === 1 && args[0] === undefined)) return undefined;
  const [writtenAt, depth] = args;
  const at = writtenAt === null ? null : numberOf(writtenAt instanceof Date ? writtenAt.getTime() : writtenAt);
  const outboxDepth = numberOf(depth);
  if (at === undefined || outboxDepth === undefined || outboxDepth < 0 || outboxDepth % 1 !== 0)
    throw captureErrors.error(
      "capture_check_handoff_invalid",
      `checkCaptureHealth takes the previous heartbeat's time (milliseconds, a date or null) and the outbox depth (a whole number), not ${describeArguments(args)}`,
    );
  return { heartbeatWrittenAt: at === null ? null : new Date(at), outboxDepth };
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : value !== null && typeof value === "object" ? value.valueOf() : value;
  return typeof n === "number" && isFinite(n) ? n : undefined;
}

function describeArguments(args: readonly unknown[]): string {
  const text = args.map((a) => (a instanceof Date ? a.toISOString() : JSON.stringify(a) || String(a))).join(", ");
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
