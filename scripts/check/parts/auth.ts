/**
 * Authentication: auth/providers.json and auth/custom_user_data.json (older layouts: auth_providers/<name>.json
 * and the root file's custom_user_data_config). Providers may name functions.
 * A pull of an app that never set up authentication writes {} or a disabled api-key provider, and
 * {"enabled": false} for custom user data.
 */
import { type App, type Json, needDataSource, needFunction, record, retired } from "../app";
import { schemas } from "../schemas";
import { enabledProviders } from "../unconfigured";

export function checkAuth(app: App): void {
  const providers: [string, string, unknown][] = [];
  if (app.files.exists("auth/providers.json")) {
    const map = app.files.read("auth/providers.json");
    app.files.validate("auth/providers.json", map, schemas.authProviders);
    for (const [key, value] of Object.entries(record(map))) providers.push(["auth/providers.json", `${key}.`, value]);
  }
  for (const file of app.files.jsonFiles("auth_providers")) {
    const path = `auth_providers/${file}`;
    const value = app.files.read(path);
    app.files.validate(path, value, schemas.legacyAuthProvider);
    providers.push([path, "", value]);
  }
  for (const [path, field, value] of providers) {
    const config = record(record(value).config);
    needFunction(app, path, `${field}config.authFunctionName`, config.authFunctionName);
    if (config.runResetFunction === true)
      needFunction(app, path, `${field}config.resetFunctionName`, config.resetFunctionName);
    if (config.runConfirmationFunction === true)
      needFunction(app, path, `${field}config.confirmationFunctionName`, config.confirmationFunctionName);
  }
  const path = "auth/custom_user_data.json";
  if (app.files.exists(path)) {
    const custom = app.files.read(path);
    app.files.validate(path, custom, schemas.customUserData);
    checkCustomUserData(app, path, record(custom));
  }
  const enabled = [...new Set(enabledProviders(providers.map(([, , value]) => value)))];
  if (enabled.length > 0) retired(app, "auth", `App Services authentication (enabled here: ${enabled.join(", ")})`);
}

export function checkCustomUserData(app: App, path: string, custom: Json, field = ""): void {
  needFunction(app, path, `${field}on_user_creation_function_name`, custom.on_user_creation_function_name || undefined);
  needDataSource(app, path, `${field}mongo_service_name`, custom.mongo_service_name || undefined);
}
