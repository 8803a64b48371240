/**
 * `npm run check [folder]`: validates an App Services app before any push (this repository's root by
 * default), and runs as part of npm test.
 * - realm-cli's 20210101 layout (realm_config.json) or the App Services CLI's (root_config.json), from the files;
 * - every JSON file against a schema of the App Services configuration reference; unknown fields are warnings;
 * - every trigger's and endpoint's function is in functions/config.json and built in functions/;
 * - every value a function reads is defined in values/;
 * - secrets are referenced by name, never present; names within the platform's limits.
 * Problems name the file and the field. Exit 1 when there are any.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CAPTURE_VALUE_NAMES, captureSettings, kinesisSettings } from "../src/core/capture/config";
import { CAPTURE_HEALTH_VALUE_NAMES, captureHealthSettings } from "../src/core/capture/health-config";
import { FIREHOSE_VALUE_NAMES, firehoseSettings } from "../src/core/firehose/config";
import type { Setting } from "../src/core/settings";

const NAME_64 = "^[A-Za-z0-9_-]{1,64}$";
// Function names may hold "/" for folders (functions/<folder>/<name>.js).
const FUNCTION_NAME = "^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$";
// Authentication provider types (reference/config/auth).
const AUTH_PROVIDERS = [
  "anon-user",
  "local-userpass",
  "api-key",
  "custom-token",
  "custom-function",
  "oauth2-google",
  "oauth2-facebook",
  "oauth2-apple",
];
/** The schema of a trigger's `config` when the trigger is of `type` (nothing beyond the listed fields). */
const configOf = (type: string, config: object) => ({
  if: { properties: { type: { const: type } } },
  then: { properties: { config: { type: "object", additionalProperties: false, ...config } } },
});
const functionConfig = {
  type: "object",
  required: ["function_name"],
  properties: { function_name: { type: "string", pattern: FUNCTION_NAME } },
};
// Operation types a database trigger may watch (triggers.txt: all triggers, then database and deployment triggers).
const OPERATION_TYPES = [
  "INSERT",
  "UPDATE",
  "REPLACE",
  "DELETE",
  "CREATE_COLLECTION",
  "MODIFY_COLLECTION",
  "RENAME_COLLECTION",
  "SHARD_COLLECTION",
  "DROP_COLLECTION",
  "RESHARD_COLLECTION",
  "REFINE_COLLECTION_SHARD_KEY",
  "CREATE_INDEXES",
  "DROP_INDEXES",
  "DROP_DATABASE",
];
/**
 * Schemas of the export's files, after the App Services configuration reference (mongodb/docs-app-services,
 * source/reference/config/*.txt and config/v20210101/*.txt). Unknown fields are warnings, not errors:
 * exports carry fields the reference does not list (an `id` in every trigger, `provider_region`).
 */
