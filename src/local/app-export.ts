import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { triggerEventFilter } from "./trigger-events";

export interface FunctionConfig {
  name: string;
  private?: boolean;
  run_as_system?: boolean;
}

export interface DatabaseTriggerConfig {
  service_name: string;
  database: string;
  /** Absent on a database-level trigger (the whole database). */
  collection?: string;
  operation_types: string[];
  full_document?: boolean;
  full_document_before_change?: boolean;
  match?: Record<string, unknown>;
  project?: Record<string, unknown>;
  unordered?: boolean;
}

export interface TriggerConfig {
  name: string;
  type: "DATABASE" | "SCHEDULED" | "AUTHENTICATION";
  disabled?: boolean;
  config: DatabaseTriggerConfig | { schedule: string; skip_catchup_events?: boolean };
  event_processors: { FUNCTION?: { config: { function_name: string } } };
}

export interface EndpointConfig {
  route: string;
  http_method: string;
  function_name: string;
  disabled?: boolean;
}

export interface ValueConfig {
  name: string;
  from_secret: boolean;
  value: unknown;
}

export interface AppExport {
  name: string;
  functions: FunctionConfig[];
  triggers: TriggerConfig[];
  endpoints: EndpointConfig[];
  values: ValueConfig[];
}

/** Reads an App Services export (20210101 layout) from `root`, naming the file of any problem. */
export function readAppExport(root: string): AppExport {
  const json = <T>(path: string): T => {
    const file = join(root, path);
    try {
      return JSON.parse(readFileSync(file, "utf8")) as T;
    } catch (error) {
      throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const folder = (path: string) =>
    existsSync(join(root, path))
      ? readdirSync(join(root, path))
          .filter((f) => f.endsWith(".json"))
          .sort()
      : [];
  const app = json<{ name?: string }>("realm_config.json");
  const functions = json<FunctionConfig[]>("functions/config.json");
  const triggerFiles = folder("triggers").map((file) => `triggers/${file}`);
  const triggers = triggerFiles.map((file) => json<TriggerConfig>(file));
  const endpoints = existsSync(join(root, "http_endpoints/config.json"))
    ? json<EndpointConfig[]>("http_endpoints/config.json")
    : [];
  const values = folder("values").map((file) => json<ValueConfig>(`values/${file}`));
  triggers.forEach((trigger, k) => {
    const target = trigger.event_processors?.FUNCTION?.config.function_name;
    if (!target || !functions.some((f) => f.name === target)) {
      throw new Error(`${triggerFiles[k]}: function "${String(target)}" is not in functions/config.json`);
    }
    // A match or project the runtime cannot apply fails here, before anything runs (trigger-events.ts).
    if (trigger.type === "DATABASE" && !trigger.disabled)
      triggerEventFilter(trigger.config as DatabaseTriggerConfig, triggerFiles[k]);
  });
  return { name: app.name || "app", functions, triggers, endpoints, values };
}

/**
 * Value name -> value as App Services would give it: plain values as written, `from_secret` values
 * looked up by secret name in `secrets` (undefined, and reported, when missing); overrides win.
 */
export function resolveValues(
  app: AppExport,
  secrets: Record<string, string>,
  overrides: Record<string, unknown> = {},
): { values: Map<string, unknown>; missingSecrets: string[] } {
  const values = new Map<string, unknown>();
  const missingSecrets: string[] = [];
  for (const value of app.values) {
    if (value.from_secret) {
      const secretName = String(value.value);
      if (secretName in secrets) values.set(value.name, secrets[secretName]);
      else if (!(value.name in overrides)) missingSecrets.push(`${value.name} (secret "${secretName}")`);
    } else {
      values.set(value.name, value.value);
    }
  }
  for (const [name, value] of Object.entries(overrides)) values.set(name, value);
  return { values, missingSecrets };
}

/** Where a local run's secrets live (git-ignored; local-secrets.example.json shows the shape). */
export const LOCAL_SECRETS_FILE = "local-secrets.json";

/**
 * The secrets file of a local run, {"secretName": "value"} as local-secrets.example.json shows: the
 * values/ entries with `from_secret` read their secret from it. Absent means none, unless `required`
 * (a file named on the command line). Every problem names the file.
 */
export function readLocalSecrets(
  root: string,
  file = LOCAL_SECRETS_FILE,
  options: { required?: boolean } = {},
): Record<string, string> {
  const path = isAbsolute(file) ? file : join(root, file);
  if (!existsSync(path)) {
    if (options.required) throw new Error(`${file}: no such file`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(
      `${file}: must be a JSON object of secret name to value, as in local-secrets.example.json; it holds ${kindOf(parsed)}`,
    );
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string")
      throw new Error(
        `${file}: secret "${name}" must be a string (App Services secrets are text); it is ${kindOf(value)}`,
      );
  }
  return parsed as Record<string, string>;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
