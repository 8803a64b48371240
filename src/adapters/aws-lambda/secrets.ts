import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { BridgeError, describeError } from "../../core/errors";
import type { Clock, Logger } from "../../core/ports";
import { firehoseErrors } from "../../core/firehose/errors";

/**
 * The Lambda's secrets, read from Secrets Manager at run time instead of sitting in its environment
 * (the stack gives it only the secrets' ids):
 * - FIREHOSE_ACCESS_KEY_SECRET_ID: the secret Firehose reads its access key from (`{"api_key": ...}`);
 *   its current version is FIREHOSE_ACCESS_KEY, its previous version (after a rotation) the
 *   accepted FIREHOSE_ACCESS_KEY_PREVIOUS;
 * - MONGODB_CREDENTIALS_SECRET_ID: `{"username", "password"}`, put into MONGODB_URI (which the
 *   stack gives without credentials).
 * They are read once per container and kept; after `refreshMs` the next invocation reads them
 * again (a rotated key is taken up within that time; Firehose retries the 401s meanwhile). A read
 * that fails before anything was read fails the invocation (500, retryable, the error in the log);
 * a failed refresh keeps the values read before.
 */
export const SECRET_IDS = {
  accessKey: "FIREHOSE_ACCESS_KEY_SECRET_ID",
  databaseCredentials: "MONGODB_CREDENTIALS_SECRET_ID",
} as const;

/** Five minutes: how stale a rotated secret may be in a warm container. */
export const SECRETS_REFRESH_MS = 5 * 60_000;

/** One version of one secret's text, or undefined when that version does not exist. */
export type SecretReader = (secretId: string, stage: "AWSCURRENT" | "AWSPREVIOUS") => Promise<string | undefined>;

/**
 * Reads through the AWS SDK v3 Secrets Manager client (credentials: the function's role). The client
 * is made on the first read, so a host given no secret ids never loads one.
 */
export function secretsManagerReader(
  makeClient: () => SecretsManagerClient = () => new SecretsManagerClient({}),
): SecretReader {
  let client: SecretsManagerClient | undefined;
  return async (secretId, stage) => {
    client = client || makeClient();
    try {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return answer.SecretString;
    } catch (error) {
      // A secret never rotated has no AWSPREVIOUS version: that is "none", not a failure.
      if (stage === "AWSPREVIOUS" && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
}

/** What the secrets add to the environment the webhook's settings are read from. */
export type SecretEnvironment = Record<string, string>;

export interface SecretEnvironmentLoader {
  /** The environment with the secrets in it; reads them when not read yet or older than `refreshMs`. */
  load(): Promise<NodeJS.ProcessEnv>;
}

export function createSecretEnvironmentLoader(
  env: NodeJS.ProcessEnv,
  read: SecretReader,
  options: { clock: Clock; logger: Logger; refreshMs?: number },
): SecretEnvironmentLoader {
  const refreshMs = options.refreshMs ?? SECRETS_REFRESH_MS;
  let kept: { at: number; env: NodeJS.ProcessEnv } | undefined;
  let reading: Promise<NodeJS.ProcessEnv> | undefined;
  const readAll = async (): Promise<NodeJS.ProcessEnv> => {
    const added = await readSecrets(env, read);
    kept = { at: options.clock.now(), env: { ...env, ...added } };
    return kept.env;
  };
  return {
    load: () => {
      if (kept && options.clock.now() - kept.at < refreshMs) return Promise.resolve(kept.env);
      reading =
        reading ||
        readAll()
          .catch((error) => {
            if (!kept) throw error;
            options.logger.warn({
              msg: "secrets refresh failed; keeping the values read before",
              error: describeError(error),
            });
            kept = { at: options.clock.now(), env: kept.env };
            return kept.env;
          })
          .finally(() => (reading = undefined));
      return reading;
    },
  };
}

async function readSecrets(env: NodeJS.ProcessEnv, read: SecretReader): Promise<SecretEnvironment> {
  const added: SecretEnvironment = {};
  const accessKeyId = env[SECRET_IDS.accessKey];
  const credentialsId = env[SECRET_IDS.databaseCredentials];
  // All three at once, each settled before a failure is reported (no read is left running).
  const settled = await Promise.allSettled([
    accessKeyId ? readJson(read, accessKeyId, "AWSCURRENT", SECRET_IDS.accessKey) : undefined,
    accessKeyId ? readJson(read, accessKeyId, "AWSPREVIOUS", SECRET_IDS.accessKey) : undefined,
    credentialsId ? readJson(read, credentialsId, "AWSCURRENT", SECRET_IDS.databaseCredentials) : undefined,
  ]);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [current, previous, credentials] = settled.map((result) =>
    result.status === "fulfilled" ? result.value : undefined,
  );
  if (current) {
    const key = field(current, "api_key", SECRET_IDS.accessKey);
    const before = previous ? field(previous, "api_key", SECRET_IDS.accessKey) : "";
    added.FIREHOSE_ACCESS_KEY = key;
    added.FIREHOSE_ACCESS_KEY_PREVIOUS = before === key ? "" : before;
  }
  if (credentials) {
    const username = field(credentials, "username", SECRET_IDS.databaseCredentials);
    const password = field(credentials, "password", SECRET_IDS.databaseCredentials);
    added.MONGODB_URI = withCredentials(env.MONGODB_URI, username, password);
  }
  return added;
}

/** One version of a JSON secret; undefined only for a previous version that does not exist. */
async function readJson(
  read: SecretReader,
  secretId: string,
  stage: "AWSCURRENT" | "AWSPREVIOUS",
  setting: string,
): Promise<Record<string, unknown> | undefined> {
  let text: string | undefined;
  try {
    text = await read(secretId, stage);
  } catch (error) {
    throw firehoseErrors.error("setup_failed", `the secret named by ${setting} could not be read`, { cause: error });
  }
  if (text === undefined && stage === "AWSPREVIOUS") return undefined;
  try {
    const value: unknown = JSON.parse(text ?? "");
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // named below, without the text (it is a secret)
  }
  throw new BridgeError("setting_invalid", `the secret named by ${setting} must be a JSON object`);
}

function field(secret: Record<string, unknown>, name: string, setting: string): string {
  const value = secret[name];
  if (typeof value !== "string" || value === "")
    throw new BridgeError("setting_invalid", `the secret named by ${setting} must have a non-empty "${name}"`);
  return value;
}

/** MONGODB_URI with the user and password put in (percent-encoded); a URI that has credentials already is refused. */
export function withCredentials(uri: string | undefined, username: string, password: string): string {
  if (!uri) throw new BridgeError("mongodb_uri_missing");
  const scheme = /^mongodb(\+srv)?:\/\//.exec(uri);
  if (!scheme) throw new BridgeError("setting_invalid", "MONGODB_URI must start with mongodb:// or mongodb+srv://");
  const rest = uri.slice(scheme[0].length);
  const hosts = rest.split(/[/?]/, 1)[0];
  if (hosts.includes("@"))
    throw new BridgeError(
      "setting_invalid",
      `MONGODB_URI has credentials in it while ${SECRET_IDS.databaseCredentials} names a secret: give it without them`,
    );
  return `${scheme[0]}${encodeURIComponent(username)}:${encodeURIComponent(password)}@${rest}`;
}
