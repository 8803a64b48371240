/**
 * `npm run deploy -- --remote <app> [--dry-run] [--project <id>] [--secrets-file <path>] [--update-secrets]`
 * builds and checks the export, then deploys it through the App Services Admin API v3 with Node
 * alone (scripts/deploy/app-services.ts): the plan is the difference between the export and the
 * deployed app, applied in one draft. `--cli appservices|realm-cli` pushes with that CLI instead
 * (scripts/deploy/cli-push.ts). `--aws <stack>` first deploys the AWS stack and the Atlas role and
 * user (scripts/deploy/aws-side.ts) and hands the secrets it read to the deploy. The one definition
 * of the command is here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join, relative, resolve } from "node:path";
import { checkApp } from "./check-export";
import { deployToAppServices } from "./deploy/app-services";
import { findCli, pushCommand, writeAppServicesLayout, type Cli } from "./deploy/cli-push";
import { DEPLOY_EXIT_CODES, DeployError } from "./deploy/errors";
import { readDesiredApp, secretsNamed } from "./deploy/local-app";
import { environmentSupply, fileSupply, type SecretSupply } from "./deploy/secrets";
import {
  defineCommand,
  oneOfOption,
  readCommandLine,
  UsageError,
  USAGE_ERROR,
  type OptionValues,
} from "../src/cli/command-line";
import { ADMIN_API_DEFAULT_URL, captureHealthSettings } from "../src/core/capture/health/health-config";
import { readSetting } from "../src/core/settings";

export { findCli, pushCommand, writeAppServicesLayout, type Cli };

const root = resolve(import.meta.dirname, "..");

export const deployCommand = defineCommand({
  command: "npm run deploy",
  summary:
    "Builds and checks (npm run check) the App Services export, then deploys it through the App Services Admin API v3: " +
    "the plan (what to create, update, delete; which secrets are missing) is the difference between the export and the " +
    "deployed app, applied in one draft that is deployed and followed to the end, or discarded on any failure. " +
    "Database triggers that did not change are not touched; changed ones are updated in place (same _id, same resume point).",
  options: {
    remote: {
      type: "string",
      value: "<app>",
      description: "the app to deploy to: its name or client app id",
      defaultText: "none: required (with --cli: the CLI's own choice)",
    },
    "dry-run": {
      type: "boolean",
      description: "print the plan and write nothing (it stops with the same exit codes for what reading can tell)",
    },
    project: {
      type: "string",
      value: "<id>",
      description: "the Atlas project (group) id of the app",
      defaultText: "MONGODB_ATLAS_PROJECT_ID",
    },
    "secrets-file": {
      type: "string",
      value: "<path>",
      description: 'secret values as a JSON object {"secretName": "value"} (kept out of every output)',
      defaultText: "none: environment variables named as the secrets",
    },
    "update-secrets": {
      type: "boolean",
      description: "also set secrets that exist already to the values given (their values cannot be read to compare)",
    },
    cli: {
      type: "string",
      value: "<name>",
      description: "push with the appservices or realm-cli CLI instead of the Admin API",
      defaultText: "none: the Admin API, with Node alone",
    },
    aws: {
      type: "string",
      value: "<stack>",
      description:
        "first deploy the CloudFormation stack <stack> (stream, Firehose, the webhook Lambda) and the Atlas role and user; " +
        "the stack's secrets (trigger credentials, webhook access key) go to the App Services secrets",
      defaultText: "none: no AWS step",
    },
    "webhook-url": {
      type: "string",
      value: "<https url>",
      description: "with --aws: Firehose delivers to your own HTTPS host instead of the stack's Lambda",
    },
    "code-bucket": {
      type: "string",
      value: "<bucket>",
      description: "with --aws: the S3 bucket for the Lambda bundle (made if missing)",
      defaultText: "atlas-kinesis-bridge-code-<account>-<region>",
    },
    "atlas-access-list": {
      type: "string",
      value: "<cidr,...>",
      description: "with --aws: add these to the Atlas project's IP access list (the webhook host's addresses)",
    },
  },
  environment: [
    {
      name: "MONGODB_ATLAS_PUBLIC_API_KEY",
      description: "an Atlas programmatic API key of the project, public part",
      default: "none",
    },
    {
      name: "MONGODB_ATLAS_PRIVATE_API_KEY",
      description: "its private part (Project Owner to deploy, Project Read Only for --dry-run; never printed)",
      default: "none",
    },
    { name: "MONGODB_ATLAS_PROJECT_ID", description: "the project id when --project is not given", default: "none" },
    { name: "ADMIN_API_URL", description: "the Admin API's base URL", default: ADMIN_API_DEFAULT_URL },
    {
      name: "<secret name>",
      description: "a secret's value, e.g. firehoseAccessKey=… (never printed)",
      default: "none",
    },
    { name: "PATH", description: "where appservices and realm-cli are looked for (--cli)", default: "the shell's" },
    {
      name: "AWS_PROFILE, AWS_ACCESS_KEY_ID, ...",
      description: "with --aws: AWS credentials (the SDK's default chain)",
    },
    { name: "AWS_REGION", description: "with --aws: the stack's region", default: "values/AWS_REGION.json" },
  ],
  notes: [
    `exit codes: 0 deployed, nothing to deploy, or a dry run that would deploy; ${DEPLOY_EXIT_CODES.failed} the export has problems or the deployment failed (its draft discarded); ` +
      `${USAGE_ERROR} usage; ${DEPLOY_EXIT_CODES.credentials} API key missing, refused (401) or without the role (403); ` +
      `${DEPLOY_EXIT_CODES.app_not_found} no such app; ${DEPLOY_EXIT_CODES.draft_exists} a draft of this key's user exists (409); ` +
      `${DEPLOY_EXIT_CODES.secrets_missing} a secret missing; ${DEPLOY_EXIT_CODES.placeholder_cluster} the placeholder cluster name in data_sources/`,
    "example: npm run deploy -- --remote atlas-kinesis-bridge --dry-run",
    "example: npm run deploy -- --aws atlas-kinesis-bridge --remote atlas-kinesis-bridge --dry-run",
    "try it locally: npm run admin-api-local (it prints the variables to set), then npm run deploy -- --remote atlas-kinesis-bridge",
  ],
  actsOutside: true,
});

type DeployValues = OptionValues<typeof deployCommand.options>;

/** Runs `npm run build`, then `npm run check`'s checks: problems stop the deploy, warnings are shown. */
function buildAndCheck(): boolean {
  console.log("Building functions and triggers ...");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  const { problems, warnings } = checkApp(root);
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  if (problems.length === 0) return true;
  for (const problem of problems) console.error(problem);
  console.error(`Not deploying: ${problems.length} problem(s) in the export (npm run check).`);
  return false;
}

