/**
 * `npm run deploy -- [--dry-run] [--remote <app name or id>] [--cli appservices|realm-cli]`
 * Builds, checks, and pushes the App Services export with whichever CLI is installed (`appservices`
 * preferred, `realm-cli` accepted; neither is an npm dependency, since both download binaries).
 * - realm-cli reads this root as it is (realm_config.json, 20210101 layout, http_endpoints/).
 * - appservices reads the current layout (root_config.json, https_endpoints/); it is generated from
 *   the same files into build/appservices-app/.
 * The functions bundle everything they need, so no dependency flags (--include-package-json /
 * --include-node-modules) are passed. --dry-run prints what would be pushed and runs nothing.
 * `--aws <stack>` first deploys the AWS stack and the Atlas role and user (scripts/deploy/aws-side.ts)
 * and hands the App Services secrets it read to the push (docs/deploying.md).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, relative, resolve } from "node:path";
import { checkApp } from "./check-export";
import { defineCommand, oneOfOption, readCommandLine, UsageError, USAGE_ERROR } from "../src/cli/command-line";

const root = resolve(import.meta.dirname, "..");
export type Cli = "appservices" | "realm-cli";

/** realm_config.json's `location` (e.g. US-VA) to root_config.json's `provider_region`. */
const REGIONS: Record<string, string> = {
  "US-VA": "aws-us-east-1",
  "US-OR": "aws-us-west-2",
  "US-OH": "aws-us-east-2",
  "DE-FF": "aws-eu-central-1",
  IE: "aws-eu-west-1",
  GB: "aws-eu-west-2",
  AU: "aws-ap-southeast-2",
  "IN-MB": "aws-ap-south-1",
  SG: "aws-ap-southeast-1",
  "BR-SP": "aws-sa-east-1",
};

export function findCli(path = process.env.PATH || "", prefer?: Cli): Cli | undefined {
  const candidates: Cli[] = prefer ? [prefer] : ["appservices", "realm-cli"];
  return candidates.find((cli) => path.split(delimiter).some((dir) => dir && existsSync(join(dir, cli))));
}

/** Writes the appservices (20230101) layout of this export into `target`. */
export function writeAppServicesLayout(source: string, target: string): string[] {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const realm = JSON.parse(readFileSync(join(source, "realm_config.json"), "utf8")) as {
    name: string;
    location?: string;
    deployment_model?: string;
    environment?: string;
  };
  const rootConfig = {
    name: realm.name,
    deployment_model: realm.deployment_model || "GLOBAL",
    provider_region: REGIONS[realm.location || "US-VA"] || "aws-us-east-1",
    ...(realm.environment ? { environment: realm.environment } : {}),
  };
  writeFileSync(join(target, "root_config.json"), `${JSON.stringify(rootConfig, null, 2)}\n`);
  for (const dir of ["data_sources", "functions", "triggers", "values"])
    cpSync(join(source, dir), join(target, dir), { recursive: true });
  if (existsSync(join(source, "http_endpoints")))
    cpSync(join(source, "http_endpoints"), join(target, "https_endpoints"), { recursive: true });
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(relative(target, path));
    }
  };
  walk(target);
  return files.sort();
}

export function pushCommand(cli: Cli, local: string, remote: string | undefined, dryRun: boolean): string[] {
  return [
    cli,
    "push",
    "--local",
    local,
    ...(remote ? ["--remote", remote] : []),
    ...(dryRun ? ["--dry-run"] : []),
    ...(cli === "appservices" ? ["--yes"] : []),
  ];
}

