import { capturedNamespacesSetting } from "../../stream-format/captured-namespaces";
import type { ValueReader } from "../../ports";
import {
  credential,
  flag,
  httpUrl,
  optional,
  readSettings,
  setting,
  settingNames,
  text,
  wholeNumber,
} from "../../settings";

/** The App Services Admin API's address (formerly under realm.mongodb.com). */
export const ADMIN_API_DEFAULT_URL = "https://services.cloud.mongodb.com/api/admin/v3.0";

/**
 * How long a heartbeat may take to reach the stream before capture counts as stalled. A healthy
 * put takes well under a second; the publisher gives up on a put (and outboxes it) within about
 * 50 s of retries. With the heartbeat every minute, a stall shows at the second heartbeat after it
 * began, at most about 2 minutes later (see capture-health.ts).
 */
export const DEFAULT_STALL_AFTER_MS = 45_000;

/**
 * What the heartbeat needs to notice a stopped capture and heal it (capture-health.ts): the App
 * Services Admin API (an Atlas programmatic API key as two secrets; project and app ids, which
 * default to the running app's own), whether it may resume suspended triggers by itself, and when
 * a heartbeat missing from the stream counts as a stall.
 */
export const captureHealthSettings = {
  adminApiUrl: setting("ADMIN_API_URL", httpUrl, ADMIN_API_DEFAULT_URL),
  adminApiPublicKey: setting("ADMIN_API_PUBLIC_KEY", credential, undefined),
  adminApiPrivateKey: setting("ADMIN_API_PRIVATE_KEY", credential, undefined),
  /** The Atlas project (group) id; default: context.app.projectId. */
  groupId: optional("ADMIN_API_GROUP_ID", text),
  /** The App's ObjectId (not its client app id); default: context.app.id. */
  appId: optional("ADMIN_API_APP_ID", text),
  autoResume: setting("CAPTURE_AUTO_RESUME", flag, false),
  stallAfterMs: setting("CAPTURE_STALL_AFTER_MS", wholeNumber(1_000, 3_600_000), DEFAULT_STALL_AFTER_MS),
  /** Which namespaces are captured (generated from the capture list): what a reconcile re-reads. */
  captured: capturedNamespacesSetting,
};

/** The values only the heartbeat reads, besides the capture values. */
export const CAPTURE_HEALTH_VALUE_NAMES: readonly string[] = settingNames(captureHealthSettings);

export type CaptureHealthConfig = ReturnType<typeof readCaptureHealthConfig>;

export function readCaptureHealthConfig(read: ValueReader) {
  return readSettings(read, captureHealthSettings);
}
