/** hosting/config.json (older layouts: the root file's `hosting`); pulls write {"enabled": false} when unused. */
import { type App, record, retired } from "../app";
import { schemas } from "../schemas";

export function checkHosting(app: App, fromRootFile?: unknown): void {
  const path = "hosting/config.json";
  const config = fromRootFile ?? (app.files.exists(path) ? app.files.read(path) : undefined);
  if (fromRootFile === undefined) app.files.validate(path, config, schemas.hosting);
  if (record(config).enabled === true) retired(app, "hosting", "Static Hosting");
}
