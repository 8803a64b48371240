import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type DescribeStacksCommandOutput,
  type StackStatus,
} from "@aws-sdk/client-cloudformation";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { unzipSync } from "fflate";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  deployAwsStack,
  packageLambda,
  parametersFromExport,
  SETTING_PARAMETERS,
  TEMPLATE_BODY_LIMIT,
  TEMPLATE_PATH,
  type AwsStackOptions,
} from "../../scripts/deploy/aws-stack";
import { firehoseSettings } from "../../src/core/firehose/config";
import { heartbeatSettings } from "../../src/core/stream-format/heartbeat";

// The SDK warns once per process that its releases after early January 2027 need Node 22; the
// versions in package.json are pinned below those, so on Node 20 the warning is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const root = join(import.meta.dirname, "..", "..");
const template = readFileSync(join(root, TEMPLATE_PATH), "utf8");
const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
// Secret values shaped like the real ones, and nowhere in a log line.
const SECRETS = {
  trigger: { accessKeyId: "TRIGGERKEYID0000EXAMPLE", secretAccessKey: "trigger-secret-access-key-example-0001" },
  accessKey: "webhook-access-key-example-000000000000000000000",
  password: "database-password-example-0000000000000000",
};

const cloudFormation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const secretsManager = mockClient(SecretsManagerClient);
const sts = mockClient(STSClient);
const clients = () => ({
  cloudFormation: new CloudFormationClient({ region: "eu-west-1" }),
  s3: new S3Client({ region: "eu-west-1" }),
  secretsManager: new SecretsManagerClient({ region: "eu-west-1" }),
  sts: new STSClient({ region: "eu-west-1" }),
});
afterEach(() => [cloudFormation, s3, secretsManager, sts].forEach((mock) => mock.reset()));

const notExisting = new CloudFormationServiceException({
  name: "ValidationError",
  $fault: "client",
  $metadata: { httpStatusCode: 400 },
  message: "Stack with id bridge does not exist",
});
const notFound = (name = "NotFound") => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });
const outputs = [
  ["WebhookUrl", "https://abcdefghij.lambda-url.eu-west-1.on.aws/"],
  ["StreamName", "realm"],
  ["Region", "eu-west-1"],
  ["TriggerCredentialsSecretArn", ARN("TriggerCredentials")],
  ["WebhookAccessKeySecretArn", ARN("WebhookAccessKey")],
  ["DatabaseCredentialsSecretArn", ARN("DatabaseCredentials")],
].map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }));
const stack = (status: string): DescribeStacksCommandOutput => ({
  $metadata: {},
  Stacks: [{ StackName: "bridge", StackStatus: status as StackStatus, CreationTime: new Date(0), Outputs: outputs }],
});

function answerSecrets(previous?: string) {
  secretsManager
    .on(GetSecretValueCommand, { SecretId: ARN("TriggerCredentials") })
    .resolves({ SecretString: JSON.stringify(SECRETS.trigger), VersionId: "v-trigger" });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: ARN("WebhookAccessKey"), VersionStage: "AWSCURRENT" })
    .resolves({ SecretString: JSON.stringify({ api_key: SECRETS.accessKey }), VersionId: "v-key" });
  const previousVersion = secretsManager.on(GetSecretValueCommand, {
    SecretId: ARN("WebhookAccessKey"),
    VersionStage: "AWSPREVIOUS",
  });
  if (previous) previousVersion.resolves({ SecretString: JSON.stringify({ api_key: previous }) });
  else previousVersion.rejects(new ResourceNotFoundException({ message: "no previous version", $metadata: {} }));
  secretsManager.on(GetSecretValueCommand, { SecretId: ARN("DatabaseCredentials") }).resolves({
    SecretString: JSON.stringify({ username: "atlas-kinesis-bridge", password: SECRETS.password }),
    VersionId: "v-db-1",
  });
}

