import { ObjectId } from "bson";

/**
 * The stand-in's apps: for each, the deployed configuration, a draft per user (the reference: "each
 * user can only create a single draft at a time"), and its deployments. A write while its user has a
 * draft goes into the draft; without one it is deployed at once ("If you did not create a draft,
 * every successful Admin API request immediately deploys the associated updates", App Services
 * docs, apps/update). Secrets are kept with the rest of the configuration (whether Atlas drafts them
 * is not documented); their values are never answered.
 */

export interface StoredFunction {
  _id: string;
  name: string;
  private: boolean;
  source: string;
  run_as_system?: boolean;
  disable_arg_logs?: boolean;
  can_evaluate?: Record<string, unknown>;
  last_modified: number;
}

export interface StoredTrigger {
  _id: string;
  name: string;
  type: "DATABASE" | "SCHEDULED";
  disabled: boolean;
  config: Record<string, unknown>;
  function_id: string;
  last_modified: number;
}

export interface StoredValue {
  _id: string;
  name: string;
  private: boolean;
  from_secret: boolean;
  value: unknown;
  last_modified: number;
}

export interface StoredSecret {
  _id: string;
  name: string;
  value: string;
}

export interface StoredService {
  _id: string;
  name: string;
  type: string;
  version: number;
  config: Record<string, unknown>;
  last_modified: number;
}

export interface AppConfig {
  functions: StoredFunction[];
  triggers: StoredTrigger[];
  values: StoredValue[];
  secrets: StoredSecret[];
  services: StoredService[];
}

export interface AppInstance {
  _id: string;
  client_app_id: string;
  domain_id: string;
  group_id: string;
  name: string;
  location: string;
  deployment_model: "GLOBAL" | "LOCAL";
  provider_region: string;
  environment: string;
  product: "standard" | "atlas";
  last_used: number;
  last_modified: number;
}

export interface StoredDeployment {
  _id: string;
  name: string;
  app_id: string;
  draft_id: string;
  user_id: string;
  deployed_at: number;
  origin: string;
  status: "created" | "pending" | "successful" | "failed";
  status_error_message?: string;
  /** The draft's configuration, deployed once the deployment succeeds. */
  config: AppConfig;
  /** GETs left before it finishes (the stand-in reports `pending` in between). */
  pendingPolls: number;
  failWith?: string;
}

export interface StoredDraft {
  _id: string;
  user_id: string;
  config: AppConfig;
}

export interface StandInApp {
  instance: AppInstance;
  deployed: AppConfig;
  drafts: StoredDraft[];
  deployments: StoredDeployment[];
  /** The next deployment fails with this message (tests: the discard path). */
  failNextDeployment?: string;
}

export const newId = (): string => new ObjectId().toHexString();
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function emptyConfig(): AppConfig {
  return { functions: [], triggers: [], values: [], secrets: [], services: [] };
}

export function cloneConfig(config: AppConfig): AppConfig {
  return structuredClone(config);
}

export function createApp(groupId: string, name: string, options: { appId?: string } = {}): StandInApp {
  const _id = options.appId ?? newId();
  return {
    instance: {
      _id,
      client_app_id: `${name}-${_id.slice(-5)}`,
      domain_id: newId(),
      group_id: groupId,
      name,
      location: "US-VA",
      deployment_model: "GLOBAL",
      provider_region: "aws-us-east-1",
      environment: "",
      product: "standard",
      last_used: nowSeconds(),
      last_modified: nowSeconds(),
    },
    deployed: emptyConfig(),
    drafts: [],
    deployments: [],
  };
}

/** The configuration a user's requests read and write: their draft's, else the deployed one. */
export function workingConfig(app: StandInApp, userId: string): AppConfig {
  const draft = app.drafts.find((d) => d.user_id === userId);
  return draft ? draft.config : app.deployed;
}

/** The Function as the reference's `Function` schema has it. */
export function functionAnswer(f: StoredFunction): Record<string, unknown> {
  const { last_modified: _, ...rest } = f;
  return rest;
}

/** A stored trigger as the reference's `Trigger`: its function by id and by name, in both places. */
export function triggerAnswer(t: StoredTrigger, config: AppConfig): Record<string, unknown> {
  const fn = config.functions.find((f) => f._id === t.function_id);
  const name = fn ? fn.name : "";
  return {
    _id: t._id,
    name: t.name,
    type: t.type,
    disabled: t.disabled,
    config: t.config,
    function_id: t.function_id,
    function_name: name,
    event_processors: { FUNCTION: { config: { function_id: t.function_id, function_name: name } } },
    last_modified: t.last_modified,
  };
}

export function valueAnswer(v: StoredValue): Record<string, unknown> {
  return { _id: v._id, name: v.name, private: v.private, from_secret: v.from_secret, value: v.value };
}

export function deploymentAnswer(d: StoredDeployment): Record<string, unknown> {
  const { config: _c, pendingPolls: _p, failWith: _f, ...rest } = d;
  return rest;
}