/**
 * The deploy through the Admin API. `supplies` are secret values another step hands in (they win
 * over --secrets-file, which wins over the environment).
 */
export async function deployWithAdminApi(
  values: DeployValues,
  env: NodeJS.ProcessEnv,
  supplies: readonly SecretSupply[] = [],
  stack?: StackStep,
): Promise<number> {
  const remote = values.remote;
  const projectId = values.project ?? env.MONGODB_ATLAS_PROJECT_ID;
  if (!remote) throw new UsageError("--remote <app> is required: the app's name or client app id");
  if (!projectId)
    throw new UsageError("--project <id> or MONGODB_ATLAS_PROJECT_ID is required: the app's Atlas project");
  const baseUrl = readSetting((name) => env[name], captureHealthSettings.adminApiUrl);
  const publicKey = env.MONGODB_ATLAS_PUBLIC_API_KEY;
  const privateKey = env.MONGODB_ATLAS_PRIVATE_API_KEY;
  if (!publicKey || !privateKey)
    throw new DeployError(
      "credentials",
      "MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY are not both set: an Atlas programmatic API key " +
        "of the project (Project Owner; Atlas UI → Project → Access Manager → API Keys), or push with --cli appservices",
    );
  const file = values["secrets-file"] ? [fileSupply(values["secrets-file"], values["update-secrets"])] : [];
  if (!buildAndCheck()) return DEPLOY_EXIT_CODES.failed;
  const names = secretsNamed(readDesiredApp(root)).keys();
  const given = [...supplies, ...file, environmentSupply(env, names, values["update-secrets"])];
  const deploy = (secrets: SecretSupply[], dryRun: boolean, print: (line: string) => void) =>
    deployToAppServices({
      root,
      remote,
      projectId,
      baseUrl,
      publicKey,
      privateKey,
      dryRun,
      secrets,
      deploymentName: deploymentName(),
      print,
    });
  if (stack && !values["dry-run"]) {
    // Everything reading can tell (the key, the app, the placeholder, a missing secret) stops the
    // deploy before the stack is touched: nothing is half-deployed.
    await deploy([stack.placeholder, ...given], true, () => {});
  }
  // The stack's secrets are the app's inputs: its step runs after the export checks out and before the plan.
  const fromStack = stack ? await stack.run() : [];
  await deploy([...fromStack, ...given], values["dry-run"], (line) => console.log(line));
  return 0;
}

