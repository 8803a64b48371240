/**
 * services/<name>/: before 20210101 the linked clusters lived here beside the third-party services
 * (HTTP, AWS, Twilio, ...), which ended on 2025-09-30 and may still sit in a 20210101 export.
 */
import { type App, isOlder, record, retired } from "../app";
import { schemas } from "../schemas";
import { syncConfigured } from "../unconfigured";

const MONGODB_SERVICES = ["mongodb-atlas", "datalake", "mongodb"];

export function checkServices(app: App): void {
  const older = isOlder(app.layout);
  for (const dir of app.files.entries("services", "folders")) {
    const path = `services/${dir}/config.json`;
    if (!app.files.exists(path)) {
      app.files.warn(`services/${dir}/: no config.json; not read as a service`);
      continue;
    }
    const service = app.files.read(path);
    if (service === undefined && older) app.dataSources.complete = false;
    const s = record(service);
    if (older && MONGODB_SERVICES.includes(String(s.type))) {
      app.files.validate(path, service, schemas.legacyDataSource);
      app.dataSources.add(s.name);
      // 20200603 kept partition-based sync inside the cluster's service configuration.
      if (syncConfigured(record(record(s.config).sync))) retired(app, `services/${dir}`, "Device Sync");
      continue;
    }
    if (MONGODB_SERVICES.includes(String(s.type))) {
      app.files.warn(`services/${dir}: a linked cluster is a data source (data_sources/) in this layout; not read`);
      continue;
    }
    if (!app.files.validate(path, service, schemas.service)) continue;
    retired(app, `services/${dir}`, `third-party services (this one: ${String(s.type)})`);
    checkWebhooks(app, `services/${dir}`);
  }
}

/** Incoming webhooks of an HTTP service: realm-cli pushes each as its config.json and source.js. */
export function checkWebhooks(app: App, service: string): void {
  for (const hook of app.files.entries(`${service}/incoming_webhooks`, "folders")) {
    const folder = `${service}/incoming_webhooks/${hook}`;
    for (const file of ["config.json", "source.js"])
      if (!app.files.exists(`${folder}/${file}`))
        app.files.fail(`${folder}/${file}: missing (a webhook is pushed as both files)`);
    app.files.read(`${folder}/config.json`);
  }
}
