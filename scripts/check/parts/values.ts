/** values/<name>.json: plain values and references to secrets. */
import { type App, record } from "../app";
import { schemas } from "../schemas";

/** Value names that hold credentials in this project's own export: they must come from a secret. */
export const SECRET_LIKE = /(access_?key|secret|password|token|api_?key|private_?key)/i;
/** Fields that hold a credential, inside an object a plain value holds. */
const CREDENTIAL_FIELD =
  /^(password|passwd|secret|client_?secret|private_?key|refresh_?token|access_?token|auth_?token|api_?key)$/i;

export function checkValues(app: App): void {
  for (const file of app.files.jsonFiles("values")) {
    const path = `values/${file}`;
    const value = app.files.read(path);
    if (value === undefined) continue;
    app.files.validate(path, value, schemas.value);
    const v = record(value);
    if (typeof v.name !== "string") continue;
    if (`${v.name}.json` !== file) {
      if (app.ours) app.files.fail(`${path}: name "${v.name}" must match the file name`);
      else
        app.files.warn(
          `${path}: name "${v.name}" is not the file name (App Services names the file after the value when it exports)`,
        );
    }
    if (app.values.has(v.name)) app.files.fail(`${path}: name "${v.name}" is used by another value`);
    app.values.set(v.name, { from_secret: v.from_secret === true, value: v.value });
    if (v.from_secret === true) continue;
    if (SECRET_LIKE.test(v.name) && v.value !== "" && v.value !== undefined && v.value !== null) {
      if (app.ours)
        app.files.fail(
          `${path}: value "${v.name}" holds a credential in the repository; make it from_secret: true and reference a secret`,
        );
      else if (typeof v.value === "string")
        app.files.warn(
          `${path}: value "${v.name}" is named like a credential and is stored in the export; if it is one, make it from_secret: true and reference a secret`,
        );
    }
    for (const leak of credentialsInUrls(v.value))
      app.files.warn(`${path}: value holds a URL with a credential in it (${leak}=…); keep it in a secret`);
    for (const field of credentialFields(v.value, "value"))
      app.files.warn(`${path}: ${field} holds a credential stored in the export; keep it in a secret`);
  }
}

/** Query parameters that carry a credential, in any string inside a plain value (as seen in a real export). */
function credentialsInUrls(value: unknown): string[] {
  if (typeof value === "string")
    return [...value.matchAll(/[?&]((?:api_?)?key|token|secret|password|sig(?:nature)?)=[^&\s]{8,}/gi)].map(
      (m) => m[1],
    );
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(credentialsInUrls);
  return [];
}

/** Fields named like a credential, with a string in them, inside a plain value's objects. */
function credentialFields(value: unknown, at: string): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === "string" && inner !== "" && CREDENTIAL_FIELD.test(key)
      ? [`${at}.${key}`]
      : credentialFields(inner, `${at}.${key}`),
  );
}
