/**
 * Schemas of an App Services app's files, as data, after the App Services configuration reference
 * (mongodb/docs-app-services, source/reference/config/*.txt, v20210101/*.txt and legacy.txt) and the
 * shapes both CLIs write when they pull (test/fixtures/apps/SOURCES.md). Unknown fields are warnings,
 * not errors: exports carry fields the reference does not list (an `id` in every trigger).
 */

export const NAME_64 = "^[A-Za-z0-9_-]{1,64}$";
// Function names may hold "/" for folders (functions/<folder>/<name>.js).
export const FUNCTION_NAME = "^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$";
const APP_NAME = { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" };
const ENVIRONMENT = { enum: ["", "development", "testing", "qa", "production"] };
const DEPLOYMENT_MODEL = { enum: ["GLOBAL", "LOCAL"] };
const STRINGS = { type: "array", items: { type: "string" } };

/** Authentication provider types (reference/config/auth). */
export const AUTH_PROVIDERS = [
  "anon-user",
  "local-userpass",
  "api-key",
  "custom-token",
  "custom-function",
  "oauth2-google",
  "oauth2-facebook",
  "oauth2-apple",
];

/** Operation types a database trigger may watch (triggers.txt: all triggers, then database and deployment triggers). */
export const OPERATION_TYPES = [
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

const LOG_TYPES = [
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
];

/** Resolver type formats; pulls write "" for a resolver without input. */
const TYPE_FORMAT = { enum: ["", "scalar", "scalar-list", "generated", "generated-list", "custom"] };

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
/** A function's settings: one entry of functions/config.json, or functions/<name>/config.json in older layouts. */
const functionEntry = {
  type: "object",
  required: ["name"],
  additionalProperties: false,
  properties: {
    id: { type: "string" },
    name: { type: "string", pattern: FUNCTION_NAME, maxLength: 64 },
    private: { type: "boolean" },
    run_as_system: { type: "boolean" },
    run_as_user_id: { type: "string" },
    run_as_user_id_script_source: { type: "string" },
    disable_arg_logs: { type: "boolean" },
    can_evaluate: { type: "object" },
  },
};
/**
 * A linked cluster or federated database instance: data_sources/<name>/config.json, or services/<name>/config.json
 * before 20210101 (whose exports leave clusterName out).
 */
const dataSourceOf = (types: string[], cluster: { required?: string[] }) => ({
  type: "object",
  required: ["name", "type", "config"],
  additionalProperties: false,
  properties: {
    id: { type: "string" },
    name: { type: "string", maxLength: 64, minLength: 1 },
    type: { enum: types },
    version: { type: "integer" },
    config: { type: "object" },
    secret_config: { type: "object" },
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
        ...cluster,
        properties: {
          clusterName: { type: "string", minLength: 1 },
          readPreference: { type: "string" },
          wireProtocolEnabled: { type: "boolean" },
        },
      },
    },
  },
});
const authProvider = {
  type: "object",
  required: ["name", "type"],
  properties: {
    id: { type: "string" },
    name: { type: "string", minLength: 1 },
    type: { enum: AUTH_PROVIDERS },
    disabled: { type: "boolean" },
    config: { type: "object" },
    secret_config: { type: "object" },
    metadata_fields: { type: "array" },
    redirect_uris: STRINGS,
    domain_restrictions: STRINGS,
  },
};
const hosting = {
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
};

/** The app's own settings, the same in realm_config.json, root_config.json and the older root files. */
const APP_SETTINGS = {
  name: APP_NAME,
  app_id: { type: "string" },
  location: { type: "string" },
  provider_region: { type: "string" },
  deployment_model: DEPLOYMENT_MODEL,
  environment: ENVIRONMENT,
  allowed_request_origins: STRINGS,
};