const deployCommand = defineCommand({
  command: "npm run deploy",
  summary:
    "Builds, checks (npm run check) and pushes the App Services export with the appservices CLI (the current layout, " +
    "generated into build/appservices-app/) or realm-cli (this root as it is). Secrets are not pushed: create them first.",
  options: {
    "dry-run": {
      type: "boolean",
      description: "build and check, print what would be pushed and the command, push nothing",
    },
    remote: {
      type: "string",
      value: "<app>",
      description: "the app (name or id) to push to",
      defaultText: "the CLI's own choice (its login and the app file)",
    },
    cli: {
      type: "string",
      value: "<name>",
      description: "appservices or realm-cli",
      defaultText: "whichever is on PATH, appservices first",
    },
    aws: {
      type: "string",
      value: "<stack>",
      description:
        "first deploy the CloudFormation stack <stack> (stream, Firehose, the webhook Lambda) and the Atlas role and user; " +
        "its secrets go to the App Services secrets",
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
    project: {
      type: "string",
      value: "<id>",
      description: "the Atlas project (group) id",
      defaultText: "MONGODB_ATLAS_PROJECT_ID",
    },
  },
  environment: [
    { name: "PATH", description: "where appservices and realm-cli are looked for", default: "the shell's" },
    { name: "MONGODB_ATLAS_PUBLIC_API_KEY", description: "with --aws: the Atlas programmatic API key (Project Owner)" },
    { name: "MONGODB_ATLAS_PRIVATE_API_KEY", description: "with --aws: its private key" },
    { name: "MONGODB_ATLAS_PROJECT_ID", description: "with --aws: the project, unless --project" },
    {
      name: "AWS_PROFILE, AWS_ACCESS_KEY_ID, ...",
      description: "with --aws: AWS credentials (the SDK's default chain)",
    },
    { name: "AWS_REGION", description: "with --aws: the stack's region", default: "values/AWS_REGION.json" },
  ],
  notes: ["example: npm run deploy -- --dry-run", "example: npm run deploy -- --aws atlas-kinesis-bridge --dry-run"],
  actsOutside: true,
});

/** A bad option value found by a helper is a usage error (exit 2), before anything runs. */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<number> {
  const { values } = readCommandLine(deployCommand);
  const dryRun = values["dry-run"];
  const prefer =
    values.cli === undefined ? undefined : oneOfOption("cli", values.cli, ["appservices", "realm-cli"] as const);
  const remote = values.remote;
  if (values.aws === undefined && (values["webhook-url"] || values["code-bucket"] || values["atlas-access-list"]))
    throw new UsageError("--webhook-url, --code-bucket and --atlas-access-list go with --aws <stack>");
  if (values["webhook-url"] !== undefined && !/^https:\/\/.{1,992}$/.test(values["webhook-url"]))
    throw new UsageError("--webhook-url must be an https:// URL (Firehose delivers over HTTPS only)");
  // The AWS and Atlas clients load only with --aws.
  const awsSide = values.aws === undefined ? undefined : await import("./deploy/aws-side");
  const accessList = awsSide ? usage(() => awsSide.parseAccessList(values["atlas-access-list"])) : [];

  console.log("Building functions and triggers ...");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  // Warnings are shown and never stop a push; problems are what the push would refuse.
  const { problems, warnings } = checkApp(root);
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(`Not pushing: ${problems.length} problem(s) in the export (npm run check).`);
    return 1;
  }
  // Secrets the AWS step read, by App Services secret name, for the push to set (never printed).
  const stackSecrets: Record<string, string> = {};
  if (awsSide && values.aws !== undefined) {
    const aws = await awsSide.deployAwsSide({
      root,
      stackName: values.aws,
      dryRun,
      webhookUrl: values["webhook-url"],
      codeBucket: values["code-bucket"],
      accessList,
      projectId: values.project,
      env: process.env,
      log: (line) => console.log(line),
    });
    Object.assign(stackSecrets, aws.secrets);
    if (aws.webhookUrl) console.log(`Firehose delivers to ${aws.webhookUrl}`);
    for (const step of aws.remaining) console.log(`To do: ${step}`);
  }
  const cli = findCli(process.env.PATH, prefer);
  const chosen: Cli = cli ?? prefer ?? "appservices";
  const local = chosen === "appservices" ? join(root, "build", "appservices-app") : root;
  const files =
    chosen === "appservices"
      ? writeAppServicesLayout(root, local)
      : ["realm_config.json", "data_sources/", "functions/", "http_endpoints/", "triggers/", "values/"];
  const command = pushCommand(chosen, relative(root, local) || ".", remote, dryRun);
  console.log(
    `${dryRun ? "Would push" : "Pushing"} ${relative(root, local) || "."} (${files.length} files) with: ${command.join(" ")}`,
  );
  if (dryRun) {
    for (const file of files) console.log(`  ${file}`);
    if (!cli)
      console.log(
        `\nNo App Services CLI on PATH. Install one (npm install -g atlas-app-services-cli, then appservices login --api-key <public> --private-api-key <private>) to push.`,
      );
    console.log(
      "\nSecrets are not pushed: create them first (appservices secrets create --name firehoseAccessKey --value ...; see docs/deploying.md#step-4-app-services).",
    );
    return 0;
  }
  if (!cli) {
    console.error(
      "No App Services CLI found on PATH (appservices or realm-cli). Install with: npm install -g atlas-app-services-cli",
    );
    return 1;
  }
  if (Object.keys(stackSecrets).length > 0)
    console.log(
      `The stack's secrets (${Object.keys(stackSecrets).join(", ")}) are set by the Admin API deploy; ` +
        `with ${chosen}, create them first (docs/deploying.md).`,
    );
  const result = spawnSync(command[0], command.slice(1), { cwd: root, stdio: "inherit" });
  return result.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(error instanceof UsageError ? USAGE_ERROR : 1);
    },
  );
}
