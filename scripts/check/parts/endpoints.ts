/**
 * HTTPS endpoints: http_endpoints/config.json (20210101) or https_endpoints/config.json (App Services CLI),
 * the Data API's settings beside them, and realm-cli's HTTP services with incoming webhooks.
 */
import { type App, needFunction, record, retired } from "../app";
import { schemas } from "../schemas";
import { checkWebhooks } from "./services";

export function checkEndpoints(app: App): void {
  const folder = app.layout === "appservices" ? "https_endpoints" : "http_endpoints";
  const other = app.layout === "appservices" ? "http_endpoints" : "https_endpoints";
  if (app.files.exists(other))
    app.files.warn(
      `${other}/: belongs to the other layout; this app is ${app.layout === "appservices" ? "root_config.json (reads https_endpoints/)" : "realm_config.json (reads http_endpoints/)"}`,
    );
  const path = `${folder}/config.json`;
  const endpoints = app.files.exists(path) ? app.files.read(path) : [];
  app.files.validate(path, endpoints, schemas.endpoints);
  const routes = new Set<string>();
  (Array.isArray(endpoints) ? endpoints : []).forEach((entry, i) => {
    const e = record(entry);
    const route = `${String(e.http_method)} ${String(e.route)}`;
    if (typeof e.route === "string" && routes.has(route))
      app.files.fail(`${path}: [${i}] ${route} is defined twice (the route and method must be unique)`);
    routes.add(route);
    needFunction(app, path, `[${i}].function_name`, e.function_name);
    if (typeof e.validation_method === "string" && e.validation_method !== "NO_VALIDATION" && !e.secret_name)
      app.files.fail(`${path}: [${i}].secret_name is required with ${e.validation_method}`);
  });

  for (const dir of [folder, other]) {
    const dataApi = `${dir}/data_api_config.json`;
    // Pulls write the Data API's settings whether or not it was used; only an enabled one was served.
    const config = app.files.read(dataApi);
    if (config !== undefined && record(config).disabled !== true) retired(app, dataApi, "the Data API");
    for (const service of app.files.entries(dir, "folders")) {
      retired(app, `${dir}/${service}`, "HTTP services with incoming webhooks");
      checkWebhooks(app, `${dir}/${service}`);
    }
  }
}
