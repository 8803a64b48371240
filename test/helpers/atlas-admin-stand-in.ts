import Ajv from "ajv";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in of the few Atlas Administration API v2 operations `npm run deploy` uses, as
 * the API documents them (mongodb.com/docs/api/doc/atlas-admin-api-v2; the field tables of
 * UserCustomDBRole, CloudDatabaseUser, NetworkPermissionEntry): HTTP digest authentication
 * (RFC 7616, MD5, qop=auth, as Atlas asks for it), the versioned Accept header, request bodies checked
 * against those schemas (an unknown field is a 400, as a typo would be), and 404s for what does not
 * exist. It keeps the project's state and records every request.
 */
const md5 = (text: string) => createHash("md5").update(text).digest("hex");
const REALM = "MMS Public API";

const resource = {
  type: "object",
  required: ["db", "collection", "cluster"],
  additionalProperties: false,
  properties: { db: { type: "string" }, collection: { type: "string" }, cluster: { type: "boolean" } },
};
const actions = {
  type: "array",
  items: {
    type: "object",
    required: ["action", "resources"],
    additionalProperties: false,
    properties: { action: { type: "string", pattern: "^[A-Z_]+$" }, resources: { type: "array", items: resource } },
  },
};
const inheritedRoles = {
  type: "array",
  items: { type: "object", required: ["db", "role"], properties: { db: { type: "string" }, role: { type: "string" } } },
};
const ajv = new Ajv({ allErrors: true });
const schemas = {
  role: ajv.compile({
    type: "object",
    required: ["roleName"],
    additionalProperties: false,
    properties: { roleName: { type: "string", minLength: 1 }, actions, inheritedRoles },
  }),
  roleUpdate: ajv.compile({ type: "object", additionalProperties: false, properties: { actions, inheritedRoles } }),
  user: ajv.compile({
    type: "object",
    required: ["databaseName", "groupId", "username", "roles"],
    additionalProperties: false,
    properties: {
      databaseName: { enum: ["admin", "$external"] },
      groupId: { type: "string", pattern: "^[0-9a-f]{24}$" },
      username: { type: "string" },
      password: { type: "string", minLength: 8 },
      description: { type: "string" },
      roles: {
        type: "array",
        items: {
          type: "object",
          required: ["databaseName", "roleName"],
          additionalProperties: false,
          properties: {
            databaseName: { type: "string" },
            roleName: { type: "string" },
            collectionName: { type: "string" },
          },
        },
      },
      scopes: {
        type: "array",
        items: {
          type: "object",
          required: ["name", "type"],
          additionalProperties: false,
          properties: { name: { type: "string" }, type: { enum: ["CLUSTER", "DATA_LAKE", "STREAM"] } },
        },
      },
    },
  }),
  accessList: ajv.compile({
    type: "array",
    items: {
      type: "object",
      additionalProperties: false,
      properties: { cidrBlock: { type: "string" }, ipAddress: { type: "string" }, comment: { type: "string" } },
    },
  }),
};

export interface AtlasCall {
  method: string;
  path: string;
  accept: string;
  body?: unknown;
  status: number;
}

export interface AtlasProject {
  groupId: string;
  clusters: Record<string, { connectionStrings: { standardSrv: string } }>;
  roles: Record<string, Record<string, unknown>>;
  users: Record<string, Record<string, unknown>>;
  accessList: { cidrBlock: string; comment?: string }[];
}