const schemas = {
  // reference/config/v20210101/app-configuration (realm_config.json, realm-cli).
  realmConfig: {
    type: "object",
    required: ["config_version", "name"],
    additionalProperties: false,
    properties: {
      config_version: { const: 20210101 },
      name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" },
      app_id: { type: "string" },
      location: { type: "string" },
      provider_region: { type: "string" },
      deployment_model: { enum: ["GLOBAL", "LOCAL"] },
      environment: { enum: ["", "development", "testing", "qa", "production"] },
      allowed_request_origins: { type: "array", items: { type: "string" } },
    },
  },
  // reference/config/app (root_config.json, the App Services CLI).
  rootConfig: {
    type: "object",
    required: ["name"],
    additionalProperties: false,
    properties: {
      name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" },
      app_id: { type: "string" },
      location: { type: "string" },
      provider_region: { type: "string" },
      deployment_model: { enum: ["GLOBAL", "LOCAL"] },
      environment: { enum: ["", "development", "testing", "qa", "production"] },
      allowed_request_origins: { type: "array", items: { type: "string" } },
    },
  },
  // reference/config/data_sources: an Atlas cluster, or a federated database instance ("datalake").
  dataSource: {
    type: "object",
    required: ["name", "type", "config"],
    additionalProperties: false,
    properties: {
      name: { type: "string", maxLength: 64, minLength: 1 },
      type: { enum: ["mongodb-atlas", "datalake"] },
      version: { type: "integer" },
      config: { type: "object" },
    },
    if: { properties: { type: { const: "datalake" } } },
    then: {
      properties: {
        config: {
          type: "object",
          required: ["dataLakeName"],
          properties: { dataLakeName: { type: "string", minLength: 1 } },
        },
      },
    },
    else: {
      properties: {
        config: {
          type: "object",
          required: ["clusterName"],
          properties: {
            clusterName: { type: "string", minLength: 1 },
            readPreference: { type: "string" },
            wireProtocolEnabled: { type: "boolean" },
          },
        },
      },
    },
  },
  // reference/config/functions.
  functions: {
    type: "array",
    items: {
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        name: { type: "string", pattern: FUNCTION_NAME, maxLength: 64 },
        private: { type: "boolean" },
        run_as_system: { type: "boolean" },
        disable_arg_logs: { type: "boolean" },
        can_evaluate: { type: "object" },
      },
    },
  },
  // reference/config/https_endpoints (v20210101: http_endpoints).
  endpoints: {
    type: "array",
    items: {
      type: "object",
      required: ["route", "http_method", "function_name", "validation_method"],
      additionalProperties: false,
      properties: {
        route: { type: "string", pattern: "^/" },
        http_method: { enum: ["GET", "POST", "PUT", "PATCH", "DELETE", "*"] },
        function_name: { type: "string", pattern: FUNCTION_NAME },
        validation_method: { enum: ["NO_VALIDATION", "SECRET_AS_QUERY_PARAM", "VERIFY_PAYLOAD"] },
        secret_name: { type: "string" },
        respond_result: { type: "boolean" },
        fetch_custom_user_data: { type: "boolean" },
        create_user_on_auth: { type: "boolean" },
        disabled: { type: "boolean" },
        return_type: { enum: ["JSON", "EJSON"] },
      },
    },
  },
  // reference/config/triggers: DATABASE (collection, database or deployment level), SCHEDULED and
  // AUTHENTICATION triggers; a FUNCTION or AWS_EVENTBRIDGE event processor (v20210101: function_name).
  trigger: {
    type: "object",
    required: ["name", "type", "config"],
    additionalProperties: false,
    properties: {
      id: { type: "string" },
      name: { type: "string", pattern: NAME_64 },
      type: { enum: ["DATABASE", "SCHEDULED", "AUTHENTICATION"] },
      disabled: { type: "boolean" },
      config: { type: "object" },
      function_name: { type: "string", pattern: FUNCTION_NAME },
      event_processors: {
        type: "object",
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: false,
        properties: {
          FUNCTION: { type: "object", required: ["config"], properties: { config: functionConfig } },
          AWS_EVENTBRIDGE: {
            type: "object",
            required: ["config"],
            properties: {
              config: {
                type: "object",
                required: ["account_id", "region"],
                properties: {
                  account_id: { type: "string", pattern: "^[0-9]{12}$" },
                  region: { type: "string", minLength: 1 },
                  extended_json_enabled: { type: "boolean" },
                },
              },
            },
          },
        },
      },
      error_handler: {
        type: "object",
        properties: {
          config: {
            type: "object",
            properties: { enabled: { type: "boolean" }, function_name: { type: "string", pattern: FUNCTION_NAME } },
          },
        },
      },
    },
    allOf: [
      { anyOf: [{ required: ["event_processors"] }, { required: ["function_name"] }] },
      configOf("DATABASE", {
        // No collection: a database-level trigger; no database either: a deployment-level one.
        required: ["service_name", "operation_types"],
        properties: {
          service_name: { type: "string", minLength: 1 },
          // Exports write "" for "any": a whole-database trigger has collection "" (seen in pulls).
          database: { type: "string" },
          collection: { type: "string" },
          operation_types: { type: "array", minItems: 1, items: { enum: OPERATION_TYPES } },
          full_document: { type: "boolean" },
          full_document_before_change: { type: "boolean" },
          match: { type: "object" },
          project: { type: "object" },
          unordered: { type: "boolean" },
          maximum_throughput: { type: "boolean" },
          skip_catchup_events: { type: "boolean" },
          tolerate_resume_errors: { type: "boolean" },
        },
      }),
      configOf("SCHEDULED", {
        required: ["schedule"],
        properties: {
          schedule: { type: "string", pattern: "^\\S+( \\S+){4}$" },
          skip_catchup_events: { type: "boolean" },
        },
      }),
      configOf("AUTHENTICATION", {
        required: ["operation_type", "providers"],
        properties: {
          // The reference shows it both as one string and as a list.
          operation_type: {
            anyOf: [
              { enum: ["LOGIN", "CREATE", "DELETE"] },
              { type: "array", minItems: 1, items: { enum: ["LOGIN", "CREATE", "DELETE"] } },
            ],
          },
          providers: { type: "array", minItems: 1, items: { type: "string" } },
        },
      }),
    ],
  },
  // reference/config/app: .mdb/meta.json, written by appservices pull (the config_version lives here).
  meta: {
    type: "object",
    additionalProperties: false,
    properties: {
      config_version: { type: "integer" },
      app_id: { type: "string" },
      group_id: { type: "string" },
      client_app_id: { type: "string" },
      last_pulled: { type: "number" },
    },
  },
  // reference/config/environments: environments/<name>.json holds { values: {...} }.
  environment: {
    type: "object",
    additionalProperties: false,
    properties: { values: { type: "object" } },
  },
  // reference/config/auth: auth/providers.json maps a provider name to its configuration.
  authProviders: {
    type: "object",
    additionalProperties: {
      type: "object",
      required: ["name", "type"],
      properties: {
        name: { type: "string", minLength: 1 },
        type: { enum: AUTH_PROVIDERS },
        disabled: { type: "boolean" },
        config: { type: "object" },
        secret_config: { type: "object" },
        metadata_fields: { type: "array" },
        redirect_uris: { type: "array", items: { type: "string" } },
        domain_restrictions: { type: "array", items: { type: "string" } },
      },
    },
  },
  // reference/config/auth: auth/custom_user_data.json.
  customUserData: {
    type: "object",
    required: ["enabled"],
    properties: {
      enabled: { type: "boolean" },
      mongo_service_name: { type: "string" },
      database_name: { type: "string" },
      collection_name: { type: "string" },
      user_id_field: { type: "string" },
      on_user_creation_function_name: { type: "string" },
    },
  },
  // reference/config/sync: Flexible (or the retired partition-based) Device Sync.
  sync: {
    type: "object",
    required: ["type"],
    properties: {
      type: { enum: ["flexible", "partition"] },
      state: { type: "string" },
      service_name: { type: "string" },
      database_name: { type: "string" },
      development_mode_enabled: { type: "boolean" },
      client_max_offline_days: { type: "integer" },
      is_recovery_mode_disabled: { type: "boolean" },
      queryable_fields_names: { type: "array", items: { type: "string" } },
      indexed_queryable_fields_names: { type: "array", items: { type: "string" } },
      collection_queryable_fields_names: { type: "object" },
      permissions: { type: "object" },
      last_disabled: { type: "number" },
      asymmetric_tables: { type: "array" },
    },
  },
  // reference/config/graphql: graphql/config.json and graphql/custom_resolvers/*.json.
  graphql: {
    type: "object",
    properties: {
      use_natural_pluralization: { type: "boolean" },
      disable_schema_introspection: { type: "boolean" },
    },
  },
  customResolver: {
    type: "object",
    required: ["on_type", "field_name", "function_name"],
    properties: {
      on_type: { type: "string", minLength: 1 },
      field_name: { type: "string", minLength: 1 },
      function_name: { type: "string", pattern: FUNCTION_NAME },
      input_type: {},
      input_type_format: { enum: ["scalar", "scalar-list", "generated", "generated-list", "custom"] },
      payload_type: {},
      payload_type_format: { enum: ["scalar", "scalar-list", "generated", "generated-list", "custom"] },
    },
  },
  // reference/config/log_forwarders: which logs go where (a collection or a function).
  logForwarder: {
    type: "object",
    required: ["name", "log_types", "log_statuses", "policy", "action"],
    properties: {
      name: { type: "string", pattern: NAME_64 },
      log_types: {
        type: "array",
        minItems: 1,
        items: {
          enum: [
            "auth",
            "endpoint",
            "function",
            "graphql",
            "push",
            "schema",
            "service",
            "sync",
            "trigger",
            "trigger_error_handler",
          ],
        },
      },
      log_statuses: { type: "array", minItems: 1, items: { enum: ["success", "error"] } },
      policy: {
        type: "object",
        required: ["type"],
        properties: { type: { enum: ["single", "batch"] } },
      },
      action: {
        type: "object",
        required: ["type"],
        properties: {
          type: { enum: ["collection", "function"] },
          name: { type: "string" },
          data_source: { type: "string" },
          database: { type: "string" },
          collection: { type: "string" },
        },
      },
      disabled: { type: "boolean" },
    },
  },
  // reference/config/hosting: hosting/config.json (hosted files sit in hosting/files/).
  hosting: {
    type: "object",
    required: ["enabled"],
    additionalProperties: false,
    properties: {
      enabled: { type: "boolean" },
      app_default_domain: { type: "string" },
      custom_domain: { type: "string" },
      default_error_path: { type: "string" },
      default_error_code: { type: "string" },
    },
  },
  // reference/config/values.
  value: {
    type: "object",
    required: ["name", "from_secret", "value"],
    additionalProperties: false,
    properties: {
      name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" },
      from_secret: { type: "boolean" },
      value: {},
    },
    if: { properties: { from_secret: { const: true } } },
    then: { properties: { value: { type: "string", pattern: NAME_64 } } },
  },
} as const;

