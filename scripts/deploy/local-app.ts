import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What the repository's export says the app is, in the terms of the Admin API: functions with their
 * built source and settings, triggers (naming their data source and function by name), values and
 * the linked data source. HTTPS endpoints are counted, not deployed (they ended on 2025-09-30; the
 * webhook runs on its own host).
 */

export interface DesiredFunction {
  name: string;
  private: boolean;
  source: string;
  run_as_system?: boolean;
  disable_arg_logs?: boolean;
  run_as_user_id?: string;
  run_as_user_id_script_source?: string;
  can_evaluate?: Record<string, unknown>;
}

export interface DesiredTrigger {
  name: string;
  type: "DATABASE" | "SCHEDULED";
  disabled: boolean;
  /** As in the file: a DATABASE trigger names its data source by `service_name`. */
  config: Record<string, unknown>;
  functionName: string;
}

export interface DesiredValue {
  name: string;
  private: boolean;
  from_secret: boolean;
  value: unknown;
}

export interface DesiredDataSource {
  name: string;
  type: string;
  config: { clusterName: string; readPreference: string; wireProtocolEnabled: boolean };
}

export interface DesiredApp {
  name: string;
  functions: DesiredFunction[];
  triggers: DesiredTrigger[];
  values: DesiredValue[];
  dataSources: DesiredDataSource[];
  /** Endpoints in http_endpoints/, which are not deployed. */
  endpoints: number;
}

/**
 * The cluster name the repository ships in data_sources/mongodb-atlas/config.json: not a cluster of
 * yours. (Atlas names a project's first cluster Cluster0, so that name could not tell.)
 */
export const PLACEHOLDER_CLUSTER = "YOUR_CLUSTER_NAME";

const FUNCTION_FIELDS = [
  "run_as_system",
  "disable_arg_logs",
  "run_as_user_id",
  "run_as_user_id_script_source",
  "can_evaluate",
] as const;

export function readDesiredApp(root: string): DesiredApp {
  const json = <T>(path: string): T => {
    try {
      return JSON.parse(readFileSync(join(root, path), "utf8")) as T;
    } catch (error) {
      throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const files = (dir: string, pick: (name: string) => boolean) =>
    existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter(pick).sort() : [];
  const functions = json<Record<string, unknown>[]>("functions/config.json").map((f) => {
    const name = String(f.name);
    const out: DesiredFunction = {
      name,
      private: f.private === true,
      source: readFileSync(join(root, "functions", `${name}.js`), "utf8"),
    };
    for (const field of FUNCTION_FIELDS) if (f[field] !== undefined) Object.assign(out, { [field]: f[field] });
    return out;
  });
  const triggers = files("triggers", (f) => f.endsWith(".json")).map((file) => {
    const t = json<Record<string, unknown>>(`triggers/${file}`);
    const processors = t.event_processors as { FUNCTION?: { config?: { function_name?: string } } } | undefined;
    return {
      name: String(t.name),
      type: t.type as DesiredTrigger["type"],
      disabled: t.disabled === true,
      config: t.config as Record<string, unknown>,
      functionName: String(processors?.FUNCTION?.config?.function_name ?? t.function_name),
    };
  });
  const values = files("values", (f) => f.endsWith(".json")).map((file) => {
    const v = json<Record<string, unknown>>(`values/${file}`);
    return { name: String(v.name), private: v.private === true, from_secret: v.from_secret === true, value: v.value };
  });
  const dataSources = files("data_sources", (d) => existsSync(join(root, "data_sources", d, "config.json"))).map(
    (dir) => json<DesiredDataSource>(`data_sources/${dir}/config.json`),
  );
  const endpoints = existsSync(join(root, "http_endpoints/config.json"))
    ? json<unknown[]>("http_endpoints/config.json").length
    : 0;
  const app = json<{ name?: string }>("realm_config.json");
  return { name: app.name || "app", functions, triggers, values, dataSources, endpoints };
}

/** The secrets the values name (`from_secret`), with the values that name each. */
export function secretsNamed(app: DesiredApp): Map<string, string[]> {
  const named = new Map<string, string[]>();
  for (const v of app.values)
    if (v.from_secret) named.set(String(v.value), [...(named.get(String(v.value)) ?? []), v.name]);
  return named;
}
