import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import { HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createAtlasApi } from "../../scripts/deploy/atlas-api";
import { deployAwsSide, type AwsSideOptions } from "../../scripts/deploy/aws-side";
import { startAtlasAdminStandIn, type AtlasProject } from "../helpers/atlas-admin-stand-in";

// The SDK warns once per process that its releases after early January 2027 need Node 22; the
// versions in package.json are pinned below those, so on Node 20 the warning is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const root = join(import.meta.dirname, "..", "..");
/** The export with a cluster named (the repository ships the placeholder, which the AWS step refuses). */
const exportRoot = mkdtempSync(join(tmpdir(), "akb-aws-side-"));
for (const dir of ["aws", "config", "data_sources", "mongodb", "values"])
  cpSync(join(root, dir), join(exportRoot, dir), { recursive: true });
writeFileSync(
  join(exportRoot, "data_sources", "mongodb-atlas", "config.json"),
  JSON.stringify({ name: "mongodb-atlas", type: "mongodb-atlas", config: { clusterName: "Cluster0" } }),
);
afterAll(() => rmSync(exportRoot, { recursive: true, force: true }));
const GROUP = "5f1d3a2b4c6e8f0a1b2c3d4e";
const KEYS = { publicKey: "abcdefgh", privateKey: "11111111-2222-3333-4444-555555555555" };
const SECRET = {
  trigger: { accessKeyId: "TRIGGERKEYID0000EXAMPLE", secretAccessKey: "trigger-secret-example-000000000000000" },
  apiKey: "webhook-access-key-example-000000000000000000",
  password: "database-password-example-000000000000000",
};

const mocks = {
  cloudFormation: mockClient(CloudFormationClient),
  s3: mockClient(S3Client),
  secretsManager: mockClient(SecretsManagerClient),
  sts: mockClient(STSClient),
};
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  Object.values(mocks).forEach((mock) => mock.reset());
  for (const stop of stops.splice(0)) await stop();
});

