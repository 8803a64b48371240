/**
 * The Atlas half of `npm run deploy -- --aws <stack>`: the custom role and the database user the
 * bridge's hosts need (the privileges mongodb/setup-database-user.js grants, made through the Atlas
 * Administration API v2 instead of by hand), the cluster's connection string for the stack, and the
 * IP access list entries asked for. What the API cannot do is returned as exact commands to run.
 *
 * `planAtlasAccess` only reads; `applyAtlasAccess` writes what the plan says, with the password the
 * stack generated (never printed; the user's description records the secret's version, so a
 * second run with the same password writes nothing).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCaptureList, WHOLE_DATABASE } from "../../src/core/capture/shaping/capture-list";
import { readCaptureConfig } from "../../src/core/capture/config";
import { readFirehoseConfig } from "../../src/core/firehose/config";
import type { Namespace } from "../../src/core/firehose/apply/routing";
import type { AtlasApi } from "./atlas-api";

export const BRIDGE_ROLE = "atlasKinesisBridge";

/** One privilege as Atlas's custom roles write it: an action on a list of namespaces ("" = the whole database). */
export interface RoleAction {
  action: "FIND" | "CHANGE_STREAM" | "INSERT" | "UPDATE" | "REMOVE";
  resources: { db: string; collection: string; cluster: false }[];
}

export interface CustomRole {
  roleName: string;
  actions: RoleAction[];
  inheritedRoles: { db: string; role: string }[];
}

/** What values/ and the capture list say the bridge reads and writes (as setup-database-user.js computes it). */
export function bridgeNamespaces(root: string): { captured: Namespace[]; written: Namespace[] } {
  const values: Record<string, unknown> = {};
  for (const name of readdirValues(root)) {
    const file = JSON.parse(readFileSync(join(root, "values", name), "utf8")) as {
      name: string;
      from_secret?: boolean;
      value: unknown;
    };
    if (!file.from_secret) values[file.name] = file.value;
  }
  const read = (name: string) => values[name];
  const capture = readCaptureConfig(read);
  const firehose = readFirehoseConfig(read);
  const list = parseCaptureList(
    readFileSync(join(root, "config", "captured-collections.csv"), "utf8"),
    "config/captured-collections.csv",
  );
  const captured = list.map((c) => ({ db: c.db, coll: c.coll === WHOLE_DATABASE ? "" : c.coll }));
  const written: Namespace[] = [
    { db: capture.heartbeatDatabase, coll: capture.heartbeatCollection },
    { db: capture.signalDatabase, coll: capture.signalCollection },
    { db: capture.outboxDatabase, coll: capture.outboxCollection },
    { db: capture.outboxDatabase, coll: capture.statusCollection },
    { db: firehose.database, coll: firehose.collection },
    { db: firehose.database, coll: firehose.deadLetterCollection },
    { db: firehose.routing.heartbeatTarget.db, coll: firehose.routing.heartbeatTarget.coll },
    { db: firehose.database, coll: firehose.deletesCollection },
    { db: firehose.database, coll: firehose.reconcileCollection },
    // Targets of FIREHOSE_NAMESPACE_MAP and FIREHOSE_UNMAPPED_TARGET need the same writes.
    ...[...firehose.routing.namespaceMap.values()],
    ...(firehose.routing.unmappedTemplate
      ? captured.map((c) => templateTarget(firehose.routing.unmappedTemplate!, c))
      : []),
  ];
  const seen = new Set<string>();
  return {
    captured,
    written: written.filter((ns) => !seen.has(`${ns.db}.${ns.coll}`) && seen.add(`${ns.db}.${ns.coll}`)),
  };
}

function readdirValues(root: string): string[] {
  return readdirSync(join(root, "values")).filter((f) => f.endsWith(".json"));
}

/** A template target for a captured namespace; a whole captured database maps to its whole target database. */
function templateTarget(template: string, source: Namespace): Namespace {
  const filled = template
    .replace(/\{db\}/g, source.db)
    .replace(/\{coll\}/g, source.coll === "" ? "\u0000" : source.coll);
  const dot = filled.indexOf(".");
  const coll = filled.slice(dot + 1);
  return { db: filled.slice(0, dot), coll: coll.includes("\u0000") ? "" : coll };
}

/** The custom role: find + changeStream on the captured collections, find/insert/update/remove on the bridge's own. */
export function bridgeRole(root: string, roleName = BRIDGE_ROLE): CustomRole {
  const { captured, written } = bridgeNamespaces(root);
  const on = (list: Namespace[]) => list.map((ns) => ({ db: ns.db, collection: ns.coll, cluster: false as const }));
  return {
    roleName,
    actions: [
      { action: "FIND", resources: on([...captured, ...written]) },
      { action: "CHANGE_STREAM", resources: on(captured) },
      { action: "INSERT", resources: on(written) },
      { action: "UPDATE", resources: on(written) },
      { action: "REMOVE", resources: on(written) },
    ],
    inheritedRoles: [],
  };
}

