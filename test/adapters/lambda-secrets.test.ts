import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSecretEnvironmentLoader,
  secretsManagerReader,
  withCredentials,
  type SecretReader,
} from "../../src/adapters/aws-lambda/secrets";
import { recordingLogger } from "../helpers/firehose";

// The SDK warns once per process that its releases after early January 2027 need Node 22; the
// versions in package.json are pinned below those, so on Node 20 the warning is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const ACCESS_KEY_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:WebhookAccessKey-abc";
const CREDENTIALS_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:DatabaseCredentials-def";
const ENV = {
  FIREHOSE_ACCESS_KEY_SECRET_ID: ACCESS_KEY_SECRET,
  MONGODB_CREDENTIALS_SECRET_ID: CREDENTIALS_SECRET,
  MONGODB_URI: "mongodb+srv://cluster0.abcde.mongodb.net/?retryWrites=true",
};

/** Secrets Manager as a table: secret id -> stage -> text (a missing stage is "not found"). */
function tableReader(table: Record<string, Record<string, string>>, calls: string[] = []): SecretReader {
  return async (id, stage) => {
    calls.push(`${id} ${stage}`);
    return table[id]?.[stage];
  };
}

const secrets = {
  [ACCESS_KEY_SECRET]: { AWSCURRENT: JSON.stringify({ api_key: "current-key" }) },
  [CREDENTIALS_SECRET]: { AWSCURRENT: JSON.stringify({ username: "atlas-kinesis-bridge", password: "p@ss/w:rd" }) },
};

