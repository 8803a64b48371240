/** environments/<name>.json: per-environment values; pulls write all five, each {"values": {}} when unused. */
import type { App } from "../app";
import { schemas } from "../schemas";

/** The environments App Services defines (reference/config/environments). */
const ENVIRONMENT_FILES = ["no-environment.json", "development.json", "testing.json", "qa.json", "production.json"];

export function checkEnvironments(app: App): void {
  for (const file of app.files.jsonFiles("environments")) {
    const path = `environments/${file}`;
    app.files.validate(path, app.files.read(path), schemas.environment);
    // The reference lists five; whether a push refuses another name is not documented.
    if (!ENVIRONMENT_FILES.includes(file))
      app.files.warn(`${path}: not an environment App Services defines (${ENVIRONMENT_FILES.join(", ")})`);
  }
}
