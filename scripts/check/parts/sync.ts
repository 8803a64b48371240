/**
 * sync/config.json: Device Sync. A pull of an app that never configured it writes exactly
 * {"development_mode_enabled": false} (both CLIs); realm-cli wrote partition-based sync without a type.
 */
import { type App, needDataSource, record, retired } from "../app";
import { schemas } from "../schemas";
import { syncConfigured } from "../unconfigured";

export function checkSync(app: App): void {
  const path = "sync/config.json";
  if (!app.files.exists(path)) return;
  const sync = app.files.read(path);
  app.files.validate(path, sync, schemas.sync);
  const s = record(sync);
  needDataSource(app, path, "service_name", s.service_name || undefined);
  if (syncConfigured(s)) retired(app, "sync", "Device Sync");
}
