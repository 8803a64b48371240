/**
 * The Atlas Administration API v2, as `npm run deploy` uses it: HTTP digest authentication with a
 * programmatic API key (MONGODB_ATLAS_PUBLIC_API_KEY / MONGODB_ATLAS_PRIVATE_API_KEY, as the Atlas
 * CLI names them) through urllib, and the versioned media type each resource documents
 * (`application/vnd.atlas.<date>+json`; mongodb.com/docs/atlas/api/versioned-api-overview/).
 */
import { request } from "urllib";

export const ATLAS_API_URL = "https://cloud.mongodb.com";

export interface AtlasApi {
  /** The JSON answer of one call; an error names the call and, for 401/403, the key's missing role. */
  call<T>(method: "GET" | "POST" | "PATCH", path: string, options?: { body?: unknown; version?: string }): Promise<T>;
  /** Like `call`, but a 404 is `undefined` (the resource does not exist yet). */
  find<T>(path: string, options?: { version?: string }): Promise<T | undefined>;
}

export class AtlasApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "AtlasApiError";
  }
}

export function createAtlasApi(options: {
  baseUrl?: string;
  publicKey: string;
  privateKey: string;
  timeoutMs?: number;
}): AtlasApi {
  const base = (options.baseUrl || ATLAS_API_URL).replace(/\/+$/, "");
  const send = async (method: string, path: string, body: unknown, version = "2023-01-01") => {
    const media = `application/vnd.atlas.${version}+json`;
    const answer = await request(`${base}/api/atlas/v2${path}`, {
      method: method as "GET",
      digestAuth: `${options.publicKey}:${options.privateKey}`,
      headers: { Accept: media, ...(body === undefined ? {} : { "Content-Type": media }) },
      ...(body === undefined ? {} : { content: JSON.stringify(body) }),
      dataType: "text",
      timeout: options.timeoutMs ?? 30_000,
    });
    const text = String(answer.data ?? "");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: answer.status, json, text };
  };
  const fail = (method: string, path: string, status: number, json: unknown): never => {
    const { errorCode = "", detail = "" } = (json || {}) as { errorCode?: string; detail?: string };
    const what = `${method} /api/atlas/v2${path}`;
    if (status === 401)
      throw new AtlasApiError(
        status,
        errorCode,
        `Atlas refused the API key (401) for ${what}: check MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY, ` +
          `and that this machine's address is on the key's access list`,
      );
    if (status === 403)
      throw new AtlasApiError(
        status,
        errorCode,
        `the Atlas API key may not do ${what} (403${errorCode ? ` ${errorCode}` : ""}): give it the Project Owner ` +
          `role on this project (database users, custom roles and the IP access list need it)`,
      );
    throw new AtlasApiError(
      status,
      errorCode,
      `${what} answered ${status}${errorCode ? ` ${errorCode}` : ""}: ${detail}`,
    );
  };
  return {
    call: async <T>(
      method: "GET" | "POST" | "PATCH",
      path: string,
      opts: { body?: unknown; version?: string } = {},
    ) => {
      const { status, json } = await send(method, path, opts.body, opts.version);
      if (status < 200 || status > 299) fail(method, path, status, json);
      return json as T;
    },
    find: async <T>(path: string, opts: { version?: string } = {}) => {
      const { status, json } = await send("GET", path, undefined, opts.version);
      if (status === 404) return undefined;
      if (status < 200 || status > 299) fail("GET", path, status, json);
      return json as T;
    },
  };
}