const lambda = { zip: new Uint8Array([80, 75, 5, 6]), sha256: "ab".repeat(32) };
function options(overrides: Partial<AwsStackOptions> = {}): AwsStackOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    root,
    stackName: "bridge",
    region: "eu-west-1",
    dryRun: false,
    parameters: { MongoDbUri: "mongodb+srv://cluster0.abcde.mongodb.net/", CapturedNamespaces: "monitors.reports" },
    lambda,
    log: (line) => lines.push(line),
    sleep: async () => undefined,
    lines,
    ...overrides,
  };
}
const inputs = (mock: { commandCalls: (c: never) => { args: [{ input: unknown }] }[] }, command: unknown) =>
  mock.commandCalls(command as never).map((call) => call.args[0].input);

describe("deployAwsStack (the SDK calls, against aws-sdk-client-mock)", () => {
  it("creates: bucket, bundle, stack with its parameters, waits, and returns the secrets App Services needs", async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejectsOnce(notExisting)
      .resolvesOnce(stack("CREATE_IN_PROGRESS"))
      .resolvesOnce(stack("CREATE_COMPLETE"))
      .resolves(stack("CREATE_COMPLETE"));
    cloudFormation
      .on(CreateStackCommand)
      .resolves({ StackId: "arn:aws:cloudformation:eu-west-1:111122223333:stack/bridge/1" });
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333" });
    s3.on(HeadBucketCommand).rejects(notFound());
    answerSecrets();
    const run = options();
    const result = await deployAwsStack(run, clients());

    const bucket = "atlas-kinesis-bridge-code-111122223333-eu-west-1";
    const key = `webhook/${lambda.sha256}.zip`;
    expect(inputs(s3, CreateBucketCommand)).toEqual([
      { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } },
    ]);
    expect(inputs(s3, HeadObjectCommand)).toEqual([]);
    expect(inputs(s3, PutObjectCommand)).toEqual([
      { Bucket: bucket, Key: key, Body: lambda.zip, ContentType: "application/zip" },
    ]);
    expect(inputs(cloudFormation, CreateStackCommand)).toEqual([
      {
        StackName: "bridge",
        TemplateBody: template,
        Parameters: [
          { ParameterKey: "MongoDbUri", ParameterValue: "mongodb+srv://cluster0.abcde.mongodb.net/" },
          { ParameterKey: "CapturedNamespaces", ParameterValue: "monitors.reports" },
          { ParameterKey: "LambdaCodeBucket", ParameterValue: bucket },
          { ParameterKey: "LambdaCodeKey", ParameterValue: key },
        ],
        Capabilities: ["CAPABILITY_IAM"],
        OnFailure: "DELETE",
      },
    ]);
    expect(inputs(cloudFormation, UpdateStackCommand)).toEqual([]);
    expect(result).toEqual({
      outcome: "created",
      webhookUrl: "https://abcdefghij.lambda-url.eu-west-1.on.aws/",
      secrets: {
        awsAccessKeyId: SECRETS.trigger.accessKeyId,
        awsSecretAccessKey: SECRETS.trigger.secretAccessKey,
        firehoseAccessKey: SECRETS.accessKey,
        firehoseAccessKeyPrevious: SECRETS.accessKey,
      },
      values: { AWS_REGION: "eu-west-1", KINESIS_STREAM_NAME: "realm" },
      databaseCredentials: { username: "atlas-kinesis-bridge", password: SECRETS.password, versionId: "v-db-1" },
      outputs: Object.fromEntries(outputs.map((o) => [o.OutputKey, o.OutputValue])),
    });
    expect(run.lines).toContain("  bridge: CREATE_IN_PROGRESS");
    expect(run.lines).toContain("  bridge: CREATE_COMPLETE");
    const logged = run.lines.join("\n");
    for (const secret of [SECRETS.accessKey, SECRETS.password, SECRETS.trigger.secretAccessKey])
      expect(logged).not.toContain(secret);
  });

  it("a second run with nothing changed uploads nothing, updates nothing, and still hands over the secrets (a rotated key's previous one too)", async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(stack("CREATE_COMPLETE"));
    cloudFormation.on(UpdateStackCommand).rejects(
      new CloudFormationServiceException({
        name: "ValidationError",
        $fault: "client",
        $metadata: {},
        message: "No updates are to be performed.",
      }),
    );
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333" });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(HeadObjectCommand).resolves({});
    answerSecrets("the-key-before-rotation");
    const result = await deployAwsStack(options(), clients());
    expect(result.outcome).toBe("unchanged");
    expect(result.secrets.firehoseAccessKeyPrevious).toBe("the-key-before-rotation");
    expect(inputs(s3, PutObjectCommand)).toEqual([]);
    expect(inputs(s3, CreateBucketCommand)).toEqual([]);
    expect(inputs(cloudFormation, UpdateStackCommand)).toHaveLength(1);
    expect(inputs(cloudFormation, CreateStackCommand)).toEqual([]);
  });

  it("a failed update names the first failed resource and its reason, and returns no secrets", async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .resolvesOnce(stack("UPDATE_COMPLETE"))
      .resolvesOnce(stack("UPDATE_IN_PROGRESS"))
      .resolves(stack("UPDATE_ROLLBACK_COMPLETE"));
    cloudFormation.on(UpdateStackCommand).resolves({});
    cloudFormation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          LogicalResourceId: "bridge",
          ResourceStatus: "UPDATE_ROLLBACK_COMPLETE",
          StackId: "s",
          StackName: "bridge",
          EventId: "3",
          Timestamp: new Date(3),
        },
        {
          LogicalResourceId: "DeliveryStream",
          ResourceStatus: "UPDATE_FAILED",
          ResourceStatusReason: "Resource update cancelled",
          StackId: "s",
          StackName: "bridge",
          EventId: "2",
          Timestamp: new Date(2),
        },
        {
          LogicalResourceId: "WebhookFunction",
          ResourceStatus: "UPDATE_FAILED",
          ResourceStatusReason: "Error occurred while GetObject. S3 Error Code: NoSuchKey",
          StackId: "s",
          StackName: "bridge",
          EventId: "1",
          Timestamp: new Date(1),
        },
      ],
    });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(HeadObjectCommand).resolves({});
    await expect(deployAwsStack(options({ codeBucket: "my-code" }), clients())).rejects.toThrow(
      "stack bridge ended UPDATE_ROLLBACK_COMPLETE: WebhookFunction: Error occurred while GetObject. S3 Error Code: NoSuchKey (CloudFormation rolled it back to what it was)",
    );
    expect(inputs(secretsManager, GetSecretValueCommand)).toEqual([]);
    // A bucket given by name needs no account id.
    expect(inputs(sts, GetCallerIdentityCommand)).toEqual([]);
  });

  it.each([
    {
      status: "UPDATE_IN_PROGRESS",
      message: "stack bridge is UPDATE_IN_PROGRESS: wait for it to finish, then deploy again",
    },
    {
      status: "ROLLBACK_COMPLETE",
      message:
        "stack bridge is ROLLBACK_COMPLETE (its creation failed) and cannot be updated: aws cloudformation delete-stack --stack-name bridge, then deploy again",
    },
  ])("refuses a stack that is $status before writing anything", async ({ status, message }) => {
    cloudFormation.on(DescribeStacksCommand).resolves(stack(status));
    await expect(deployAwsStack(options(), clients())).rejects.toThrow(message);
    expect(s3.calls()).toEqual([]);
    expect(inputs(cloudFormation, UpdateStackCommand)).toEqual([]);
  });

  it("a dry run reads (stack, account, bucket, object) and writes nothing", async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(notExisting);
    sts.on(GetCallerIdentityCommand).resolves({ Account: "111122223333" });
    s3.on(HeadBucketCommand).resolves({});
    s3.on(HeadObjectCommand).rejects(notFound());
    const run = options({ dryRun: true });
    expect((await deployAwsStack(run, clients())).outcome).toBe("planned");
    expect(s3.calls().map((call) => call.args[0].constructor.name)).toEqual(["HeadBucketCommand", "HeadObjectCommand"]);
    expect(cloudFormation.calls().map((call) => call.args[0].constructor.name)).toEqual(["DescribeStacksCommand"]);
    expect(secretsManager.calls()).toEqual([]);
    expect(run.lines.join("\n")).toMatch(
      /would upload the bundle as webhook\/a{0}(ab)+\.zip \(0 KiB\)\nWould create stack bridge in eu-west-1 with /,
    );
  });

  it("with a host of your own (WebhookUrl), no bundle, no bucket", async () => {
    cloudFormation.on(DescribeStacksCommand).rejectsOnce(notExisting).resolves(stack("CREATE_COMPLETE"));
    cloudFormation.on(CreateStackCommand).resolves({});
    answerSecrets();
    const run = options({ lambda: undefined, parameters: { WebhookUrl: "https://webhook.example.com/firehose" } });
    await deployAwsStack(run, clients());
    expect(s3.calls()).toEqual([]);
    expect(sts.calls()).toEqual([]);
    expect((inputs(cloudFormation, CreateStackCommand)[0] as { Parameters: unknown }).Parameters).toEqual([
      { ParameterKey: "WebhookUrl", ParameterValue: "https://webhook.example.com/firehose" },
    ]);
  });

  it.each(["1bridge", "bridge_stack", ""])("refuses the stack name %j before any call", async (stackName) => {
    await expect(deployAwsStack(options({ stackName }), clients())).rejects.toThrow("a stack name is a letter");
    expect(cloudFormation.calls()).toEqual([]);
  });
});

