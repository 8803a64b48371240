/** environments/<name>.json: per-environment values; pulls write all five, each {"values": {}} when unused. */
import { type App, record } from "../app";
import { schemas } from "../schemas";
import { SECRET_LIKE } from "./values";

/** The environments App Services defines (reference/config/environments). */
const ENVIRONMENT_FILES = ["no-environment.json", "development.json", "testing.json", "qa.json", "production.json"];

export function checkEnvironments(app: App): void {
  for (const file of app.files.jsonFiles("environments")) {
    const path = `environments/${file}`;
    const environment = app.files.read(path);
    app.files.validate(path, environment, schemas.environment);
    // Environment values are plain text in the export, like plain values.
    for (const [name, value] of Object.entries(record(record(environment).values)))
      if (SECRET_LIKE.test(name) && typeof value === "string" && value !== "")
        app.files.warn(
          `${path}: values.${name} is named like a credential and is stored in the export; keep it in a secret`,
        );
    // The reference lists five; whether a push refuses another name is not documented.
    if (!ENVIRONMENT_FILES.includes(file))
      app.files.warn(`${path}: not an environment App Services defines (${ENVIRONMENT_FILES.join(", ")})`);
  }
}