/** The push with an App Services CLI (--cli). */
async function deployWithCli(values: DeployValues, stack?: StackStep): Promise<number> {
  const prefer = oneOfOption("cli", values.cli as string, ["appservices", "realm-cli"] as const);
  if (!buildAndCheck()) return DEPLOY_EXIT_CODES.failed;
  const fromStack = stack ? await stack.run() : [];
  const stackSecrets = fromStack.flatMap((supply) => Object.keys(supply.values));
  if (stackSecrets.length > 0)
    console.log(
      `A CLI push does not set secrets: create ${stackSecrets.join(", ")} from the stack's Secrets Manager secrets ` +
        `first, or deploy without --cli (the Admin API sets them).`,
    );
  const cli = findCli(process.env.PATH, prefer);
  const local = prefer === "appservices" ? join(root, "build", "appservices-app") : root;
  const files =
    prefer === "appservices"
      ? writeAppServicesLayout(root, local)
      : ["realm_config.json", "data_sources/", "functions/", "http_endpoints/", "triggers/", "values/"];
  const command = pushCommand(prefer, relative(root, local) || ".", values.remote, values["dry-run"]);
  const shown = relative(root, local) || ".";
  console.log(
    `${values["dry-run"] ? "Would push" : "Pushing"} ${shown} (${files.length} files) with: ${command.join(" ")}`,
  );
  if (values["dry-run"]) {
    for (const f of files) console.log(`  ${f}`);
    if (!cli) console.log(`\n${prefer} is not on PATH: install it to push (npm install -g atlas-app-services-cli).`);
    console.log(
      `\nSecrets are not pushed by a CLI: create them first (${prefer} secrets create --name firehoseAccessKey --value ...).`,
    );
    return 0;
  }
  if (!cli) {
    console.error(
      `${prefer} is not on PATH. Install with: npm install -g atlas-app-services-cli (or deploy without --cli)`,
    );
    return 1;
  }
  return spawnSync(command[0], command.slice(1), { cwd: root, stdio: "inherit" }).status ?? 1;
}

/** The commit deployed, as the deployment's name (so the Atlas deployment history says which). */
function deploymentName(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trim() !== "";
    return `atlas-kinesis-bridge ${commit}${dirty ? "-dirty" : ""}`;
  } catch {
    return "atlas-kinesis-bridge";
  }
}

/** A bad option value found by a helper is a usage error (exit 2), before anything runs. */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The `--aws` step: what it will supply (names only, for a plan) and the run that supplies it. */
interface StackStep {
  readonly placeholder: SecretSupply;
  run(): Promise<SecretSupply[]>;
}

/**
 * `--aws <stack>`: the step that deploys the stack and the Atlas role and user, and supplies the
 * stack's secrets (a dry run writes nothing and names them as to come from the stack). Its options
 * are checked before anything runs; the AWS and Atlas clients load only with --aws.
 */
async function awsStep(values: DeployValues): Promise<StackStep | undefined> {
  if (values.aws === undefined) {
    if (values["webhook-url"] || values["code-bucket"] || values["atlas-access-list"])
      throw new UsageError("--webhook-url, --code-bucket and --atlas-access-list go with --aws <stack>");
    return undefined;
  }
  if (values["webhook-url"] !== undefined && !/^https:\/\/.{1,992}$/.test(values["webhook-url"]))
    throw new UsageError("--webhook-url must be an https:// URL (Firehose delivers over HTTPS only)");
  const stackName = values.aws;
  const awsSide = await import("./deploy/aws-side");
  const { STACK_SECRET_NAMES } = await import("./deploy/aws-stack");
  const accessList = usage(() => awsSide.parseAccessList(values["atlas-access-list"]));
  // No value to write: a plan names these secrets as the stack's.
  const placeholder: SecretSupply = {
    from: `stack ${stackName} (once deployed)`,
    values: Object.fromEntries(STACK_SECRET_NAMES.map((name) => [name, "(from the stack)"])),
    replace: true,
  };
  return {
    placeholder,
    async run() {
      const aws = await awsSide.deployAwsSide({
        root,
        stackName,
        dryRun: values["dry-run"],
        webhookUrl: values["webhook-url"],
        codeBucket: values["code-bucket"],
        accessList,
        projectId: values.project,
        env: process.env,
        log: (line) => console.log(line),
      });
      if (aws.webhookUrl) console.log(`Firehose delivers to ${aws.webhookUrl}`);
      for (const step of aws.remaining) console.log(`To do: ${step}`);
      if (values["dry-run"]) return [placeholder];
      return [{ from: `stack ${stackName}`, values: aws.secrets, replace: true }];
    },
  };
}

async function main(): Promise<number> {
  const { values } = readCommandLine(deployCommand);
  const stack = await awsStep(values);
  if (values.cli !== undefined) return deployWithCli(values, stack);
  return deployWithAdminApi(values, process.env, [], stack);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(
        error instanceof UsageError
          ? USAGE_ERROR
          : error instanceof DeployError
            ? error.exitCode
            : DEPLOY_EXIT_CODES.failed,
      );
    },
  );
}