interface AtlasUser {
  username: string;
  databaseName: string;
  roles?: { databaseName: string; roleName: string; collectionName?: string }[];
  scopes?: { name: string; type: string }[];
  description?: string;
}

export interface AtlasAccessPlan {
  readonly projectId: string;
  readonly clusterName: string;
  /** The cluster's SRV connection string without credentials (the stack's MongoDbUri). */
  readonly clusterUri: string;
  readonly role: { body: CustomRole; change: "create" | "update" | "unchanged" };
  readonly user: { username: string; existing?: AtlasUser; body: Omit<AtlasUser, "description"> };
  readonly accessList: { add: string[]; present: string[] };
  /** Commands the person still runs (the API cannot do these). */
  readonly remaining: string[];
}

export interface AtlasAccessOptions {
  readonly root: string;
  readonly projectId: string;
  readonly clusterName: string;
  readonly username: string;
  /** CIDR blocks to put on the project's IP access list (the webhook host's addresses). */
  readonly accessList: readonly string[];
  /** The webhook runs in the stack's Lambda, whose addresses are not fixed. */
  readonly lambda: boolean;
  readonly stackName: string;
}

export async function planAtlasAccess(api: AtlasApi, options: AtlasAccessOptions): Promise<AtlasAccessPlan> {
  const group = `/groups/${encodeURIComponent(options.projectId)}`;
  const cluster = await api.find<{ connectionStrings?: { standardSrv?: string } }>(
    `${group}/clusters/${encodeURIComponent(options.clusterName)}`,
    { version: "2024-08-05" },
  );
  if (!cluster)
    throw new Error(
      `project ${options.projectId} has no cluster named "${options.clusterName}": set clusterName in data_sources/mongodb-atlas/config.json`,
    );
  const srv = cluster.connectionStrings?.standardSrv;
  if (!srv)
    throw new Error(`cluster ${options.clusterName} has no SRV connection string yet (is it still being created?)`);
  const desired = bridgeRole(options.root);
  const role = await api.find<CustomRole>(`${group}/customDBRoles/roles/${encodeURIComponent(desired.roleName)}`);
  const existing = await api.find<AtlasUser>(`${group}/databaseUsers/admin/${encodeURIComponent(options.username)}`);
  const list = await api.call<{ results?: { cidrBlock?: string; ipAddress?: string }[] }>(
    `GET`,
    `${group}/accessList?itemsPerPage=500`,
  );
  const present = (list.results || []).map((entry) => entry.cidrBlock || `${entry.ipAddress}/32`);
  const add = options.accessList.filter((cidr) => !present.includes(cidr));
  return {
    projectId: options.projectId,
    clusterName: options.clusterName,
    clusterUri: `${srv.replace(/\/+$/, "")}/`,
    role: { body: desired, change: !role ? "create" : sameRole(role, desired) ? "unchanged" : "update" },
    user: {
      username: options.username,
      existing,
      body: {
        username: options.username,
        databaseName: "admin",
        roles: [{ databaseName: "admin", roleName: desired.roleName }],
        scopes: [{ name: options.clusterName, type: "CLUSTER" }],
      },
    },
    accessList: { add, present },
    remaining: remainingCommands(options, `${srv.replace(/\/+$/, "")}/`, [...present, ...add]),
  };
}

function sameRole(a: CustomRole, b: CustomRole): boolean {
  const norm = (role: CustomRole) =>
    JSON.stringify(
      role.actions
        .map((x) => ({ action: x.action, resources: x.resources.map((r) => `${r.db}.${r.collection}`).sort() }))
        .sort((x, y) => x.action.localeCompare(y.action)),
    ) + JSON.stringify(role.inheritedRoles || []);
  return norm(a) === norm(b);
}

function remainingCommands(options: AtlasAccessOptions, clusterUri: string, entries: string[]): string[] {
  const remaining: string[] = [];
  const { captured } = bridgeNamespaces(options.root);
  const capturedText = captured.map((ns) => `${ns.db}.${ns.coll || "*"}`).join(",");
  remaining.push(
    `Create the collections and the TTL indexes (the Admin API has no call for them), as a user allowed to: ` +
      `CAPTURED=${capturedText} mongosh "${clusterUri}" --username <admin user> --file mongodb/setup-database-user.js`,
  );
  if (options.lambda && !entries.includes("0.0.0.0/0"))
    remaining.push(
      `The webhook Lambda connects from AWS addresses that are not fixed, and the project's IP access list ` +
        `(${entries.length ? entries.join(", ") : "empty"}) does not let them in. Either open it ` +
        `(npm run deploy -- --aws ${options.stackName} --atlas-access-list 0.0.0.0/0; the user's generated password and TLS still guard the cluster), ` +
        `or give the function fixed addresses (a VPC with a NAT gateway, or a private endpoint) and list those.`,
    );
  return remaining;
}

