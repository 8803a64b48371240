/**
 * `npm run check`: validates the App Services export before any push, and runs as part of npm test.
 * - every JSON file against a schema of the 20210101 layout this repository ships;
 * - every trigger's and endpoint's function is in functions/config.json and built in functions/;
 * - every value a function reads is defined in values/;
 * - secrets are referenced by name, never present; names within the platform's limits.
 * Problems name the file and the field. Exit 1 when there are any.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CAPTURE_VALUE_NAMES, captureSettings, kinesisSettings } from "../src/core/capture/config";
import { FIREHOSE_VALUE_NAMES, firehoseSettings } from "../src/core/firehose/config";
import type { Setting } from "../src/core/settings";

const NAME_64 = "^[A-Za-z0-9_-]{1,64}$";
const schemas = {
  realmConfig: {
    type: "object",
    required: ["config_version", "name"],
    additionalProperties: false,
    properties: {
      config_version: { const: 20210101 },
      name: { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" },
      app_id: { type: "string" },
      location: { type: "string" },
      deployment_model: { enum: ["GLOBAL", "LOCAL"] },
      environment: { enum: ["", "development", "testing", "qa", "production"] },
      allowed_request_origins: { type: "array", items: { type: "string" } },
    },
  },
  dataSource: {
    type: "object",
    required: ["name", "type", "config"],
    properties: {
      name: { type: "string", maxLength: 64, minLength: 1 },
      type: { const: "mongodb-atlas" },
      version: { type: "integer" },
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
  functions: {
    type: "array",
    items: {
      type: "object",
      required: ["name"],
      additionalProperties: false,
      properties: {
        name: { type: "string", pattern: NAME_64 },
        private: { type: "boolean" },
        run_as_system: { type: "boolean" },
        disable_arg_logs: { type: "boolean" },
        can_evaluate: { type: "object" },
      },
    },
  },
  endpoints: {
    type: "array",
    items: {
      type: "object",
      required: ["route", "http_method", "function_name", "validation_method"],
      additionalProperties: false,
      properties: {
        route: { type: "string", pattern: "^/" },
        http_method: { enum: ["GET", "POST", "PUT", "PATCH", "DELETE", "*"] },
        function_name: { type: "string", pattern: NAME_64 },
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
  trigger: {
    type: "object",
    required: ["name", "type", "config", "event_processors"],
    additionalProperties: false,
    properties: {
      name: { type: "string", pattern: NAME_64 },
      type: { enum: ["DATABASE", "SCHEDULED"] },
      disabled: { type: "boolean" },
      config: { type: "object" },
      event_processors: {
        type: "object",
        required: ["FUNCTION"],
        properties: {
          FUNCTION: {
            type: "object",
            required: ["config"],
            properties: {
              config: {
                type: "object",
                required: ["function_name"],
                properties: { function_name: { type: "string", pattern: NAME_64 } },
              },
            },
          },
        },
      },
    },
    if: { properties: { type: { const: "DATABASE" } } },
    then: {
      properties: {
        config: {
          type: "object",
          // No collection: a database-level trigger (a whole database, as the capture list's "db.*").
          required: ["service_name", "database", "operation_types"],
          properties: {
            service_name: { type: "string" },
            database: { type: "string", minLength: 1 },
            collection: { type: "string", minLength: 1 },
            operation_types: { type: "array", minItems: 1, items: { enum: ["INSERT", "UPDATE", "REPLACE", "DELETE"] } },
            full_document: { type: "boolean" },
            full_document_before_change: { type: "boolean" },
            match: { type: "object" },
            project: { type: "object" },
            unordered: { type: "boolean" },
            maximum_throughput: { type: "boolean" },
            skip_catchup_events: { type: "boolean" },
            tolerate_resume_errors: { type: "boolean" },
          },
          additionalProperties: false,
        },
      },
    },
    else: {
      properties: {
        config: {
          type: "object",
          required: ["schedule"],
          additionalProperties: false,
          properties: {
            schedule: { type: "string", pattern: "^\\S+( \\S+){4}$" },
            skip_catchup_events: { type: "boolean" },
          },
        },
      },
    },
  },
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
  emitHeartbeat: CAPTURE_VALUE_NAMES,
  runSnapshot: CAPTURE_VALUE_NAMES,
};

/** Every setting the functions read, by value name (see src/core/settings.ts). */
const SETTINGS_BY_NAME = new Map<string, Setting<unknown>>(
  [captureSettings, kinesisSettings, firehoseSettings]
    .flatMap((table) => Object.values(table as Record<string, Setting<unknown>>))
    .map((entry) => [entry.name, entry]),
);

