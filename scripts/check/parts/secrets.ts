/**
 * secrets.json (realm-cli's format holds secret values there) or a secrets/ folder: never part of this
 * project's export; in other apps a warning, and a failure only when realm-cli could not read it.
 */
import type { App } from "../app";

export function checkSecrets(app: App): void {
  const present = ["secrets.json", "secrets"].filter((p) => app.files.exists(p));
  if (present.length === 0) return;
  if (app.ours) {
    app.files.fail("secrets: secret values must never be in the export; create them with the CLI");
    return;
  }
  if (present.includes("secrets.json") && app.files.read("secrets.json") === undefined) return;
  app.files.warn(
    `${present[0]}: holds secret values in the app folder; keep them out of the repository (create them with the CLI)`,
  );
}