/** Which values each built function reads. */
export const FUNCTION_VALUES: Record<string, readonly string[]> = {
  receiveFirehoseDelivery: FIREHOSE_VALUE_NAMES,
  publishChangeToKinesis: CAPTURE_VALUE_NAMES,
  emitHeartbeat: [...CAPTURE_VALUE_NAMES, ...CAPTURE_HEALTH_VALUE_NAMES],
  runSnapshot: CAPTURE_VALUE_NAMES,
};

/** Every setting the functions read, by value name (see src/core/settings.ts). */
const SETTINGS_BY_NAME = new Map<string, Setting<unknown>>(
  [captureSettings, kinesisSettings, captureHealthSettings, firehoseSettings]
    .flatMap((table) => Object.values(table as Record<string, Setting<unknown>>))
    .map((entry) => [entry.name, entry]),
);

/** environments/<name>.json files App Services reads (reference/config/environments). */
const ENVIRONMENT_FILES = ["no-environment.json", "development.json", "testing.json", "qa.json", "production.json"];

/** Folders and files of App Services parts that ended on 2025-09-30 (platform status). */
const RETIRED_PARTS: [string, string][] = [
  ["sync", "Device Sync"],
  ["graphql", "GraphQL"],
  ["hosting", "Static Hosting"],
  ["http_endpoints/data_api_config.json", "the Data API"],
  ["https_endpoints/data_api_config.json", "the Data API"],
];