/** Value names that hold credentials: they must come from a secret. */
const SECRET_LIKE = /(ACCESS_KEY|SECRET|PASSWORD|TOKEN)/;

export function checkExport(root: string): string[] {
  const problems: string[] = [];
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
    for (const error of check.errors || []) {
      const field = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "(root)";
      const extra =
        error.params && "additionalProperty" in error.params ? ` "${String(error.params.additionalProperty)}"` : "";
      const allowed =
        error.params && "allowedValues" in error.params
          ? ` (${(error.params.allowedValues as unknown[]).join(", ")})`
          : "";
      if (error.keyword === "if") continue;
      problems.push(`${path}: ${field} ${error.message}${extra}${allowed}`);
    }
    return false;
  };
  const list = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((f) => f.endsWith(".json"))
          .sort()
      : [];

  validate("realm_config.json", read("realm_config.json"), schemas.realmConfig);
  for (const dir of existsSync(join(root, "data_sources")) ? readdirSync(join(root, "data_sources")) : []) {
    validate(`data_sources/${dir}/config.json`, read(`data_sources/${dir}/config.json`), schemas.dataSource);
  }
  const functions = read("functions/config.json");
  const functionNames = new Set<string>();
  if (validate("functions/config.json", functions, schemas.functions)) {
    (functions as { name: string }[]).forEach((f, i) => {
      if (functionNames.has(f.name)) problems.push(`functions/config.json: [${i}].name "${f.name}" is listed twice`);
      functionNames.add(f.name);
      if (!existsSync(join(root, "functions", `${f.name}.js`)))
        problems.push(
          `functions/config.json: [${i}].name "${f.name}" has no functions/${f.name}.js (run npm run build)`,
        );
    });
  }
  const needFunction = (path: string, field: string, name: string) => {
    if (!functionNames.has(name)) problems.push(`${path}: ${field} "${name}" is not in functions/config.json`);
  };
  const endpoints = existsSync(join(root, "http_endpoints/config.json")) ? read("http_endpoints/config.json") : [];
  if (validate("http_endpoints/config.json", endpoints, schemas.endpoints)) {
    (endpoints as { function_name: string; validation_method: string; secret_name?: string }[]).forEach((e, i) => {
      needFunction("http_endpoints/config.json", `[${i}].function_name`, e.function_name);
      if (e.validation_method !== "NO_VALIDATION" && !e.secret_name)
        problems.push(`http_endpoints/config.json: [${i}].secret_name is required with ${e.validation_method}`);
    });
  }
  const triggerNames = new Set<string>();
  for (const file of list("triggers")) {
    const path = `triggers/${file}`;
    const trigger = read(path) as
      | {
          name: string;
          config: { service_name?: string };
          event_processors: { FUNCTION: { config: { function_name: string } } };
        }
      | undefined;
    if (!validate(path, trigger, schemas.trigger) || !trigger) continue;
    if (`${trigger.name}.json` !== file)
      problems.push(
        `${path}: name "${trigger.name}" must match the file name (App Services renames files to the trigger name)`,
      );
    if (triggerNames.has(trigger.name)) problems.push(`${path}: name "${trigger.name}" is used by another trigger`);
    triggerNames.add(trigger.name);
    needFunction(
      path,
      "event_processors.FUNCTION.config.function_name",
      trigger.event_processors.FUNCTION.config.function_name,
    );
    if (
      trigger.config.service_name !== undefined &&
      !existsSync(join(root, "data_sources", trigger.config.service_name))
    ) {
      problems.push(
        `${path}: config.service_name "${trigger.config.service_name}" is not a data source in data_sources/`,
      );
    }
  }
  const values = new Map<string, { from_secret: boolean; value: unknown }>();
  for (const file of list("values")) {
    const path = `values/${file}`;
    const value = read(path) as { name: string; from_secret: boolean; value: unknown } | undefined;
    if (!validate(path, value, schemas.value) || !value) continue;
    if (`${value.name}.json` !== file) problems.push(`${path}: name "${value.name}" must match the file name`);
    if (SECRET_LIKE.test(value.name) && !value.from_secret && value.value !== "") {
      problems.push(
        `${path}: value "${value.name}" holds a credential in the repository; make it from_secret: true and reference a secret`,
      );
    }
    values.set(value.name, value);
    // The same parser the functions use decides whether a committed value is valid.
    const known = SETTINGS_BY_NAME.get(value.name);
    if (known && !value.from_secret && value.value !== "" && value.value !== null) {
      try {
        known.parse(value.value, value.name);
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
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const problems = checkExport(resolve(import.meta.dirname, ".."));
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(`\n${problems.length} problem(s) in the App Services export`);
    process.exit(1);
  }
  console.log("App Services export: OK");
}
