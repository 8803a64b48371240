import type { AdminApiOperationId } from "./operations";

/**
 * JSON Schemas (draft 2020-12) of the Admin API v3 operations this project uses, written here from
 * the published OpenAPI spec (mongodb/docs-app-services, `source/openapi-admin-v3.yaml`, as of commit
 * 560e8dd of 2025-07-21): each operation's query parameters, request body and answers by status.
 * Data only, read by the local stand-in (which refuses a request that does not match) and by the
 * tests, which check our requests and the stand-in's answers against them. The heartbeat never
 * imports this file.
 *
 * Request bodies are closed (`unevaluatedProperties: false`): a field the spec does not describe is
 * refused, so our requests carry only what the spec documents. Answers are open, as the spec leaves
 * them. Where the spec is silent or self-contradictory the choice is said next to it (SPEC GAP).
 */

export type Schema = Record<string, unknown>;

export interface OperationSchemas {
  /** The query string's parameters (values are strings, as sent). */
  readonly query?: Schema;
  /** The JSON body; absent when the operation takes none. */
  readonly request?: Schema;
  /** Answers by HTTP status; a status not listed is answered with the spec's `Error`. */
  readonly responses: Readonly<Record<string, Schema | null>>;
}

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const str = { type: "string" };
const bool = { type: "boolean" };
const obj = { type: "object" };
const arrayOf = (items: Schema): Schema => ({ type: "array", items });
const closed = (schema: Schema): Schema => ({ ...schema, unevaluatedProperties: false });

const databaseTriggerConfig = {
  type: "object",
  required: ["service_id", "operation_types"],
  properties: {
    service_id: str,
    database: str,
    collection: str,
    operation_types: { type: "array", minItems: 1, items: str },
    match: obj,
    project: obj,
    full_document: bool,
    full_document_before_change: bool,
    skip_catchup_events: bool,
    tolerate_resume_errors: bool,
    maximum_throughput: bool,
    unordered: bool,
  },
};

const scheduledTriggerConfig = {
  type: "object",
  required: ["schedule"],
  properties: { schedule: str, skip_catchup_events: bool },
};

const eventProcessors = {
  type: "object",
  properties: {
    FUNCTION: {
      type: "object",
      properties: { config: { type: "object", properties: { function_id: str, function_name: str } } },
    },
    AWS_EVENTBRIDGE: {
      type: "object",
      properties: {
        config: { type: "object", properties: { account_id: str, region: str, extended_json_enabled: bool } },
      },
    },
  },
};