export const schemas = {
  // reference/config/v20210101/app (realm_config.json, realm-cli 2).
  realmConfig: {
    type: "object",
    required: ["config_version", "name"],
    additionalProperties: false,
    properties: { config_version: { const: 20210101 }, ...APP_SETTINGS },
  },
  // reference/config/app (root_config.json, the App Services CLI).
  rootConfig: { type: "object", required: ["name"], additionalProperties: false, properties: APP_SETTINGS },
  // reference/config/legacy: stitch.json (20180301) and config.json (20200603) hold the app's settings,
  // with security, hosting, custom user data and sync inside. realm-cli wrote them without a name.
  legacyConfig: {
    type: "object",
    required: ["config_version"],
    additionalProperties: false,
    properties: {
      config_version: { enum: [20180301, 20200603] },
      ...APP_SETTINGS,
      security: { type: ["object", "null"] },
      hosting,
      custom_user_data_config: { type: ["object", "null"], properties: { enabled: { type: "boolean" } } },
      sync: { type: ["object", "null"], properties: { development_mode_enabled: { type: "boolean" } } },
    },
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
  dataSource: dataSourceOf(["mongodb-atlas", "datalake"], { required: ["clusterName"] }),
  // Older apps could also link a self-managed MongoDB ("mongodb", its URI in secret_config).
  legacyDataSource: dataSourceOf(["mongodb-atlas", "datalake", "mongodb"], {}),
  // reference/config/functions.
  functions: { type: "array", items: functionEntry },
  legacyFunction: functionEntry,
  // reference/config/https_endpoints (v20210101: http_endpoints). realm-cli writes `null` for none.
  endpoints: {
    type: ["array", "null"],
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
  // AUTHENTICATION triggers; a FUNCTION or AWS_EVENTBRIDGE event processor (older: a top-level function_name).
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
  // reference/config/environments: environments/<name>.json holds { values: {...} }.
  environment: {
    type: "object",
    additionalProperties: false,
    properties: { values: { type: "object" } },
  },
  // reference/config/auth: auth/providers.json maps a provider name to its configuration.
  authProviders: { type: "object", additionalProperties: authProvider },
  // reference/config/legacy: auth_providers/<name>.json, one provider a file.
  legacyAuthProvider: authProvider,
  // reference/config/auth: auth/custom_user_data.json (`{"enabled": false}` when never configured).
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
  // reference/config/sync: Flexible (or the older partition-based) Device Sync. An app that never
  // configured sync is pulled as {"development_mode_enabled": false}; realm-cli pulled partition-based
  // sync without a type.
  sync: {
    type: "object",
    properties: {
      type: { enum: ["flexible", "partition"] },
      state: { enum: ["", "enabled", "disabled"] },
      service_name: { type: "string" },
      database_name: { type: "string" },
      development_mode_enabled: { type: "boolean" },
      client_max_offline_days: { type: "integer" },
      is_recovery_mode_disabled: { type: "boolean" },
      queryable_fields_names: STRINGS,
      indexed_queryable_fields_names: STRINGS,
      collection_queryable_fields_names: { type: "object" },
      permissions: { type: "object" },
      partition: { type: "object", properties: { key: { type: "string" }, type: { type: "string" } } },
      last_disabled: { type: "number" },
      asymmetric_tables: STRINGS,
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
      input_type_format: TYPE_FORMAT,
      payload_type: {},
      payload_type_format: TYPE_FORMAT,
    },
  },
  // reference/config/log_forwarders: which logs go where (a collection or a function).
  logForwarder: {
    type: "object",
    required: ["name", "log_types", "log_statuses", "policy", "action"],
    properties: {
      name: { type: "string", pattern: NAME_64 },
      log_types: { type: "array", minItems: 1, items: { enum: LOG_TYPES } },
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
  // reference/config/hosting: hosting/config.json (hosted files sit in hosting/files/); `{"enabled": false}` when unused.
  hosting,
  // reference/config/values.
  value: {
    type: "object",
    // from_secret defaults to false.
    required: ["name", "value"],
    additionalProperties: false,
    properties: {
      id: { type: "string" },
      name: { type: "string", pattern: NAME_64 },
      from_secret: { type: "boolean" },
      value: {},
    },
    if: { required: ["from_secret"], properties: { from_secret: { const: true } } },
    then: { properties: { value: { type: "string", pattern: NAME_64 } } },
  },
  // functions/package.json, pushed with --include-package-json.
  packageJson: {
    type: "object",
    properties: { dependencies: { type: "object", additionalProperties: { type: "string" } } },
  },
  // services/<name>/config.json: third-party services (and, before 20210101, the linked clusters).
  service: {
    type: "object",
    required: ["name", "type"],
    properties: {
      id: { type: "string" },
      name: { type: "string", minLength: 1, maxLength: 64 },
      type: { type: "string", minLength: 1 },
      config: { type: "object" },
      secret_config: { type: "object" },
      version: { type: "integer" },
    },
  },
} as const;
