import { EJSON } from "bson";
import type { RemoteTrigger } from "../../src/adapters/admin-api/app-admin-client";
import {
  secretsNamed,
  type DesiredApp,
  type DesiredFunction,
  type DesiredTrigger,
  type DesiredValue,
} from "./local-app";
import type { DeployedApp } from "./remote-app";
import type { SecretValues } from "./secrets";

/**
 * The plan: the difference between the export and the deployed app, part by part, matched by name.
 * - Functions compare their source and settings, values their value, `from_secret` and `private`,
 *   the data source its cluster, read preference and wire protocol.
 * - A trigger compares its type, `disabled`, its function (by name) and every field of its
 *   configuration (its data source by name, defaults filled in as the reference gives them); a
 *   trigger that differs is updated in place (same `_id`, so its resume point stays), never deleted
 *   and created again; one that does not is not touched.
 * - What the deployed app has and the export does not (functions, triggers, values) is deleted, as a
 *   push of the export would. Data sources and secrets are never deleted.
 * - Secrets compare by name only (their values cannot be read): one the values name that does not
 *   exist is created from the value given, or is missing; one that exists is set again only when its
 *   value's source says to replace it (--update-secrets).
 */

export type Part = "data source" | "secret" | "function" | "value" | "trigger";
export type Action = "create" | "update" | "delete";

export interface Change {
  part: Part;
  action: Action;
  name: string;
  /** The deployed `_id` (updates and deletes). */
  id?: string;
  /** What differs (updates), e.g. ["source"], ["config.match"]. */
  fields?: string[];
  /** Where a secret's value comes from. */
  from?: string;
}

export interface Plan {
  changes: Change[];
  unchanged: Record<Part, number>;
  /** Secrets the values name that neither exist nor were given, with the values that name them. */
  missingSecrets: { name: string; usedBy: string[] }[];
  /** What is left as it is although the export does not have it. */
  leftAlone: string[];
}

export function planDeploy(desired: DesiredApp, deployed: DeployedApp, secrets: SecretValues): Plan {
  const plan: Plan = {
    changes: [],
    unchanged: { "data source": 0, secret: 0, function: 0, value: 0, trigger: 0 },
    missingSecrets: [],
    leftAlone: [],
  };
  planDataSources(desired, deployed, plan);
  planSecrets(desired, deployed, secrets, plan);
  diffByName(plan, "function", desired.functions, deployed.functions, functionDiff);
  diffByName(plan, "value", desired.values, deployed.values, valueDiff);
  const serviceNames = new Map(deployed.services.map((s) => [s._id, s.name]));
  const functionNames = new Map(deployed.functions.map((f) => [f._id, f.name]));
  diffByName(plan, "trigger", desired.triggers, deployed.triggers, (want, have) =>
    triggerDiff(want, have, serviceNames, functionNames),
  );
  // Deletes go last, triggers before the functions they run.
  const order: Part[] = ["data source", "secret", "function", "value", "trigger"];
  const rank = (c: Change) => (c.action === "delete" ? 10 + (4 - order.indexOf(c.part)) : order.indexOf(c.part));
  plan.changes.sort((a, b) => rank(a) - rank(b));
  return plan;
}

function diffByName<W extends { name: string }, H extends { _id: string; name: string }>(
  plan: Plan,
  part: Part,
  wanted: readonly W[],
  have: readonly H[],
  diff: (want: W, have: H) => string[],
): void {
  const byName = new Map(have.map((h) => [h.name, h]));
  for (const want of wanted) {
    const current = byName.get(want.name);
    if (!current) plan.changes.push({ part, action: "create", name: want.name });
    else {
      const fields = diff(want, current);
      if (fields.length > 0) plan.changes.push({ part, action: "update", name: want.name, id: current._id, fields });
      else plan.unchanged[part]++;
    }
  }
  const names = new Set(wanted.map((w) => w.name));
  for (const current of have)
    if (!names.has(current.name)) plan.changes.push({ part, action: "delete", name: current.name, id: current._id });
}

function planDataSources(desired: DesiredApp, deployed: DeployedApp, plan: Plan): void {
  for (const source of desired.dataSources) {
    const current = deployed.services.find((s) => s.name === source.name);
    if (!current) {
      plan.changes.push({ part: "data source", action: "create", name: source.name });
      continue;
    }
    const fields: string[] = (["clusterName", "readPreference", "wireProtocolEnabled"] as const).filter(
      (field) => !same(source.config[field], current.config ? current.config[field] : undefined),
    );
    if (current.type !== source.type) fields.unshift("type");
    if (fields.length > 0)
      plan.changes.push({ part: "data source", action: "update", name: source.name, id: current._id, fields });
    else plan.unchanged["data source"]++;
  }
  for (const service of deployed.services)
    if (!desired.dataSources.some((d) => d.name === service.name))
      plan.leftAlone.push(`service ${service.name} (${service.type}): not in data_sources/, left as it is`);
}