/** The spec's components that the operations below use, under the same names. */
export const components: Readonly<Record<string, Schema>> = {
  Error: { type: "object", properties: { error: str, error_code: str } },
  AppInstance: {
    type: "object",
    properties: {
      _id: str,
      client_app_id: str,
      domain_id: str,
      group_id: str,
      name: str,
      provider_region: str,
      location: str,
      deployment_model: { enum: ["GLOBAL", "LOCAL"] },
      environment: { enum: ["", "development", "testing", "qa", "production"] },
      last_used: { type: "integer" },
      last_modified: { type: "integer" },
      product: { enum: ["standard", "atlas", "data-api", "device-sync"] },
    },
  },
  FunctionSummary: { type: "object", properties: { _id: str, name: str, last_modified: { type: "number" } } },
  FunctionConstructor: {
    type: "object",
    required: ["name", "private", "source"],
    properties: {
      can_evaluate: obj,
      name: str,
      private: bool,
      source: str,
      run_as_system: bool,
      run_as_user_id: str,
      run_as_user_id_script_source: str,
    },
  },
  Function: { allOf: [{ properties: { _id: str } }, ref("FunctionConstructor")] },
  ValueSummary: { type: "object", properties: { _id: str, name: str, private: bool } },
  NewValue: {
    type: "object",
    required: ["name", "private", "value"],
    properties: { name: str, private: bool, value: {} },
  },
  ValueConstructor: {
    type: "object",
    required: ["name", "private", "from_secret", "value"],
    properties: { name: str, private: bool, from_secret: bool, value: {} },
  },
  Value: { allOf: [{ properties: { _id: str } }, ref("ValueConstructor")] },
  BaseTrigger: {
    type: "object",
    required: ["name", "type", "config", "event_processors"],
    properties: {
      name: str,
      type: str,
      disabled: bool,
      config: obj,
      function_id: str,
      function_name: str,
      event_processors: eventProcessors,
    },
  },
  DatabaseTrigger: {
    allOf: [ref("BaseTrigger")],
    required: ["config", "type"],
    properties: { type: { enum: ["DATABASE"] }, config: databaseTriggerConfig, error_handler: obj },
  },
  ScheduledTrigger: {
    allOf: [ref("BaseTrigger")],
    required: ["config", "type"],
    properties: { type: { enum: ["SCHEDULED"] }, config: scheduledTriggerConfig },
  },
  AuthenticationTrigger: {
    allOf: [ref("BaseTrigger")],
    required: ["config", "type"],
    properties: {
      type: { enum: ["AUTHENTICATION"] },
      config: {
        type: "object",
        required: ["operation_type", "providers"],
        properties: { operation_type: { enum: ["LOGIN", "CREATE", "DELETE"] }, providers: str },
      },
    },
  },
  TriggerConstructor: {
    oneOf: [ref("DatabaseTrigger"), ref("AuthenticationTrigger"), ref("ScheduledTrigger")],
  },
  Trigger: { allOf: [{ properties: { _id: str } }, ref("TriggerConstructor")] },
  AtlasClusterServiceConfig: {
    type: "object",
    required: ["clusterName", "readPreference", "wireProtocolEnabled"],
    properties: {
      clusterName: { type: "string", maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" },
      readPreference: { enum: ["primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"] },
      readPreferenceTagSets: arrayOf(str),
      wireProtocolEnabled: bool,
    },
  },
  ServiceResponse: {
    type: "object",
    properties: { _id: str, name: str, type: str, version: { type: "number" }, last_modified: { type: "number" } },
  },
  AtlasCluster: {
    type: "object",
    properties: { _id: str, name: str, type: str, version: { type: "number" }, config: obj },
  },
  DeploymentDraft: { type: "object", properties: { _id: str, user_id: str, app: ref("AppInstance") } },
  Deployment: {
    type: "object",
    properties: {
      _id: str,
      name: str,
      app_id: str,
      draft_id: str,
      user_id: str,
      deployed_at: { type: "integer" },
      origin: str,
      commit: str,
      // SPEC GAP: the spec gives no values; realm-cli reads created, pending, successful and failed.
      status: str,
      status_error_message: str,
      diff_url: str,
      remote_location: str,
    },
  },
  TriggerFailureLog: {
    type: "object",
    properties: {
      _id: str,
      co_id: str,
      domain_id: str,
      app_id: str,
      group_id: str,
      request_url: str,
      request_method: str,
      started: str,
      completed: str,
      type: { const: "TRIGGER_FAILURE" },
      event_subscription_id: str,
      event_subscription_name: str,
      error: str,
    },
  },
};

/** A write's body: the documented fields only. */
const functionBody = closed({
  allOf: [ref("FunctionConstructor")],
  // SPEC GAP: `disable_arg_logs` is a field of the configuration files (reference/config/functions)
  // that the spec's FunctionConstructor lacks; sent only when the export sets it, so change events
  // are not written into the logs as arguments.
  properties: { disable_arg_logs: bool },
});

/** A database or scheduled trigger's body (`extra`: fields beside the constructor's, such as an update's `_id`). */
const triggerBody = (extra: Record<string, Schema> = {}, required: string[] = []): Schema => ({
  oneOf: [
    closed({
      allOf: [ref("DatabaseTrigger")],
      required,
      properties: { config: closed(databaseTriggerConfig), ...extra },
    }),
    closed({
      allOf: [ref("ScheduledTrigger")],
      required,
      properties: { config: closed(scheduledTriggerConfig), ...extra },
    }),
  ],
});

const error = ref("Error");
/** "The date and time in ISO 8601". */
const isoDate = {
  type: "string",
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$",
};

/** The log types `adminGetLogs` takes. */
const LOG_TYPES = [
  "TRIGGER_FAILURE",
  "TRIGGER_ERROR_HANDLER",
  "DB_TRIGGER",
  "AUTH_TRIGGER",
  "SCHEDULED_TRIGGER",
  "FUNCTION",
  "SERVICE_FUNCTION",
  "STREAM_FUNCTION",
  "SERVICE_STREAM_FUNCTION",
  "AUTH",
  "WEBHOOK",
  "ENDPOINT",
  "PUSH",
  "API",
  "API_KEY",
  "GRAPHQL",
  "SYNC_CONNECTION_START",
  "SYNC_CONNECTION_END",
  "SYNC_SESSION_START",
  "SYNC_SESSION_END",
  "SYNC_CLIENT_WRITE",
  "SYNC_ERROR",
  "SYNC_OTHER",
  "SCHEMA_ADDITIVE_CHANGE",
  "SCHEMA_GENERATION",
  "SCHEMA_VALIDATION",
  "LOG_FORWARDER",
];
const groupQueryProducts = {
  type: "object",
  properties: {
    // The spec's enum, and its description: several products as a comma-separated list.
    product: {
      type: "string",
      pattern: "^(standard|atlas|data-api|device-sync)(,(standard|atlas|data-api|device-sync))*$",
    },
  },
  additionalProperties: false,
};

/** Each operation: what it takes and what it answers. */
export const operationSchemas: Readonly<Record<AdminApiOperationId, OperationSchemas>> = {
  adminLogin: {
    request: closed({ type: "object", required: ["username", "apiKey"], properties: { username: str, apiKey: str } }),
    responses: {
      200: { type: "object", properties: { access_token: str, refresh_token: str, user_id: str, device_id: str } },
    },
  },
  adminListApplications: { query: groupQueryProducts, responses: { 200: arrayOf(ref("AppInstance")) } },
  adminListFunctions: { responses: { 200: arrayOf(ref("FunctionSummary")) } },
  adminCreateFunction: {
    request: functionBody,
    responses: { 201: { type: "object", properties: { _id: str, name: str } } },
  },
  adminGetFunction: { responses: { 200: ref("Function") } },
  // SPEC GAP: no request body is given; the body sent is the one of adminCreateFunction (FunctionConstructor).
  adminUpdateFunction: { request: functionBody, responses: { 200: ref("FunctionConstructor"), 204: null } },
  adminDeleteFunction: { responses: { 204: null } },
  adminListTriggers: { responses: { 200: arrayOf(ref("Trigger")) } },
  adminCreateTrigger: { request: triggerBody(), responses: { 201: ref("Trigger") } },
  adminUpdateTrigger: {
    // The spec's body is a Trigger: the constructor's fields and the trigger's own `_id`.
    request: triggerBody({ _id: str }, ["_id"]),
    responses: { 204: null, 409: error },
  },
  adminDeleteTrigger: { responses: { 200: { type: "object" } } },
  adminResumeTrigger: {
    request: closed({ type: "object", properties: { disable_token: bool } }),
    // SPEC GAP: only 204 and 404 are given; what a resume whose token has left the oplog answers is
    // not documented. The stand-in answers it with the spec's Error shape (see admin-api-server.ts).
    responses: { 204: null, 404: { type: "object", properties: { error: str } }, 400: error },
  },
  adminListValues: { responses: { 200: arrayOf(ref("ValueSummary")) } },
  adminCreateValue: {
    // SPEC GAP: the request's NewValue lacks `from_secret`, which Value and the push configuration
    // (ValueConstructor) have; a value that names a secret must say so, so ValueConstructor is sent.
    request: closed({ allOf: [ref("NewValue"), ref("ValueConstructor")] }),
    responses: { 201: ref("NewValue") },
  },
  adminGetValue: { responses: { 200: ref("Value") } },
  // SPEC GAP: no request body is given; the body sent is ValueConstructor, as for adminCreateValue.
  adminUpdateValue: {
    request: closed({ allOf: [ref("ValueConstructor")], properties: { _id: str } }),
    responses: { 200: { items: ref("NewValue") }, 204: null },
  },
  adminDeleteValue: { responses: { 204: null } },
  adminGetAllSecrets: { responses: { 200: arrayOf({ type: "object", properties: { _id: str, name: str } }) } },
  adminCreateASecret: {
    request: closed({
      type: "object",
      required: ["name", "value"],
      // Names and values as the secrets reference limits them: 64 and 500 characters.
      properties: { name: { type: "string", maxLength: 64 }, value: { type: "string", maxLength: 500 } },
    }),
    responses: { 201: { type: "object", properties: { _id: str, name: str } } },
  },
  adminModifyASecret: {
    request: closed({
      type: "object",
      required: ["name", "value"],
      properties: { _id: str, name: { type: "string", maxLength: 64 }, value: { type: "string", maxLength: 500 } },
    }),
    responses: { 204: null },
  },
  adminListServices: { responses: { 200: arrayOf(ref("ServiceResponse")) } },
  adminCreateService: {
    request: closed({
      type: "object",
      required: ["name", "type", "config"],
      properties: { name: str, type: { const: "mongodb-atlas" }, config: closed(ref("AtlasClusterServiceConfig")) },
    }),
    responses: { 201: ref("AtlasCluster"), 409: error },
  },
  // SPEC GAP: the answer is given as `items` of a cluster; the service's configuration object is answered.
  adminGetServiceConfig: { responses: { 200: { type: "object" } } },
  adminUpdateServiceConfig: { request: closed(ref("AtlasClusterServiceConfig")), responses: { 204: null } },
  // SPEC GAP: a DeploymentDraft object is given; realm-cli reads an array. Either is read.
  adminListDeploymentDrafts: {
    responses: { 200: { oneOf: [ref("DeploymentDraft"), arrayOf(ref("DeploymentDraft"))] } },
  },
  adminCreateDeploymentDraft: { responses: { 201: ref("DeploymentDraft"), 409: error } },
  adminDiscardDraft: { responses: { 204: null } },
  adminDeployDraft: {
    request: closed({ type: "object", required: ["name"], properties: { name: str } }),
    responses: { 201: ref("Deployment") },
  },
  adminListDeployments: { responses: { 200: arrayOf(ref("Deployment")) } },
  adminGetDeployment: { responses: { 200: ref("Deployment") } },
  adminGetLatestEventSubscriptionExecution: {
    responses: {
      200: { type: "object", properties: { data: obj, resource_id: obj, completed_at: obj, cluster_time: obj } },
    },
  },
  adminGetLogs: {
    query: {
      type: "object",
      properties: {
        co_id: str,
        errors_only: { enum: ["true", "false"] },
        user_id: str,
        start_date: isoDate,
        end_date: isoDate,
        skip: { type: "string", pattern: "^[0-9]+$" },
        limit: { type: "string", pattern: "^([1-9]|[1-9][0-9]|100)$" },
        type: { enum: LOG_TYPES },
      },
      additionalProperties: false,
    },
    responses: {
      200: {
        type: "object",
        required: ["nextEndDate", "nextSkip"],
        properties: {
          logs: { type: "array", maxItems: 100, items: ref("TriggerFailureLog") },
          nextEndDate: str,
          nextSkip: { type: "integer" },
        },
      },
    },
  },
};
