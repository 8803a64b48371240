/**
 * The AWS half of `npm run deploy -- --aws <stack>`: packages the Lambda bundle, uploads it to S3,
 * creates or updates the CloudFormation stack (aws/atlas-kinesis-bridge.template.json) with the
 * AWS SDK v3, waits for it, and reads back what App Services needs (the trigger's credentials, the
 * webhook's access key) and the database credentials the Atlas step sets. In one pass: the stack
 * holds the webhook host, so nothing waits for a URL from outside (docs/deploying.md).
 *
 * Entry: `deployAwsStack(options, clients)` -> `AwsStackResult` ({ webhookUrl, secrets, values, ... }).
 * Secret values are returned, never logged: `log` receives names and ARNs only.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { zipSync } from "fflate";

export const TEMPLATE_PATH = join("aws", "atlas-kinesis-bridge.template.json");
/** CloudFormation's limit for a template sent in the request (no S3 upload needed below it). */
export const TEMPLATE_BODY_LIMIT = 51_200;

export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly sts: STSClient;
}

export function awsClients(region: string): AwsClients {
  // Credentials from the SDK's default chain: environment, shared config and SSO profiles, instance roles.
  return {
    cloudFormation: new CloudFormationClient({ region }),
    s3: new S3Client({ region }),
    secretsManager: new SecretsManagerClient({ region }),
    sts: new STSClient({ region }),
  };
}

export interface LambdaPackage {
  readonly zip: Uint8Array;
  readonly sha256: string;
}

/** The Lambda folder (build/lambda: index.js and package.json) as a zip, with fixed dates so equal code zips equal. */
export function packageLambda(folder: string): LambdaPackage {
  const files: Record<string, [Uint8Array, { mtime: Date }]> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else
        files[relative(folder, path).split("\\").join("/")] = [
          readFileSync(path),
          { mtime: new Date(Date.UTC(1980, 0, 1)) },
        ];
    }
  };
  walk(folder);
  if (!files["index.js"]) throw new Error(`${folder} has no index.js: run npm run build:hosts`);
  const zip = zipSync(files, { level: 9 });
  return { zip, sha256: createHash("sha256").update(zip).digest("hex") };
}

/** The App Services secrets a stack supplies (AwsStackResult.secrets), by name. */
export const STACK_SECRET_NAMES = [
  "awsAccessKeyId",
  "awsSecretAccessKey",
  "firehoseAccessKey",
  "firehoseAccessKeyPrevious",
] as const;

export interface AwsStackOptions {
  readonly root: string;
  readonly stackName: string;
  readonly region: string;
  readonly dryRun: boolean;
  /** Template parameters besides the code's location (settings, MongoDbUri, WebhookUrl, StreamName). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The bundle to run; absent when WebhookUrl names a host of your own. */
  readonly lambda?: LambdaPackage;
  /** The bucket for the bundle; default atlas-kinesis-bridge-code-<account>-<region>. */
  readonly codeBucket?: string;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
}