function planSecrets(desired: DesiredApp, deployed: DeployedApp, secrets: SecretValues, plan: Plan): void {
  const named = secretsNamed(desired);
  for (const [name, usedBy] of named) {
    const current = deployed.secrets.find((s) => s.name === name);
    const supply = secrets.supplyOf(name);
    if (!current && supply) plan.changes.push({ part: "secret", action: "create", name, from: supply.from });
    else if (!current) plan.missingSecrets.push({ name, usedBy });
    else if (supply && supply.replace)
      plan.changes.push({ part: "secret", action: "update", name, id: current._id, from: supply.from });
    else plan.unchanged.secret++;
  }
  for (const secret of deployed.secrets)
    if (!named.has(secret.name)) plan.leftAlone.push(`secret ${secret.name}: no value names it, left as it is`);
}

function functionDiff(want: DesiredFunction, have: DeployedApp["functions"][number]): string[] {
  const fields: string[] = [];
  if (want.source !== have.source) fields.push("source");
  if (want.private !== (have.private === true)) fields.push("private");
  if ((want.run_as_system === true) !== (have.run_as_system === true)) fields.push("run_as_system");
  // Not in the spec's Function: compared only when the API answers it.
  if (have.disable_arg_logs !== undefined && (want.disable_arg_logs === true) !== have.disable_arg_logs)
    fields.push("disable_arg_logs");
  return fields;
}

function valueDiff(want: DesiredValue, have: DeployedApp["values"][number]): string[] {
  const fields: string[] = [];
  if (!same(want.value, have.value)) fields.push("value");
  if (want.from_secret !== (have.from_secret === true)) fields.push("from_secret");
  if (want.private !== (have.private === true)) fields.push("private");
  return fields;
}

/** A DATABASE trigger's configuration fields and their defaults (the reference's DatabaseTrigger). */
const DATABASE_DEFAULTS: Record<string, unknown> = {
  database: undefined,
  collection: undefined,
  operation_types: [],
  match: {},
  project: {},
  full_document: false,
  full_document_before_change: false,
  skip_catchup_events: false,
  tolerate_resume_errors: false,
  maximum_throughput: false,
  unordered: false,
};
const SCHEDULED_DEFAULTS: Record<string, unknown> = { schedule: undefined, skip_catchup_events: false };

function triggerDiff(
  want: DesiredTrigger,
  have: RemoteTrigger,
  serviceNames: Map<string, string>,
  functionNames: Map<string, string>,
): string[] {
  const fields: string[] = [];
  if (want.type !== have.type) return ["type"];
  if (want.disabled !== (have.disabled === true)) fields.push("disabled");
  if (want.functionName !== functionOf(have, functionNames)) fields.push("function");
  const defaults = want.type === "DATABASE" ? DATABASE_DEFAULTS : SCHEDULED_DEFAULTS;
  const haveConfig = have.config || {};
  if (want.type === "DATABASE" && want.config.service_name !== serviceNames.get(String(haveConfig.service_id)))
    fields.push("config.service_name");
  for (const [field, fallback] of Object.entries(defaults)) {
    let a = want.config[field] ?? fallback;
    let b = haveConfig[field] ?? fallback;
    if (field === "operation_types") [a, b] = [sorted(a), sorted(b)];
    if (!same(a, b)) fields.push(`config.${field}`);
  }
  return fields;
}

/** The function a listed trigger runs, by name. */
export function functionOf(trigger: RemoteTrigger, functionNames: Map<string, string>): string | undefined {
  const processor = trigger.event_processors?.FUNCTION?.config;
  const id = trigger.function_id ?? processor?.function_id;
  return trigger.function_name ?? processor?.function_name ?? (id ? functionNames.get(id) : undefined);
}

function sorted(value: unknown): unknown {
  return Array.isArray(value) ? [...value].map(String).sort() : value;
}

/** Equal as JSON, whatever the key order, and whichever way Extended JSON writes a number ({"$numberInt": "1"} is 1). */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  const relaxed = EJSON.serialize(EJSON.deserialize(value as never, { relaxed: true }), { relaxed: true });
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sortKeys(relaxed));
}

/** The plan as lines for people (no secret value in any of them). */
export function renderPlan(plan: Plan): string[] {
  const lines: string[] = [];
  for (const c of plan.changes) {
    const detail =
      c.part === "secret"
        ? ` (value from ${c.from})`
        : c.action === "update"
          ? ` (${(c.fields ?? []).join(", ")})${c.part === "trigger" ? `, in place: keeps _id ${c.id}` : ""}`
          : "";
    lines.push(`  ${c.action.padEnd(6)}  ${c.part.padEnd(11)}  ${c.name}${detail}`);
  }
  const unchanged = (Object.entries(plan.unchanged) as [Part, number][])
    .filter(([, n]) => n > 0)
    .map(([part, n]) => `${n} ${part}${n === 1 ? "" : "s"}`);
  if (unchanged.length > 0) lines.push(`  unchanged: ${unchanged.join(", ")}`);
  for (const note of plan.leftAlone) lines.push(`  left alone: ${note}`);
  return lines;
}
