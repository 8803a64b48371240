import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, relative } from "node:path";

/**
 * `npm run deploy -- --cli appservices|realm-cli`: the push through an App Services CLI, for those
 * who have one (neither is an npm dependency: both download binaries at install).
 * - realm-cli reads this root as it is (realm_config.json, 20210101 layout, http_endpoints/).
 * - appservices reads the current layout (root_config.json, https_endpoints/); it is generated from
 *   the same files into build/appservices-app/.
 * The functions bundle everything they need, so no dependency flags (--include-package-json /
 * --include-node-modules) are passed.
 */
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