export interface AwsStackResult {
  /** Where Firehose delivers: the Function URL, or the WebhookUrl given. */
  readonly webhookUrl: string;
  /** App Services secrets by name: awsAccessKeyId, awsSecretAccessKey, firehoseAccessKey, firehoseAccessKeyPrevious. */
  readonly secrets: Record<string, string>;
  /** App Services values the stack decides: AWS_REGION, KINESIS_STREAM_NAME. */
  readonly values: Record<string, string>;
  /** The bridge's database user, for the Atlas step (its password set from this secret). */
  readonly databaseCredentials: { username: string; password: string; versionId: string };
  readonly outputs: Record<string, string>;
  /** "created", "updated", "unchanged"; "planned" on a dry run (nothing else is filled then). */
  readonly outcome: "created" | "updated" | "unchanged" | "planned";
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export async function deployAwsStack(options: AwsStackOptions, clients: AwsClients): Promise<AwsStackResult> {
  if (!STACK_NAME.test(options.stackName))
    throw new Error(
      `--aws ${options.stackName}: a stack name is a letter, then letters, digits and hyphens (128 at most)`,
    );
  const template = readFileSync(join(options.root, TEMPLATE_PATH), "utf8");
  if (Buffer.byteLength(template) > TEMPLATE_BODY_LIMIT)
    throw new Error(`${TEMPLATE_PATH} is over CloudFormation's ${TEMPLATE_BODY_LIMIT}-byte limit for a template body`);
  const existing = await describeStack(clients.cloudFormation, options.stackName);
  refuseBusyStack(options.stackName, existing);
  const code = options.lambda ? await placeCode(options, clients) : undefined;
  const parameters = toParameters({
    ...options.parameters,
    ...(code ? { LambdaCodeBucket: code.bucket, LambdaCodeKey: code.key } : {}),
  });
  const verb = existing ? "update" : "create";
  options.log(
    `${options.dryRun ? "Would" : "Will"} ${verb} stack ${options.stackName} in ${options.region} with ` +
      parameters.map((p) => `${p.ParameterKey}=${p.ParameterValue}`).join(" "),
  );
  if (options.dryRun) return planned();
  const outcome = await applyStack(options, clients.cloudFormation, template, parameters, existing);
  const stack = await describeStack(clients.cloudFormation, options.stackName);
  const outputs = Object.fromEntries((stack?.Outputs || []).map((o) => [o.OutputKey || "", o.OutputValue || ""]));
  options.log(`Stack ${options.stackName}: ${outcome}; webhook at ${outputs.WebhookUrl}`);
  return { ...(await readStackSecrets(clients.secretsManager, outputs, options.log)), outputs, outcome };
}

function planned(): AwsStackResult {
  return {
    webhookUrl: "",
    secrets: {},
    values: {},
    databaseCredentials: { username: "", password: "", versionId: "" },
    outputs: {},
    outcome: "planned",
  };
}

function toParameters(values: Record<string, string>): Parameter[] {
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

async function describeStack(client: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return answer.Stacks?.[0];
  } catch (error) {
    // CloudFormation answers a stack that does not exist with a ValidationError saying so.
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

function refuseBusyStack(stackName: string, stack: Stack | undefined): void {
  const status = stack?.StackStatus || "";
  if (status.endsWith("_IN_PROGRESS"))
    throw new Error(`stack ${stackName} is ${status}: wait for it to finish, then deploy again`);
  if (status === "ROLLBACK_COMPLETE" || status === "ROLLBACK_FAILED" || status === "DELETE_FAILED")
    throw new Error(
      `stack ${stackName} is ${status} (its creation failed) and cannot be updated: ` +
        `aws cloudformation delete-stack --stack-name ${stackName}, then deploy again`,
    );
}

/** The bucket (created if missing, private by S3's defaults) and the object named by the zip's SHA-256. */
async function placeCode(options: AwsStackOptions, clients: AwsClients): Promise<{ bucket: string; key: string }> {
  const lambda = options.lambda as LambdaPackage;
  let bucket = options.codeBucket;
  if (!bucket) {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    bucket = `atlas-kinesis-bridge-code-${identity.Account}-${options.region}`;
  }
  const key = `webhook/${lambda.sha256}.zip`;
  const bucketExists = await exists(() => clients.s3.send(new HeadBucketCommand({ Bucket: bucket })));
  const objectExists =
    bucketExists && (await exists(() => clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))));
  const size = `${(lambda.zip.byteLength / 1024).toFixed(0)} KiB`;
  if (options.dryRun) {
    options.log(
      `Would ${bucketExists ? "use" : "create"} bucket ${bucket}; ` +
        `${objectExists ? `the bundle is there already (${key})` : `would upload the bundle as ${key} (${size})`}`,
    );
    return { bucket, key };
  }
  if (!bucketExists) {
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that takes no location constraint.
        ...(options.region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: options.region as never } }),
      }),
    );
    options.log(`Created bucket ${bucket}`);
  }
  if (!objectExists) {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: lambda.zip, ContentType: "application/zip" }),
    );
    options.log(`Uploaded the webhook bundle to s3://${bucket}/${key} (${size})`);
  } else options.log(`The webhook bundle is in s3://${bucket}/${key} already`);
  return { bucket, key };
}