const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}`;
const stack = (status: string): DescribeStacksCommandOutput => ({
  $metadata: {},
  Stacks: [
    {
      StackName: "bridge",
      StackStatus: status as StackStatus,
      CreationTime: new Date(0),
      Outputs: [
        ["WebhookUrl", "https://abcdefghij.lambda-url.us-east-1.on.aws/"],
        ["StreamName", "realm"],
        ["Region", "us-east-1"],
        ["TriggerCredentialsSecretArn", arn("TriggerCredentials")],
        ["WebhookAccessKeySecretArn", arn("WebhookAccessKey")],
        ["DatabaseCredentialsSecretArn", arn("DatabaseCredentials")],
      ].map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

async function world(accessList: AtlasProject["accessList"] = [{ cidrBlock: "0.0.0.0/0" }]) {
  const atlas = await startAtlasAdminStandIn({
    ...KEYS,
    project: {
      groupId: GROUP,
      clusters: { Cluster0: { connectionStrings: { standardSrv: "mongodb+srv://cluster0.abcde.mongodb.net" } } },
      roles: {},
      users: {},
      accessList,
    },
  });
  stops.push(atlas.stop);
  mocks.cloudFormation
    .on(DescribeStacksCommand)
    .rejectsOnce(
      new CloudFormationServiceException({
        name: "ValidationError",
        $fault: "client",
        $metadata: {},
        message: "Stack with id bridge does not exist",
      }),
    )
    .resolves(stack("CREATE_COMPLETE"));
  mocks.cloudFormation.on(CreateStackCommand).resolves({});
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333" });
  mocks.s3.on(HeadBucketCommand).resolves({});
  mocks.s3
    .on(HeadObjectCommand)
    .rejects(Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } }));
  const secret = (id: string, value: unknown, version = "v1") =>
    mocks.secretsManager
      .on(GetSecretValueCommand, { SecretId: id })
      .resolves({ SecretString: JSON.stringify(value), VersionId: version });
  secret(arn("TriggerCredentials"), SECRET.trigger);
  secret(arn("WebhookAccessKey"), { api_key: SECRET.apiKey });
  secret(arn("DatabaseCredentials"), { username: "atlas-kinesis-bridge", password: SECRET.password }, "db-v1");
  return atlas;
}

function options(atlasUrl: string, overrides: Partial<AwsSideOptions> = {}): AwsSideOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    root: exportRoot,
    stackName: "bridge",
    dryRun: false,
    accessList: [],
    env: {
      AWS_REGION: "us-east-1",
      MONGODB_ATLAS_PUBLIC_API_KEY: KEYS.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: KEYS.privateKey,
      MONGODB_ATLAS_PROJECT_ID: GROUP,
    },
    log: (line) => lines.push(line),
    lines,
    ...overrides,
    // the stand-in's address
    ...({ atlasUrl } as object),
  };
}
const deps = (atlasUrl: string) => ({
  aws: () => ({
    cloudFormation: new CloudFormationClient({ region: "us-east-1" }),
    s3: new S3Client({ region: "us-east-1" }),
    secretsManager: new SecretsManagerClient({ region: "us-east-1" }),
    sts: new STSClient({ region: "us-east-1" }),
  }),
  atlas: (keys: { publicKey: string; privateKey: string }) => createAtlasApi({ ...keys, baseUrl: atlasUrl }),
  buildLambda: async () => ({ zip: new Uint8Array([1, 2, 3]), sha256: "cd".repeat(32) }),
  sleep: async () => undefined,
});

describe("npm run deploy -- --aws: the stack and the Atlas access in one pass", () => {
  it("refuses the placeholder cluster name before reading Atlas or AWS (exit 7)", async () => {
    const atlas = await world();
    const run = options(atlas.url, { root });
    await expect(deployAwsSide(run, deps(atlas.url))).rejects.toMatchObject({
      kind: "placeholder_cluster",
      exitCode: 7,
      message: expect.stringContaining('the placeholder cluster "YOUR_CLUSTER_NAME"'),
    });
    expect(atlas.calls).toEqual([]);
    expect(mocks.cloudFormation.calls()).toEqual([]);
  });

  it("gives the stack the cluster's address, then makes the user with the password the stack generated, and returns the secrets", async () => {
    const atlas = await world();
    const run = options(atlas.url);
    const result = await deployAwsSide(run, deps(atlas.url));
    expect(result).toEqual({
      webhookUrl: "https://abcdefghij.lambda-url.us-east-1.on.aws/",
      secrets: {
        awsAccessKeyId: SECRET.trigger.accessKeyId,
        awsSecretAccessKey: SECRET.trigger.secretAccessKey,
        firehoseAccessKey: SECRET.apiKey,
        firehoseAccessKeyPrevious: SECRET.apiKey,
      },
      values: { AWS_REGION: "us-east-1", KINESIS_STREAM_NAME: "realm" },
      remaining: [expect.stringMatching(/^Create the collections and the TTL indexes/)],
    });
    const created = mocks.cloudFormation.commandCalls(CreateStackCommand)[0].args[0].input;
    expect(created.Parameters).toContainEqual({
      ParameterKey: "MongoDbUri",
      ParameterValue: "mongodb+srv://cluster0.abcde.mongodb.net/",
    });
    expect(created.Parameters).toContainEqual({
      ParameterKey: "DatabaseUserName",
      ParameterValue: "atlas-kinesis-bridge",
    });
    expect(mocks.s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(atlas.project.users["atlas-kinesis-bridge"]).toMatchObject({ password: SECRET.password });
    const logged = run.lines.join("\n");
    for (const value of [SECRET.apiKey, SECRET.password, SECRET.trigger.secretAccessKey])
      expect(logged).not.toContain(value);
    expect(logged).toContain(
      "App Services secrets from the stack: awsAccessKeyId, awsSecretAccessKey, firehoseAccessKey, firehoseAccessKeyPrevious (values not shown)",
    );
  });

  it("--dry-run shows the Atlas role and user and the stack's parameters, and writes nowhere", async () => {
    const atlas = await world([]);
    const run = options(atlas.url, { dryRun: true });
    const result = await deployAwsSide(run, deps(atlas.url));
    expect(result.secrets).toEqual({});
    expect(atlas.calls.every((c) => c.method === "GET")).toBe(true);
    expect(mocks.cloudFormation.commandCalls(CreateStackCommand)).toEqual([]);
    expect(mocks.s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(mocks.secretsManager.calls()).toEqual([]);
    expect(run.lines).toContainEqual(
      "  database user atlas-kinesis-bridge (admin, role atlasKinesisBridge, scoped to Cluster0): create",
    );
    expect(run.lines.find((l) => l.startsWith("Would create stack bridge in us-east-1 with"))).toContain(
      "MongoDbUri=mongodb+srv://cluster0.abcde.mongodb.net/",
    );
    // An empty access list: the Lambda could not reach the cluster; the way out is printed.
    expect(result.remaining[1]).toMatch(/^The webhook Lambda connects from AWS addresses that are not fixed/);
  });

  it("without an Atlas key, the Lambda's stack is not attempted: the missing names are given first", async () => {
    const atlas = await world();
    const run = options(atlas.url, { env: { AWS_REGION: "us-east-1" } });
    await expect(deployAwsSide(run, deps(atlas.url))).rejects.toThrow(
      "--aws needs an Atlas programmatic API key and project to find the cluster and make the bridge's database user: " +
        "set MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PRIVATE_API_KEY, MONGODB_ATLAS_PROJECT_ID (or --project)",
    );
    expect(mocks.cloudFormation.calls()).toEqual([]);
  });

  it("with your own host (--webhook-url) and no Atlas key: no Lambda, and the steps left are named", async () => {
    const atlas = await world();
    const run = options(atlas.url, { env: { AWS_REGION: "us-east-1" }, webhookUrl: "https://webhook.example.com/" });
    const result = await deployAwsSide(run, deps(atlas.url));
    expect(mocks.s3.calls()).toEqual([]);
    expect(mocks.cloudFormation.commandCalls(CreateStackCommand)[0].args[0].input.Parameters).toContainEqual({
      ParameterKey: "WebhookUrl",
      ParameterValue: "https://webhook.example.com/",
    });
    expect(result.remaining).toEqual([
      expect.stringMatching(/^No Atlas API key was given: make the bridge's role and user yourself/),
      `Give your webhook host its access key: FIREHOSE_ACCESS_KEY is the api_key of the secret ${arn("WebhookAccessKey")}, and its MONGODB_URI the user and password of ${arn("DatabaseCredentials")}.`,
    ]);
  });
});

describe("npm run deploy option checks (before anything is built or called)", () => {
  it.each([
    {
      args: ["--webhook-url", "https://x.example.com/"],
      message: "--webhook-url, --code-bucket and --atlas-access-list go with --aws <stack>",
    },
    {
      args: ["--aws", "bridge", "--webhook-url", "http://x.example.com/"],
      message: "--webhook-url must be an https:// URL",
    },
    {
      args: ["--aws", "bridge", "--atlas-access-list", "everyone"],
      message: '--atlas-access-list: "everyone" is not an IPv4 address',
    },
  ])("$args.0 $args.1 ...: exit 2", ({ args, message }) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts", "deploy.ts"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).not.toContain("Building");
  });
});
