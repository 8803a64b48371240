/**
 * What `appservices pull` and `realm-cli pull` write for the parts an app never configured, seen in the
 * published apps of test/fixtures/apps/SOURCES.md: such a part is neither an error nor a warning, and
 * `npm run pull` does not list it.
 */
import { type AppFiles, type Json, record } from "./app";

/** Device Sync was set up (running or not): a type, a partition or a state; never configured is {"development_mode_enabled": false}. */
export function syncConfigured(sync: Json): boolean {
  return sync.type !== undefined || sync.partition !== undefined || Boolean(sync.state);
}

/** Whether each part of the folder holds more than the shapes a pull writes for a part never configured. */
const CONFIGURED: Record<string, (files: AppFiles) => boolean> = {
  sync: (files) => syncConfigured(record(files.read("sync/config.json"))),
  // {} or a disabled api-key provider, and {"enabled": false} for custom user data.
  auth: (files) =>
    enabledProviders(Object.values(record(files.read("auth/providers.json")))).length > 0 ||
    record(files.read("auth/custom_user_data.json")).enabled === true,
  // config.json and validation_settings.json come with every app; custom resolvers are the app's own.
  graphql: (files) => files.jsonFiles("graphql/custom_resolvers").length > 0,
  // {"enabled": false}; an older pull may add an empty metadata.json.
  hosting: (files) =>
    record(files.read("hosting/config.json")).enabled === true || files.entries("hosting/files").length > 0,
  // All five environments, each {"values": {}}.
  environments: (files) =>
    files
      .jsonFiles("environments")
      .some((f) => Object.keys(record(record(files.read(`environments/${f}`)).values)).length > 0),
  log_forwarders: (files) => files.jsonFiles("log_forwarders").length > 0,
};

/** False when `folder` holds only what a pull writes for a part the app never configured. */
export function partConfigured(files: AppFiles, folder: string): boolean {
  const configured = CONFIGURED[folder];
  return configured ? configured(files) : files.exists(folder);
}

/** The types of the providers that are not disabled. */
export function enabledProviders(providers: unknown[]): string[] {
  return providers
    .map(record)
    .filter((p) => p.disabled !== true && typeof p.type === "string")
    .map((p) => String(p.type));
}