export async function startAtlasAdminStandIn(options: {
  publicKey: string;
  privateKey: string;
  project: AtlasProject;
  /** Answer 403 to writes (a key with a read-only project role). */
  readOnlyKey?: boolean;
}) {
  const calls: AtlasCall[] = [];
  const nonces = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      const url = new URL(req.url || "/", "http://stand-in");
      const call: AtlasCall = {
        method: req.method || "",
        path: url.pathname + url.search,
        accept: String(req.headers.accept),
        body,
        status: 0,
      };
      const answer = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
        call.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      if (!authorized(req.method || "", req.url || "", String(req.headers.authorization || ""), options, nonces)) {
        const nonce = randomBytes(16).toString("hex");
        nonces.add(nonce);
        // The challenge itself is not a call the client made on purpose: not recorded.
        answer(
          401,
          { error: 401, errorCode: "UNAUTHORIZED", detail: "You are not authorized for this resource." },
          {
            "www-authenticate": `Digest realm="${REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=false`,
          },
        );
        return;
      }
      calls.push(call);
      route(options, call, url.pathname, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    project: options.project,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function authorized(
  method: string,
  uri: string,
  header: string,
  keys: { publicKey: string; privateKey: string },
  nonces: Set<string>,
): boolean {
  if (!header.startsWith("Digest ")) return false;
  const field = (name: string) => new RegExp(`${name}="?([^",]*)"?`).exec(header)?.[1];
  const [username, nonce, cnonce, nc, qop, response, realm, digestUri] = [
    "username",
    "nonce",
    "cnonce",
    "nc",
    "qop",
    "response",
    "realm",
    "uri",
  ].map(field);
  if (username !== keys.publicKey || realm !== REALM || !nonce || !nonces.has(nonce) || digestUri !== uri) return false;
  const ha1 = md5(`${username}:${REALM}:${keys.privateKey}`);
  const ha2 = md5(`${method}:${uri}`);
  return response === md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
}

type Answer = (status: number, json?: unknown) => void;

function route(
  options: { project: AtlasProject; readOnlyKey?: boolean },
  call: AtlasCall,
  path: string,
  answer: Answer,
): void {
  const project = options.project;
  const group = `/api/atlas/v2/groups/${project.groupId}`;
  const version = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/.exec(call.accept)?.[1];
  if (!version)
    return answer(406, { errorCode: "INVALID_VERSION", detail: `Accept ${call.accept} names no API version` });
  if (!path.startsWith(group)) return answer(404, { errorCode: "GROUP_NOT_FOUND" });
  const rest = path.slice(group.length);
  if (call.method !== "GET" && options.readOnlyKey)
    return answer(403, { errorCode: "USER_UNAUTHORIZED", detail: "forbidden" });
  // Called right after `validate` refused the body: its errors are the detail.
  const invalid = (validate: { errors?: unknown }) =>
    answer(400, { errorCode: "INVALID_ATTRIBUTE", detail: JSON.stringify(validate.errors) });
  let match: RegExpExecArray | null;
  if ((match = /^\/clusters\/([^/]+)$/.exec(rest)) && call.method === "GET") {
    if (version !== "2024-08-05") return answer(406, { errorCode: "VERSION_NOT_SUPPORTED_FOR_TEST" });
    const cluster = project.clusters[decodeURIComponent(match[1])];
    return cluster ? answer(200, { name: match[1], ...cluster }) : answer(404, { errorCode: "CLUSTER_NOT_FOUND" });
  }
  if (rest === "/customDBRoles/roles" && call.method === "POST") {
    if (!schemas.role(call.body)) return invalid(schemas.role);
    const role = call.body as { roleName: string };
    if (project.roles[role.roleName]) return answer(409, { errorCode: "DUPLICATE_ROLE" });
    project.roles[role.roleName] = call.body as unknown as Record<string, unknown>;
    return answer(200, call.body);
  }
  if ((match = /^\/customDBRoles\/roles\/([^/]+)$/.exec(rest))) {
    const name = decodeURIComponent(match[1]);
    if (!project.roles[name]) return answer(404, { errorCode: "ATLAS_CUSTOM_ROLE_NOT_FOUND" });
    if (call.method === "GET") return answer(200, project.roles[name]);
    if (call.method === "PATCH") {
      if (!schemas.roleUpdate(call.body)) return invalid(schemas.roleUpdate);
      project.roles[name] = { roleName: name, ...(call.body as object) };
      return answer(200, project.roles[name]);
    }
  }
  if (rest === "/databaseUsers" && call.method === "POST") {
    if (!schemas.user(call.body)) return invalid(schemas.user);
    const user = call.body as { username: string };
    if (project.users[user.username]) return answer(409, { errorCode: "USER_ALREADY_EXISTS" });
    project.users[user.username] = call.body as unknown as Record<string, unknown>;
    return answer(201, withoutPassword(project.users[user.username]));
  }
  if ((match = /^\/databaseUsers\/admin\/([^/]+)$/.exec(rest))) {
    const name = decodeURIComponent(match[1]);
    if (!project.users[name]) return answer(404, { errorCode: "USERNAME_NOT_FOUND" });
    if (call.method === "GET") return answer(200, withoutPassword(project.users[name]));
    if (call.method === "PATCH") {
      if (!schemas.user(call.body)) return invalid(schemas.user);
      project.users[name] = { ...project.users[name], ...(call.body as object) };
      return answer(200, withoutPassword(project.users[name]));
    }
  }
  if (rest === "/accessList" && call.method === "GET")
    return answer(200, { results: project.accessList, totalCount: project.accessList.length });
  if (rest === "/accessList" && call.method === "POST") {
    if (!schemas.accessList(call.body)) return invalid(schemas.accessList);
    project.accessList.push(...(call.body as { cidrBlock: string }[]));
    return answer(201, { results: project.accessList });
  }
  return answer(404, { errorCode: "RESOURCE_NOT_FOUND", detail: `${call.method} ${path}` });
}

/** Atlas never answers a user's password back. */
function withoutPassword(user: Record<string, unknown>): Record<string, unknown> {
  const { password: _password, ...rest } = user;
  return rest;
}
