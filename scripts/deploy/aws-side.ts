/**
 * `npm run deploy -- --aws <stack>`: the AWS stack and the Atlas access in one run, in the order
 * that has no circle (docs/deploying.md):
 *   1. Atlas, read only: the cluster's connection string (the stack's MongoDbUri), the role and user to make;
 *   2. the bundle (npm run build:hosts, zipped) and the stack, created or updated and waited for;
 *   3. Atlas writes: the role, the user with the password the stack generated, access list entries.
 * Entry: `deployAwsSide(options, deps)` -> `{ webhookUrl, secrets, values, remaining }`: `secrets` are the
 * App Services secrets by name (awsAccessKeyId, awsSecretAccessKey, firehoseAccessKey,
 * firehoseAccessKeyPrevious) for the push to set; `values` what the stack decided (AWS_REGION,
 * KINESIS_STREAM_NAME); `remaining` the commands the APIs cannot do for you. Nothing secret is logged.
 */
import { DeployError } from "./errors";
import { PLACEHOLDER_CLUSTER } from "./local-app";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAtlasApi, type AtlasApi } from "./atlas-api";
import { applyAtlasAccess, describePlan, planAtlasAccess, type AtlasAccessPlan } from "./atlas-access";

export { parseAccessList } from "./atlas-access";
import {
  awsClients,
  deployAwsStack,
  packageLambda,
  parametersFromExport,
  readExportValue,
  type AwsClients,
  type LambdaPackage,
} from "./aws-stack";