/** Query parameters that carry a credential, in any string inside a plain value (as seen in a real export). */
function credentialsInUrls(value: unknown): string[] {
  if (typeof value === "string")
    return [...value.matchAll(/[?&]((?:api_?)?key|token|secret|password|sig(?:nature)?)=[^&\s]{8,}/gi)].map(
      (m) => m[1],
    );
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(credentialsInUrls);
  return [];
}

/** Value names that hold credentials: they must come from a secret. */
const SECRET_LIKE = /(access_?key|secret|password|token|api_?key|private_?key)/i;

export interface ExportReport {
  /** Which layout the folder is: realm-cli's 20210101 (realm_config.json) or the App Services CLI's (root_config.json). */
  readonly layout?: "20210101" | "appservices";
  /** What a push would fail on, or what would break at run time. */
  readonly problems: string[];
  /** Fields the reference does not list: kept, but worth a look. */
  readonly warnings: string[];
}

/** The problems only (what `npm run deploy` stops on). */
export function checkExport(root: string): string[] {
  return checkApp(root).problems;
}

/**
 * Validates an App Services app folder in either layout. Every message names the file and the field.
 * Cross-references (trigger and endpoint -> function, function -> source file, values, names used
 * twice) are checked from whatever parsed, even when another part of the same file is malformed.
 */