describe("the Lambda's secrets, read at run time", () => {
  it("puts the access key and the database credentials into the environment the settings are read from", async () => {
    const loader = createSecretEnvironmentLoader(ENV, tableReader(secrets), {
      clock: { now: () => 0 },
      logger: recordingLogger(),
    });
    const env = await loader.load();
    expect(env).toMatchObject({
      FIREHOSE_ACCESS_KEY: "current-key",
      FIREHOSE_ACCESS_KEY_PREVIOUS: "",
      // percent-encoded, so a password with URI characters stays one password
      MONGODB_URI: "mongodb+srv://atlas-kinesis-bridge:p%40ss%2Fw%3Ard@cluster0.abcde.mongodb.net/?retryWrites=true",
    });
  });

  it("accepts the previous version of the access key after a rotation, and reads once per container until the refresh", async () => {
    const calls: string[] = [];
    let now = 0;
    const rotated = {
      ...secrets,
      [ACCESS_KEY_SECRET]: {
        AWSCURRENT: JSON.stringify({ api_key: "new-key" }),
        AWSPREVIOUS: JSON.stringify({ api_key: "old-key" }),
      },
    };
    const loader = createSecretEnvironmentLoader(ENV, tableReader(rotated, calls), {
      clock: { now: () => now },
      logger: recordingLogger(),
      refreshMs: 60_000,
    });
    const [first, second] = await Promise.all([loader.load(), loader.load()]);
    now = 59_999;
    const third = await loader.load();
    expect(first).toMatchObject({ FIREHOSE_ACCESS_KEY: "new-key", FIREHOSE_ACCESS_KEY_PREVIOUS: "old-key" });
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(calls).toEqual([
      `${ACCESS_KEY_SECRET} AWSCURRENT`,
      `${ACCESS_KEY_SECRET} AWSPREVIOUS`,
      `${CREDENTIALS_SECRET} AWSCURRENT`,
    ]);
    now = 60_000;
    await loader.load();
    expect(calls).toHaveLength(6);
  });

  it("fails an invocation it cannot read the secrets for, naming the setting and never the secret's text", async () => {
    const reader: SecretReader = async () => {
      throw Object.assign(new Error("User is not authorized to perform: secretsmanager:GetSecretValue"), {
        name: "AccessDeniedException",
      });
    };
    const loader = createSecretEnvironmentLoader(ENV, reader, { clock: { now: () => 0 }, logger: recordingLogger() });
    await expect(loader.load()).rejects.toMatchObject({
      code: "setup_failed",
      message: "the secret named by FIREHOSE_ACCESS_KEY_SECRET_ID could not be read",
      cause: { name: "AccessDeniedException" },
    });
  });

  it.each([
    { name: "not JSON", text: "current-key", message: "must be a JSON object" },
    { name: "without api_key", text: JSON.stringify({ key: "x" }), message: 'must have a non-empty "api_key"' },
    { name: "an empty api_key", text: JSON.stringify({ api_key: "" }), message: 'must have a non-empty "api_key"' },
  ])("refuses an access-key secret $name (misconfigured, named)", async ({ text, message }) => {
    const table = { ...secrets, [ACCESS_KEY_SECRET]: { AWSCURRENT: text } };
    const loader = createSecretEnvironmentLoader(ENV, tableReader(table), {
      clock: { now: () => 0 },
      logger: recordingLogger(),
    });
    const error = await loader.load().catch((e: Error) => e);
    expect(error).toMatchObject({
      code: "setting_invalid",
      message: `the secret named by FIREHOSE_ACCESS_KEY_SECRET_ID ${message}`,
    });
    expect(JSON.stringify(error)).not.toContain("current-key");
  });

  it("keeps the values it read when a refresh fails, and says so in the log", async () => {
    let now = 0;
    let fail = false;
    const logger = recordingLogger();
    const reader: SecretReader = async (id, stage) => {
      if (fail) throw new Error("network down");
      return tableReader(secrets)(id, stage);
    };
    const loader = createSecretEnvironmentLoader(ENV, reader, { clock: { now: () => now }, logger, refreshMs: 10 });
    const first = await loader.load();
    fail = true;
    now = 10;
    expect(await loader.load()).toBe(first);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: "warn", msg: "secrets refresh failed; keeping the values read before" }),
    ]);
  });

  it("with no secret ids (a host given its key in the environment), reads nothing", async () => {
    const calls: string[] = [];
    const env = { FIREHOSE_ACCESS_KEY: "k", MONGODB_URI: "mongodb://127.0.0.1:27017" };
    const loader = createSecretEnvironmentLoader(env, tableReader({}, calls), {
      clock: { now: () => 0 },
      logger: recordingLogger(),
    });
    expect(await loader.load()).toEqual(env);
    expect(calls).toEqual([]);
  });

  it.each([
    {
      name: "a connection string that has credentials already",
      uri: "mongodb+srv://someone:pw@cluster0.abcde.mongodb.net/",
      message:
        "MONGODB_URI has credentials in it while MONGODB_CREDENTIALS_SECRET_ID names a secret: give it without them",
    },
    { name: "another scheme", uri: "https://cluster0.abcde.mongodb.net/", message: "MONGODB_URI must start with" },
    { name: "no MONGODB_URI", uri: undefined, message: "MONGODB_URI is not set" },
  ])("refuses $name", ({ uri, message }) => {
    expect(() => withCredentials(uri, "u", "p")).toThrow(message);
  });

  it("keeps every host of a seed list and the options after them", () => {
    expect(withCredentials("mongodb://h1:27017,h2:27017/admin?replicaSet=rs0", "u", "p")).toBe(
      "mongodb://u:p@h1:27017,h2:27017/admin?replicaSet=rs0",
    );
  });
});

describe("secretsManagerReader (AWS SDK v3 client)", () => {
  const mock = mockClient(SecretsManagerClient);
  afterEach(() => mock.reset());

  it("asks for exactly the secret and the version stage", async () => {
    mock.on(GetSecretValueCommand).resolves({ SecretString: '{"api_key":"k"}' });
    const read = secretsManagerReader(() => new SecretsManagerClient({ region: "us-east-1" }));
    expect(await read(ACCESS_KEY_SECRET, "AWSCURRENT")).toBe('{"api_key":"k"}');
    expect(mock.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: ACCESS_KEY_SECRET, VersionStage: "AWSCURRENT" },
    ]);
  });

  it("reads a previous version that does not exist as none, and any other failure as a failure", async () => {
    const notFound = new ResourceNotFoundException({ message: "no AWSPREVIOUS", $metadata: {} });
    mock.on(GetSecretValueCommand).rejects(notFound);
    const read = secretsManagerReader(() => new SecretsManagerClient({ region: "us-east-1" }));
    expect(await read(ACCESS_KEY_SECRET, "AWSPREVIOUS")).toBeUndefined();
    await expect(read(ACCESS_KEY_SECRET, "AWSCURRENT")).rejects.toBe(notFound);
  });
});