export interface AwsSideOptions {
  readonly root: string;
  readonly stackName: string;
  readonly dryRun: boolean;
  /** Bring your own HTTPS host: no Lambda, Firehose delivers here. */
  readonly webhookUrl?: string;
  readonly codeBucket?: string;
  readonly accessList: readonly string[];
  readonly projectId?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

export interface AwsSideDeps {
  readonly aws?: (region: string) => AwsClients;
  readonly atlas?: (keys: { publicKey: string; privateKey: string }) => AtlasApi;
  /** Builds build/lambda and zips it (npm run build:hosts). */
  readonly buildLambda?: () => Promise<LambdaPackage>;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface AwsSideResult {
  readonly webhookUrl: string;
  readonly secrets: Record<string, string>;
  readonly values: Record<string, string>;
  readonly remaining: string[];
}

export const BRIDGE_USER = "atlas-kinesis-bridge";

export async function deployAwsSide(options: AwsSideOptions, deps: AwsSideDeps = {}): Promise<AwsSideResult> {
  const { root, env, log } = options;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || readExportValue(root, "AWS_REGION") || "us-east-1";
  const lambdaMode = !options.webhookUrl;
  const atlas = await planAtlas(options, deps, lambdaMode);
  const lambda = lambdaMode ? await (deps.buildLambda || buildLambda)() : undefined;
  const aws = await deployAwsStack(
    {
      root,
      stackName: options.stackName,
      region,
      dryRun: options.dryRun,
      parameters: {
        ...parametersFromExport(root),
        ...(lambdaMode ? { MongoDbUri: atlas!.plan.clusterUri, DatabaseUserName: BRIDGE_USER } : {}),
        ...(options.webhookUrl ? { WebhookUrl: options.webhookUrl } : {}),
      },
      lambda,
      codeBucket: options.codeBucket,
      log,
      sleep: deps.sleep,
    },
    (deps.aws || awsClients)(region),
  ).catch((error: unknown) => {
    if ((error as Error).name === "CredentialsProviderError")
      throw new Error(
        `no AWS credentials: set AWS_PROFILE (aws sso login / aws configure) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${(error as Error).message})`,
      );
    throw error;
  });
  const remaining = atlas ? [...atlas.plan.remaining] : atlasByHand(lambdaMode);
  if (!lambdaMode)
    remaining.push(
      `Give your webhook host its access key: FIREHOSE_ACCESS_KEY is the api_key of the secret ${aws.outputs.WebhookAccessKeySecretArn || "WebhookAccessKeySecretArn (a stack output)"}, ` +
        `and its MONGODB_URI the user and password of ${aws.outputs.DatabaseCredentialsSecretArn || "DatabaseCredentialsSecretArn"}.`,
    );
  if (options.dryRun) return { webhookUrl: "", secrets: {}, values: {}, remaining };
  if (atlas) await applyAtlasAccess(atlas.api, atlas.plan, aws.databaseCredentials, log);
  warnIfValuesDiffer(root, aws.values, log);
  log(`App Services secrets from the stack: ${Object.keys(aws.secrets).join(", ")} (values not shown)`);
  return { webhookUrl: aws.webhookUrl, secrets: aws.secrets, values: aws.values, remaining };
}

async function planAtlas(
  options: AwsSideOptions,
  deps: AwsSideDeps,
  lambdaMode: boolean,
): Promise<{ api: AtlasApi; plan: AtlasAccessPlan } | undefined> {
  const { env } = options;
  const publicKey = env.MONGODB_ATLAS_PUBLIC_API_KEY;
  const privateKey = env.MONGODB_ATLAS_PRIVATE_API_KEY;
  const projectId = options.projectId || env.MONGODB_ATLAS_PROJECT_ID;
  const missing = [
    publicKey ? "" : "MONGODB_ATLAS_PUBLIC_API_KEY",
    privateKey ? "" : "MONGODB_ATLAS_PRIVATE_API_KEY",
    projectId ? "" : "MONGODB_ATLAS_PROJECT_ID (or --project)",
  ].filter(Boolean);
  if (missing.length > 0) {
    // The stack's Lambda needs the cluster's address, which only Atlas can tell.
    if (lambdaMode)
      throw new Error(
        `--aws needs an Atlas programmatic API key and project to find the cluster and make the bridge's database user: set ${missing.join(", ")} ` +
          `(or bring your own webhook host with --webhook-url https://...)`,
      );
    return undefined;
  }
  const api = (deps.atlas || ((keys) => createAtlasApi(keys)))({ publicKey: publicKey!, privateKey: privateKey! });
  const plan = await planAtlasAccess(api, {
    root: options.root,
    projectId: projectId!,
    clusterName: clusterName(options.root),
    username: BRIDGE_USER,
    accessList: options.accessList,
    lambda: lambdaMode,
    stackName: options.stackName,
  });
  for (const line of describePlan(plan)) options.log(line);
  return { api, plan };
}

/** The cluster the export's data source links (data_sources/mongodb-atlas/config.json). */
export function clusterName(root: string): string {
  const config = JSON.parse(readFileSync(join(root, "data_sources", "mongodb-atlas", "config.json"), "utf8")) as {
    config?: { clusterName?: string };
  };
  const name = config.config?.clusterName;
  if (!name) throw new Error("data_sources/mongodb-atlas/config.json has no config.clusterName");
  if (name === PLACEHOLDER_CLUSTER)
    throw new DeployError(
      "placeholder_cluster",
      `data_sources/mongodb-atlas/config.json names the placeholder cluster "${PLACEHOLDER_CLUSTER}": put your cluster's name in clusterName`,
    );
  return name;
}

function atlasByHand(lambdaMode: boolean): string[] {
  if (lambdaMode) return [];
  return [
    "No Atlas API key was given: make the bridge's role and user yourself " +
      '(BRIDGE_PASSWORD=<the DatabaseCredentials secret\'s password> mongosh "<uri>" --file mongodb/setup-database-user.js prints the atlas commands), ' +
      "or set MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PRIVATE_API_KEY and MONGODB_ATLAS_PROJECT_ID and run this again.",
  ];
}

function warnIfValuesDiffer(root: string, values: Record<string, string>, log: (line: string) => void): void {
  for (const [name, value] of Object.entries(values)) {
    const exported = readExportValue(root, name);
    if (value && exported !== value)
      log(
        `warning: values/${name}.json says ${exported ?? "nothing"}, the stack says ${value}: set it to ${value} before the push`,
      );
  }
}

async function buildLambda(): Promise<LambdaPackage> {
  const { buildHosts } = await import("../build-hosts");
  const { lambda } = await buildHosts();
  return packageLambda(join(lambda, ".."));
}
