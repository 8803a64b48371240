import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { createAtlasApi } from "../../scripts/deploy/atlas-api";
import {
  applyAtlasAccess,
  bridgeRole,
  describePlan,
  parseAccessList,
  planAtlasAccess,
  type AtlasAccessOptions,
} from "../../scripts/deploy/atlas-access";
import { startAtlasAdminStandIn, type AtlasProject } from "../helpers/atlas-admin-stand-in";

const root = join(import.meta.dirname, "..", "..");
const GROUP = "5f1d3a2b4c6e8f0a1b2c3d4e";
const KEYS = { publicKey: "abcdefgh", privateKey: "11111111-2222-3333-4444-555555555555" };
const PASSWORD = "generated-password-0000000000000000000000";
const SRV = "mongodb+srv://cluster0.abcde.mongodb.net";

const project = (accessList: AtlasProject["accessList"] = []): AtlasProject => ({
  groupId: GROUP,
  clusters: { Cluster0: { connectionStrings: { standardSrv: SRV } } },
  roles: {},
  users: {},
  accessList,
});
const options = (overrides: Partial<AtlasAccessOptions> = {}): AtlasAccessOptions => ({
  root,
  projectId: GROUP,
  clusterName: "Cluster0",
  username: "atlas-kinesis-bridge",
  accessList: [],
  lambda: true,
  stackName: "bridge",
  ...overrides,
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
async function standIn(state: AtlasProject, readOnlyKey = false) {
  const server = await startAtlasAdminStandIn({ ...KEYS, project: state, readOnlyKey });
  stops.push(server.stop);
  return { server, api: createAtlasApi({ baseUrl: server.url, ...KEYS }) };
}
const requests = (calls: { method: string; path: string; accept: string }[]) =>
  calls.map((c) => `${c.method} ${c.path} ${c.accept.replace(/^application\/vnd\.atlas\.|\+json$/g, "")}`);

describe("the bridge's custom role", () => {
  it("grants exactly what mongodb/setup-database-user.js grants for the same capture list and values", () => {
    // The mongosh script, run against a recording `db`, for this repository's capture list.
    let created: { privileges: { resource: { db: string; collection: string }; actions: string[] }[] } | undefined;
    const db = {
      getSiblingDB: () => db,
      getCollectionNames: () => [],
      createCollection: () => undefined,
      getCollection: () => ({ createIndex: () => undefined }),
      getRole: () => null,
      getUser: () => null,
      createRole: (role: typeof created) => (created = role),
      createUser: () => undefined,
      getMongo: () => ({ toString: () => "mongodb://127.0.0.1:27017" }),
    };
    const script = readFileSync(join(root, "mongodb", "setup-database-user.js"), "utf8");
    runInNewContext(script, { db, print: () => undefined, process: { env: { CAPTURED: "monitors.reports" } } });
    const fromScript = new Set(
      created!.privileges.flatMap((p) =>
        p.actions.map(
          (a) => `${a.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()} ${p.resource.db}.${p.resource.collection}`,
        ),
      ),
    );
    const fromDeploy = new Set(
      bridgeRole(root).actions.flatMap((a) => a.resources.map((r) => `${a.action} ${r.db}.${r.collection}`)),
    );
    expect([...fromDeploy].sort()).toEqual([...fromScript].sort());
    expect(fromDeploy.size).toBe(2 + 9 * 4);
  });
});

describe("Atlas access through the Admin API v2 (loopback stand-in with digest authentication)", () => {
  it("first run: reads, then creates the role, the user (the stack's password, scoped to the cluster) and the access list entry", async () => {
    const { server, api } = await standIn(project());
    const plan = await planAtlasAccess(api, options({ accessList: ["0.0.0.0/0"] }));
    expect(plan.clusterUri).toBe(`${SRV}/`);
    expect(describePlan(plan, "v1")).toEqual([
      `Atlas project ${GROUP}, cluster Cluster0 (${SRV}/)`,
      expect.stringMatching(
        /^ {2}custom role atlasKinesisBridge: create: FIND on monitors\.reports, streamkap\.streamkap_heartbeat, .*; CHANGE_STREAM on monitors\.reports; INSERT on /,
      ),
      "  database user atlas-kinesis-bridge (admin, role atlasKinesisBridge, scoped to Cluster0): create",
      "  IP access list: add 0.0.0.0/0",
    ]);
    const lines: string[] = [];
    expect(await applyAtlasAccess(api, plan, { password: PASSWORD, versionId: "v1" }, (l) => lines.push(l))).toEqual({
      writes: 3,
    });
    expect(requests(server.calls)).toEqual([
      `GET /api/atlas/v2/groups/${GROUP}/clusters/Cluster0 2024-08-05`,
      `GET /api/atlas/v2/groups/${GROUP}/customDBRoles/roles/atlasKinesisBridge 2023-01-01`,
      `GET /api/atlas/v2/groups/${GROUP}/databaseUsers/admin/atlas-kinesis-bridge 2023-01-01`,
      `GET /api/atlas/v2/groups/${GROUP}/accessList?itemsPerPage=500 2023-01-01`,
      `POST /api/atlas/v2/groups/${GROUP}/customDBRoles/roles 2023-01-01`,
      `POST /api/atlas/v2/groups/${GROUP}/databaseUsers 2023-01-01`,
      `POST /api/atlas/v2/groups/${GROUP}/accessList 2023-01-01`,
    ]);
    expect(server.calls.every((c) => (c.status >= 200 && c.status < 300) || c.status === 404)).toBe(true);
    expect(server.project.users["atlas-kinesis-bridge"]).toEqual({
      username: "atlas-kinesis-bridge",
      databaseName: "admin",
      groupId: GROUP,
      password: PASSWORD,
      roles: [{ databaseName: "admin", roleName: "atlasKinesisBridge" }],
      scopes: [{ name: "Cluster0", type: "CLUSTER" }],
      description: "atlas-kinesis-bridge; password: the stack's DatabaseCredentials secret, version v1",
    });
    expect(server.project.accessList).toEqual([{ cidrBlock: "0.0.0.0/0", comment: "atlas-kinesis-bridge webhook" }]);
    expect(lines.join("\n")).not.toContain(PASSWORD);
    // With 0.0.0.0/0 on the list only the collections step remains.
    expect(plan.remaining).toEqual([
      `Create the collections and the TTL indexes (the Admin API has no call for them), as a user allowed to: CAPTURED=monitors.reports mongosh "${SRV}/" --username <admin user> --file mongodb/setup-database-user.js`,
    ]);
  });

  it("a second run with the same password version writes nothing; a new version updates the user in place", async () => {
    const { server, api } = await standIn(project([{ cidrBlock: "0.0.0.0/0" }]));
    await applyAtlasAccess(
      api,
      await planAtlasAccess(api, options()),
      { password: PASSWORD, versionId: "v1" },
      () => undefined,
    );
    server.calls.splice(0);
    const again = await planAtlasAccess(api, options());
    expect(again.role.change).toBe("unchanged");
    expect(await applyAtlasAccess(api, again, { password: PASSWORD, versionId: "v1" }, () => undefined)).toEqual({
      writes: 0,
    });
    expect(server.calls.every((c) => c.method === "GET")).toBe(true);
    const rotated = await applyAtlasAccess(
      api,
      again,
      { password: "a-new-password-000000000000", versionId: "v2" },
      () => undefined,
    );
    expect(rotated).toEqual({ writes: 1 });
    expect(server.calls.at(-1)).toMatchObject({
      method: "PATCH",
      path: `/api/atlas/v2/groups/${GROUP}/databaseUsers/admin/atlas-kinesis-bridge`,
    });
    expect(server.project.users["atlas-kinesis-bridge"].password).toBe("a-new-password-000000000000");
  });

  it("a role that drifted (edited in the UI) is put back with PATCH", async () => {
    const state = project();
    state.roles.atlasKinesisBridge = { roleName: "atlasKinesisBridge", actions: [], inheritedRoles: [] };
    const { server, api } = await standIn(state);
    const plan = await planAtlasAccess(api, options());
    expect(plan.role.change).toBe("update");
    await applyAtlasAccess(api, plan, { password: PASSWORD, versionId: "v1" }, () => undefined);
    expect(server.calls.find((c) => c.method === "PATCH")?.path).toBe(
      `/api/atlas/v2/groups/${GROUP}/customDBRoles/roles/atlasKinesisBridge`,
    );
    expect(server.project.roles.atlasKinesisBridge).toEqual(bridgeRole(root));
  });

  it("names what is left for the person when the Lambda's addresses are not on the access list", async () => {
    const { api } = await standIn(project([{ cidrBlock: "203.0.113.0/24" }]));
    const plan = await planAtlasAccess(api, options());
    expect(plan.remaining[1]).toBe(
      "The webhook Lambda connects from AWS addresses that are not fixed, and the project's IP access list (203.0.113.0/24) does not let them in. " +
        "Either open it (npm run deploy -- --aws bridge --atlas-access-list 0.0.0.0/0; the user's generated password and TLS still guard the cluster), " +
        "or give the function fixed addresses (a VPC with a NAT gateway, or a private endpoint) and list those.",
    );
  });

  it.each([
    {
      name: "a wrong private key (401)",
      keys: { ...KEYS, privateKey: "wrong" },
      readOnly: false,
      message: `Atlas refused the API key (401) for GET /api/atlas/v2/groups/${GROUP}/clusters/Cluster0: check MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY`,
    },
  ])("refuses with $name named", async ({ keys, message }) => {
    const { server } = await standIn(project());
    const api = createAtlasApi({ baseUrl: server.url, ...keys });
    await expect(planAtlasAccess(api, options())).rejects.toThrow(message);
  });

  it("a key without the role to write gets the role it needs named (403), before anything is half-made", async () => {
    const { server, api } = await standIn(project(), true);
    const plan = await planAtlasAccess(api, options());
    await expect(applyAtlasAccess(api, plan, { password: PASSWORD, versionId: "v1" }, () => undefined)).rejects.toThrow(
      `the Atlas API key may not do POST /api/atlas/v2/groups/${GROUP}/customDBRoles/roles (403 USER_UNAUTHORIZED): give it the Project Owner role`,
    );
    expect(server.project.roles).toEqual({});
  });

  it("names a cluster the project does not have, pointing at the data source's clusterName", async () => {
    const { api } = await standIn(project());
    await expect(planAtlasAccess(api, options({ clusterName: "<your-cluster>" }))).rejects.toThrow(
      `project ${GROUP} has no cluster named "<your-cluster>": set clusterName in data_sources/mongodb-atlas/config.json`,
    );
  });
});

describe("--atlas-access-list", () => {
  it.each([
    { text: "0.0.0.0/0", cidrs: ["0.0.0.0/0"] },
    { text: "203.0.113.7, 198.51.100.0/24", cidrs: ["203.0.113.7/32", "198.51.100.0/24"] },
  ])("reads $text", ({ text, cidrs }) => expect(parseAccessList(text)).toEqual(cidrs));
  it.each(["256.0.0.1", "10.0.0.0/33", "example.com", ""])("refuses %j", (text) =>
    expect(() => parseAccessList(text)).toThrow("is not an IPv4 address or CIDR block"),
  );
});