/** What a plan would write, for --dry-run and the log (no secret in it). */
export function describePlan(plan: AtlasAccessPlan, passwordVersion?: string): string[] {
  const userChange = !plan.user.existing
    ? "create"
    : userNeedsUpdate(plan, passwordVersion)
      ? `update (${passwordVersion === undefined ? "the password from the stack's DatabaseCredentials secret" : "roles, scope or password"})`
      : "unchanged";
  const actions = plan.role.body.actions.map(
    (a) => `${a.action} on ${a.resources.map((r) => `${r.db}.${r.collection || "*"}`).join(", ")}`,
  );
  return [
    `Atlas project ${plan.projectId}, cluster ${plan.clusterName} (${plan.clusterUri})`,
    `  custom role ${plan.role.body.roleName}: ${plan.role.change}: ${actions.join("; ")}`,
    `  database user ${plan.user.username} (admin, role ${plan.role.body.roleName}, scoped to ${plan.clusterName}): ${userChange}`,
    `  IP access list: ${plan.accessList.add.length ? `add ${plan.accessList.add.join(", ")}` : "nothing to add"}`,
  ];
}

const describeUser = (versionId: string) =>
  `atlas-kinesis-bridge; password: the stack's DatabaseCredentials secret, version ${versionId}`;

function userNeedsUpdate(plan: AtlasAccessPlan, passwordVersion: string | undefined): boolean {
  const existing = plan.user.existing;
  if (!existing) return true;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const rolesSame = same(
    (existing.roles || []).map((r) => `${r.databaseName}.${r.roleName}`),
    plan.user.body.roles!.map((r) => `${r.databaseName}.${r.roleName}`),
  );
  const scopesSame = same(existing.scopes || [], plan.user.body.scopes);
  return (
    !rolesSame || !scopesSame || passwordVersion === undefined || existing.description !== describeUser(passwordVersion)
  );
}

/** Writes the plan: the role, then the user with the stack's password, then the access list entries. */
export async function applyAtlasAccess(
  api: AtlasApi,
  plan: AtlasAccessPlan,
  credentials: { password: string; versionId: string },
  log: (line: string) => void,
): Promise<{ writes: number }> {
  const group = `/groups/${encodeURIComponent(plan.projectId)}`;
  let writes = 0;
  const role = plan.role.body;
  if (plan.role.change === "create") await api.call("POST", `${group}/customDBRoles/roles`, { body: role });
  if (plan.role.change === "update")
    await api.call("PATCH", `${group}/customDBRoles/roles/${encodeURIComponent(role.roleName)}`, {
      body: { actions: role.actions, inheritedRoles: role.inheritedRoles },
    });
  if (plan.role.change !== "unchanged") {
    writes++;
    log(`Atlas: custom role ${role.roleName} ${plan.role.change}d`);
  }
  if (userNeedsUpdate(plan, credentials.versionId)) {
    const body = {
      ...plan.user.body,
      groupId: plan.projectId,
      password: credentials.password,
      description: describeUser(credentials.versionId),
    };
    if (plan.user.existing)
      await api.call("PATCH", `${group}/databaseUsers/admin/${encodeURIComponent(plan.user.username)}`, { body });
    else await api.call("POST", `${group}/databaseUsers`, { body });
    writes++;
    log(
      `Atlas: database user ${plan.user.username} ${plan.user.existing ? "updated" : "created"} (password from the stack's secret)`,
    );
  }
  if (plan.accessList.add.length > 0) {
    await api.call("POST", `${group}/accessList`, {
      body: plan.accessList.add.map((cidrBlock) => ({ cidrBlock, comment: "atlas-kinesis-bridge webhook" })),
    });
    writes++;
    log(`Atlas: IP access list += ${plan.accessList.add.join(", ")}`);
  }
  return { writes };
}

const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** `--atlas-access-list a,b`: IPv4 CIDR blocks (an address alone is its /32). */
export function parseAccessList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(",").map((item) => {
    const cidr = item.trim().includes("/") ? item.trim() : `${item.trim()}/32`;
    if (!CIDR.test(cidr)) throw new Error(`--atlas-access-list: "${item.trim()}" is not an IPv4 address or CIDR block`);
    return cidr;
  });
}