/** Whether a HEAD finds its target: 404 (or S3's NotFound) is no, anything else is an error. */
async function exists(head: () => Promise<unknown>): Promise<boolean> {
  try {
    await head();
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === "NotFound" || (error as Error).name === "NoSuchBucket")
      return false;
    if (status === 403)
      throw new Error(
        `S3 refused a HEAD request (403): the bucket may belong to another account, or these credentials may not read it`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

async function applyStack(
  options: AwsStackOptions,
  client: CloudFormationClient,
  template: string,
  parameters: Parameter[],
  existing: Stack | undefined,
): Promise<"created" | "updated" | "unchanged"> {
  const common = {
    StackName: options.stackName,
    TemplateBody: template,
    Parameters: parameters,
    Capabilities: ["CAPABILITY_IAM" as const],
  };
  if (!existing) {
    // A failed creation is deleted, so the next run starts clean instead of meeting ROLLBACK_COMPLETE.
    await client.send(new CreateStackCommand({ ...common, OnFailure: "DELETE" }));
    options.log(`Creating stack ${options.stackName} ...`);
  } else {
    try {
      await client.send(new UpdateStackCommand(common));
    } catch (error) {
      if (error instanceof Error && /No updates are to be performed/.test(error.message)) return "unchanged";
      throw error;
    }
    options.log(`Updating stack ${options.stackName} ...`);
  }
  const status = await waitForStack(options, client);
  const done = existing ? "UPDATE_COMPLETE" : "CREATE_COMPLETE";
  if (status !== done) {
    const reason = await firstFailure(client, options.stackName);
    throw new Error(
      `stack ${options.stackName} ended ${status}${reason ? `: ${reason}` : ""}` +
        (existing ? " (CloudFormation rolled it back to what it was)" : " (CloudFormation deleted what it had made)"),
    );
  }
  return existing ? "updated" : "created";
}

async function waitForStack(options: AwsStackOptions, client: CloudFormationClient): Promise<string> {
  const sleep = options.sleep || ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + (options.timeoutMs ?? 45 * 60_000);
  let last = "";
  for (;;) {
    const stack = await describeStack(client, options.stackName);
    // A creation rolled back with OnFailure DELETE ends with the stack gone.
    const status = stack?.StackStatus || "DELETE_COMPLETE";
    if (status !== last) options.log(`  ${options.stackName}: ${status}`);
    last = status;
    if (!status.endsWith("_IN_PROGRESS")) return status;
    if (Date.now() > deadline)
      throw new Error(`stack ${options.stackName} still ${status} after the wait; see the CloudFormation console`);
    await sleep(options.pollMs ?? 5_000);
  }
}

/** The reason of the stack's first failed resource in its latest operation (events come newest first). */
async function firstFailure(client: CloudFormationClient, stackName: string): Promise<string | undefined> {
  try {
    const events = (await client.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents || [];
    const failed = events.filter((e) => (e.ResourceStatus || "").endsWith("_FAILED") && e.ResourceStatusReason);
    const first = failed[failed.length - 1];
    return first ? `${first.LogicalResourceId}: ${first.ResourceStatusReason}` : undefined;
  } catch {
    return undefined; // a deleted stack's events may be gone; the status says enough
  }
}

async function readStackSecrets(
  client: SecretsManagerClient,
  outputs: Record<string, string>,
  log: (line: string) => void,
): Promise<Pick<AwsStackResult, "webhookUrl" | "secrets" | "values" | "databaseCredentials">> {
  const read = async (output: string, stage: "AWSCURRENT" | "AWSPREVIOUS" = "AWSCURRENT") => {
    const secretId = outputs[output];
    if (!secretId) throw new Error(`the stack has no output ${output}: is it this repository's template?`);
    try {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      return {
        json: JSON.parse(answer.SecretString || "{}") as Record<string, string>,
        versionId: answer.VersionId || "",
      };
    } catch (error) {
      if (stage === "AWSPREVIOUS" && (error as Error).name === "ResourceNotFoundException") return undefined;
      throw error;
    }
  };
  const trigger = await read("TriggerCredentialsSecretArn");
  const accessKey = await read("WebhookAccessKeySecretArn");
  const previous = await read("WebhookAccessKeySecretArn", "AWSPREVIOUS");
  const database = await read("DatabaseCredentialsSecretArn");
  log("Read the trigger's credentials, the webhook's access key and the database credentials from Secrets Manager");
  const current = accessKey!.json.api_key;
  return {
    webhookUrl: outputs.WebhookUrl,
    secrets: {
      awsAccessKeyId: trigger!.json.accessKeyId,
      awsSecretAccessKey: trigger!.json.secretAccessKey,
      firehoseAccessKey: current,
      // Not rotating, the previous key is the current one (docs/deploying.md).
      firehoseAccessKeyPrevious: previous?.json.api_key || current,
    },
    values: { AWS_REGION: outputs.Region, KINESIS_STREAM_NAME: outputs.StreamName },
    databaseCredentials: {
      username: database!.json.username,
      password: database!.json.password,
      versionId: database!.versionId,
    },
  };
}

/** The template parameter of each webhook setting the Lambda gets, by the value's name in values/. */
export const SETTING_PARAMETERS: Readonly<Record<string, string>> = {
  FIREHOSE_DATABASE: "FirehoseDatabase",
  FIREHOSE_COLLECTION: "FirehoseCollection",
  FIREHOSE_DEAD_LETTER_COLLECTION: "FirehoseDeadLetterCollection",
  FIREHOSE_DELETES_COLLECTION: "FirehoseDeletesCollection",
  FIREHOSE_RECONCILE_COLLECTION: "FirehoseReconcileCollection",
  FIREHOSE_HEARTBEAT_COLLECTION: "FirehoseHeartbeatCollection",
  FIREHOSE_NAMESPACE_MAP: "FirehoseNamespaceMap",
  FIREHOSE_UNMAPPED_TARGET: "FirehoseUnmappedTarget",
  CAPTURED_NAMESPACES: "CapturedNamespaces",
  HEARTBEAT_DATABASE: "HeartbeatDatabase",
  HEARTBEAT_COLLECTION: "HeartbeatCollection",
};

/** One value of the export (values/<name>.json), as the text an environment variable holds. */
export function readExportValue(root: string, name: string): string | undefined {
  const file = JSON.parse(readFileSync(join(root, "values", `${name}.json`), "utf8")) as { value?: unknown };
  const value = file.value;
  if (value === undefined || value === null || value === "") return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(",");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The stack parameters the repository decides: the stream's name and the webhook's settings, from values/. */
export function parametersFromExport(root: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  const stream = readExportValue(root, "KINESIS_STREAM_NAME");
  if (stream) parameters.StreamName = stream;
  for (const [name, parameter] of Object.entries(SETTING_PARAMETERS)) {
    const value = readExportValue(root, name);
    // An empty value means the setting's default, which the template's default is too.
    if (value !== undefined) parameters[parameter] = value;
  }
  return parameters;
}