export function checkApp(root: string): ExportReport {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ajv = new Ajv({ allErrors: true, strict: false });
  const read = (path: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(root, path), "utf8"));
    } catch (error) {
      problems.push(
        `${path}: ${existsSync(join(root, path)) ? `not valid JSON (${(error as Error).message})` : "missing"}`,
      );
      return undefined;
    }
  };
  const validate = (path: string, value: unknown, schema: object) => {
    if (value === undefined) return false;
    const check: ValidateFunction = ajv.compile(schema);
    if (check(value)) return true;
    let valid = true;
    for (const error of check.errors || []) {
      const field = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "(root)";
      if (error.keyword === "if" || error.keyword === "anyOf") continue;
      if (error.keyword === "additionalProperties") {
        const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
        warnings.push(
          `${path}: ${field === "(root)" ? "" : `${field}.`}${extra} is not in the App Services reference (kept)`,
        );
        continue;
      }
      const allowed =
        error.params && "allowedValues" in error.params
          ? ` (${(error.params.allowedValues as unknown[]).join(", ")})`
          : "";
      problems.push(`${path}: ${field} ${error.message}${allowed}`);
      valid = false;
    }
    return valid;
  };
  const list = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((f) => f.endsWith(".json"))
          .sort()
      : [];
  const record = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

  // The layout, from the files: root_config.json (App Services CLI) or realm_config.json (realm-cli).
  let layout: ExportReport["layout"];
  if (existsSync(join(root, "root_config.json"))) {
    layout = "appservices";
    validate("root_config.json", read("root_config.json"), schemas.rootConfig);
    // appservices pull keeps the config_version in .mdb/meta.json (20230101 in every pull seen).
    if (existsSync(join(root, ".mdb", "meta.json"))) validate(".mdb/meta.json", read(".mdb/meta.json"), schemas.meta);
    if (existsSync(join(root, "realm_config.json")))
      warnings.push(
        "realm_config.json: belongs to realm-cli's layout; the App Services CLI reads root_config.json only",
      );
  } else if (existsSync(join(root, "realm_config.json"))) {
    const config = read("realm_config.json");
    const version = record(config).config_version;
    if (version !== undefined && version !== 20210101) {
      problems.push(
        `realm_config.json: config_version ${String(version)} is an older layout this check does not support; pull the app again with the App Services CLI (root_config.json) or realm-cli 2 (20210101)`,
      );
      return { problems, warnings };
    }
    layout = "20210101";
    validate("realm_config.json", config, schemas.realmConfig);
  } else {
    problems.push(
      "root_config.json: missing (neither root_config.json nor realm_config.json: not an App Services app folder)",
    );
    return { problems, warnings };
  }

  const dataSources = new Set<string>();
  for (const dir of existsSync(join(root, "data_sources")) ? readdirSync(join(root, "data_sources")) : []) {
    const path = `data_sources/${dir}/config.json`;
    if (!existsSync(join(root, path))) continue;
    const source = read(path);
    validate(path, source, schemas.dataSource);
    const name = record(source).name;
    if (typeof name === "string") dataSources.add(name);
  }

  // An app without functions has no functions/config.json (minimal pulls have only root_config.json).
  const functions = existsSync(join(root, "functions", "config.json")) ? read("functions/config.json") : [];
  validate("functions/config.json", functions, schemas.functions);
  const functionNames = new Set<string>();
  (Array.isArray(functions) ? functions : []).forEach((entry, i) => {
    const name = record(entry).name;
    if (typeof name !== "string") return;
    if (functionNames.has(name)) problems.push(`functions/config.json: [${i}].name "${name}" is listed twice`);
    functionNames.add(name);
    if (!existsSync(join(root, "functions", `${name}.js`)))
      problems.push(
        `functions/config.json: [${i}].name "${name}" has no functions/${name}.js${name in FUNCTION_VALUES ? " (run npm run build)" : ""}`,
      );
  });
  const needFunction = (path: string, field: string, name: unknown) => {
    if (typeof name === "string" && !functionNames.has(name))
      problems.push(`${path}: ${field} "${name}" is not in functions/config.json`);
  };

  const needDataSource = (path: string, field: string, name: unknown) => {
    if (typeof name === "string" && !dataSources.has(name))
      problems.push(`${path}: ${field} "${name}" is not a data source in data_sources/`);
  };

  const endpointsPath = layout === "appservices" ? "https_endpoints/config.json" : "http_endpoints/config.json";
  const otherEndpoints = layout === "appservices" ? "http_endpoints" : "https_endpoints";
  if (existsSync(join(root, otherEndpoints)))
    warnings.push(
      `${otherEndpoints}/: belongs to the other layout; this app is ${layout === "appservices" ? "root_config.json (reads https_endpoints/)" : "realm_config.json (reads http_endpoints/)"}`,
    );
  const endpoints = existsSync(join(root, endpointsPath)) ? read(endpointsPath) : [];
  validate(endpointsPath, endpoints, schemas.endpoints);
  const routes = new Set<string>();
  (Array.isArray(endpoints) ? endpoints : []).forEach((entry, i) => {
    const e = record(entry);
    const route = `${String(e.http_method)} ${String(e.route)}`;
    if (typeof e.route === "string" && routes.has(route))
      problems.push(`${endpointsPath}: [${i}] ${route} is defined twice (the route and method must be unique)`);
    routes.add(route);
    needFunction(endpointsPath, `[${i}].function_name`, e.function_name);
    if (typeof e.validation_method === "string" && e.validation_method !== "NO_VALIDATION" && !e.secret_name)
      problems.push(`${endpointsPath}: [${i}].secret_name is required with ${e.validation_method}`);
  });

  const triggerNames = new Set<string>();
  for (const file of list("triggers")) {
    const path = `triggers/${file}`;
    const trigger = read(path);
    if (trigger === undefined) continue;
    validate(path, trigger, schemas.trigger);
    const t = record(trigger);
    const config = record(t.config);
    if (typeof t.name === "string") {
      if (`${t.name}.json` !== file)
        problems.push(
          `${path}: name "${t.name}" must match the file name (App Services renames files to the trigger name)`,
        );
      if (triggerNames.has(t.name)) problems.push(`${path}: name "${t.name}" is used by another trigger`);
      triggerNames.add(t.name);
    }
    const processors = record(t.event_processors);
    needFunction(
      path,
      "event_processors.FUNCTION.config.function_name",
      record(record(processors.FUNCTION).config).function_name,
    );
    needFunction(path, "function_name", t.function_name);
    needFunction(path, "error_handler.config.function_name", record(record(t.error_handler).config).function_name);
    needDataSource(path, "config.service_name", config.service_name);
  }

  // Authentication: providers may name functions (custom-function login, password reset, confirmation).
  if (existsSync(join(root, "auth", "providers.json"))) {
    const providers = read("auth/providers.json");
    validate("auth/providers.json", providers, schemas.authProviders);
    for (const [key, provider] of Object.entries(record(providers))) {
      const config = record(record(provider).config);
      needFunction("auth/providers.json", `${key}.config.authFunctionName`, config.authFunctionName);
      if (config.runResetFunction === true)
        needFunction("auth/providers.json", `${key}.config.resetFunctionName`, config.resetFunctionName);
      if (config.runConfirmationFunction === true)
        needFunction("auth/providers.json", `${key}.config.confirmationFunctionName`, config.confirmationFunctionName);
    }
  }
  if (existsSync(join(root, "auth", "custom_user_data.json"))) {
    const path = "auth/custom_user_data.json";
    const custom = read(path);
    validate(path, custom, schemas.customUserData);
    const c = record(custom);
    needFunction(path, "on_user_creation_function_name", c.on_user_creation_function_name || undefined);
    needDataSource(path, "mongo_service_name", c.mongo_service_name || undefined);
  }
  // Parts of App Services that ended on 2025-09-30: kept in old exports, no longer served.
  for (const [part, what] of RETIRED_PARTS)
    if (existsSync(join(root, part)))
      warnings.push(`${part}: ${what} ended on 2025-09-30; this part is no longer served`);
  if (existsSync(join(root, "sync", "config.json"))) {
    const sync = read("sync/config.json");
    validate("sync/config.json", sync, schemas.sync);
    needDataSource("sync/config.json", "service_name", record(sync).service_name || undefined);
  }
  if (existsSync(join(root, "graphql", "config.json")))
    validate("graphql/config.json", read("graphql/config.json"), schemas.graphql);
  for (const file of list("graphql/custom_resolvers")) {
    const path = `graphql/custom_resolvers/${file}`;
    const resolver = read(path);
    validate(path, resolver, schemas.customResolver);
    needFunction(path, "function_name", record(resolver).function_name);
  }
  const forwarderNames = new Set<string>();
  for (const file of list("log_forwarders")) {
    const path = `log_forwarders/${file}`;
    const forwarder = read(path);
    validate(path, forwarder, schemas.logForwarder);
    const f = record(forwarder);
    const action = record(f.action);
    if (typeof f.name === "string") {
      if (forwarderNames.has(f.name)) problems.push(`${path}: name "${f.name}" is used by another log forwarder`);
      forwarderNames.add(f.name);
    }
    if (action.type === "function") needFunction(path, "action.name", action.name);
    if (action.type === "collection") needDataSource(path, "action.data_source", action.data_source);
  }
  if (existsSync(join(root, "hosting", "config.json")))
    validate("hosting/config.json", read("hosting/config.json"), schemas.hosting);
  for (const file of list("environments")) {
    const path = `environments/${file}`;
    validate(path, read(path), schemas.environment);
    if (!ENVIRONMENT_FILES.includes(file))
      problems.push(`${path}: not an environment App Services knows (${ENVIRONMENT_FILES.join(", ")})`);
  }

  const values = new Map<string, { from_secret: boolean; value: unknown }>();
  for (const file of list("values")) {
    const path = `values/${file}`;
    const value = read(path);
    if (value === undefined) continue;
    validate(path, value, schemas.value);
    const v = record(value) as { name?: unknown; from_secret?: unknown; value?: unknown };
    if (typeof v.name !== "string") continue;
    if (`${v.name}.json` !== file) problems.push(`${path}: name "${v.name}" must match the file name`);
    if (SECRET_LIKE.test(v.name) && v.from_secret !== true && v.value !== "" && v.value !== undefined) {
      problems.push(
        `${path}: value "${v.name}" holds a credential in the repository; make it from_secret: true and reference a secret`,
      );
    }
    values.set(v.name, { from_secret: v.from_secret === true, value: v.value });
    if (v.from_secret !== true)
      for (const leak of credentialsInUrls(v.value))
        warnings.push(`${path}: value holds a URL with a credential in it (${leak}=…); keep it in a secret`);
    // The same parser the functions use decides whether a committed value is valid.
    const known = SETTINGS_BY_NAME.get(v.name);
    if (known && v.from_secret !== true && v.value !== "" && v.value !== null && v.value !== undefined) {
      try {
        known.parse(v.value, v.name);
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
    }
  }
  for (const [name, needed] of Object.entries(FUNCTION_VALUES)) {
    if (!functionNames.has(name)) continue;
    for (const valueName of needed) {
      if (!values.has(valueName))
        problems.push(`values/${valueName}.json: missing, but functions/${name}.js reads the value ${valueName}`);
    }
  }
  if (existsSync(join(root, "secrets")) || existsSync(join(root, "secrets.json")))
    problems.push("secrets: secret values must never be in the export; create them with the CLI");
  return { layout, problems, warnings };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  // `npm run check [folder]`: the repository root by default.
  const folder = resolve(process.argv[2] || resolve(import.meta.dirname, ".."));
  const report = checkApp(folder);
  for (const warning of report.warnings) console.warn(`warning: ${warning}`);
  if (report.problems.length > 0) {
    for (const problem of report.problems) console.error(problem);
    console.error(`\n${report.problems.length} problem(s) in the App Services app at ${folder}`);
    process.exit(1);
  }
  console.log(
    `App Services app (${report.layout} layout): OK${report.warnings.length > 0 ? `, ${report.warnings.length} warning(s)` : ""}`,
  );
}