describe("what the stack is given", () => {
  it("the template is small enough to send in the request", () => {
    expect(Buffer.byteLength(template)).toBeLessThan(TEMPLATE_BODY_LIMIT);
  });

  it("the webhook's settings come from values/, each into its parameter; their defaults are the code's", () => {
    const parsed = JSON.parse(template) as { Parameters: Record<string, { Default?: string }> };
    expect(parametersFromExport(root)).toEqual({
      StreamName: "realm",
      FirehoseDatabase: "monitors",
      FirehoseCollection: "firehose",
      FirehoseDeadLetterCollection: "firehose_dead_letters",
      FirehoseDeletesCollection: "firehose_deletes",
      FirehoseReconcileCollection: "firehose_reconciles",
      FirehoseHeartbeatCollection: "firehose_heartbeats",
      FirehoseUnmappedTarget: "default",
      CapturedNamespaces: "monitors.reports,streamkap.streamkap_heartbeat",
      HeartbeatDatabase: "streamkap",
      HeartbeatCollection: "streamkap_heartbeat",
    });
    const settings = { ...firehoseSettings, ...heartbeatSettings } as Record<
      string,
      { name: string; fallback?: unknown }
    >;
    for (const entry of Object.values(settings)) {
      const parameter = SETTING_PARAMETERS[entry.name];
      if (!parameter || typeof entry.fallback !== "string") continue;
      expect(parsed.Parameters[parameter].Default, entry.name).toBe(entry.fallback);
    }
  });

  it("zips the Lambda folder the same way every time, so an unchanged bundle is not uploaded again", () => {
    const folder = mkdtempSync(join(tmpdir(), "akb-zip-"));
    writeFileSync(join(folder, "index.js"), "exports.handler = async () => ({ statusCode: 200 });\n");
    writeFileSync(join(folder, "package.json"), '{"type":"commonjs"}\n');
    const first = packageLambda(folder);
    const second = packageLambda(folder);
    expect(second.sha256).toBe(first.sha256);
    expect(Object.keys(unzipSync(first.zip)).sort()).toEqual(["index.js", "package.json"]);
    expect(() => packageLambda(tmpdir() + "/does-not-exist-akb")).toThrow();
  });
});
