import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findCli, pushCommand, writeAppServicesLayout } from "../../scripts/deploy";
import { startLocalAdminApi } from "../../src/local/admin-api-server";
import { run as runProcess, userEnv } from "../helpers/command";

const repository = join(import.meta.dirname, "..", "..");

/**
 * A copy of the export and its sources (node_modules linked), where deploy may build: building in the
 * repository itself would rewrite functions/ while other tests read it (the drift test among them).
 */
function repositoryCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "akb-deploy-"));
  for (const entry of [
    "src",
    "scripts",
    "config",
    "functions",
    "triggers",
    "values",
    "data_sources",
    "http_endpoints",
    "realm_config.json",
    "package.json",
    "tsconfig.json",
  ]) {
    cpSync(join(repository, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repository, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** A stand-in CLI on PATH that records how it was called. */
function fakeCli(name: string): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "akb-cli-"));
  const log = join(dir, "calls.log");
  writeFileSync(join(dir, name), `#!/bin/sh\necho "$@" >> "${log}"\n`);
  chmodSync(join(dir, name), 0o755);
  return { dir, log };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("npm run deploy -- --cli appservices|realm-cli", { timeout: 120_000 }, () => {
  it("generates the appservices layout (root_config.json, https_endpoints/) from the same files", () => {
    const target = mkdtempSync(join(tmpdir(), "akb-layout-"));
    const files = writeAppServicesLayout(repository, target);
    expect(files).toContain("root_config.json");
    expect(files).toContain("https_endpoints/config.json");
    expect(files).toContain("functions/publishChangeToKinesis.js");
    expect(files).not.toContain("realm_config.json");
    expect(JSON.parse(readFileSync(join(target, "root_config.json"), "utf8"))).toEqual({
      name: "atlas-kinesis-bridge",
      deployment_model: "GLOBAL",
      provider_region: "aws-us-east-1",
    });
    expect(readFileSync(join(target, "https_endpoints/config.json"), "utf8")).toBe(
      readFileSync(join(repository, "http_endpoints/config.json"), "utf8"),
    );
  });

  it.each([
    [
      "appservices",
      "build/appservices-app",
      "app-1",
      true,
      "appservices push --local build/appservices-app --remote app-1 --dry-run --yes",
    ],
    ["realm-cli", ".", undefined, false, "realm-cli push --local ."],
  ] as const)("builds the %s push command", (cli, local, remote, dryRun, expected) => {
    expect(pushCommand(cli, local, remote, dryRun).join(" ")).toBe(expected);
  });

  it("prefers appservices, accepts realm-cli, and finds none on an empty PATH", () => {
    const both = [fakeCli("appservices").dir, fakeCli("realm-cli").dir].join(delimiter);
    expect(findCli(both)).toBe("appservices");
    expect(findCli(fakeCli("realm-cli").dir)).toBe("realm-cli");
    expect(findCli("")).toBeUndefined();
  });

  it("--dry-run without the CLI prints what would be pushed and how to install it, and exits 0", () => {
    const root = repositoryCopy();
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/deploy.ts", "--cli", "appservices", "--dry-run"],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, PATH: `${join(process.execPath, "..")}` },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Would push build\/appservices-app \(\d+ files\) with: appservices push --local build\/appservices-app --dry-run --yes/,
    );
    expect(result.stdout).toMatch(/appservices is not on PATH: install it to push/);
  });

  it("pushes with the installed CLI and the right flags", () => {
    const root = repositoryCopy();
    const snapshot = () =>
      ["functions", "triggers"].flatMap((dir) =>
        readdirSync(join(root, dir)).map((f) => `${dir}/${f}:${readFileSync(join(root, dir, f), "utf8").length}`),
      );
    const before = snapshot();
    const cli = fakeCli("realm-cli");
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/deploy.ts", "--cli", "realm-cli", "--remote", "my-app"],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, PATH: `${cli.dir}${delimiter}${process.env.PATH}` },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(cli.log)).toBe(true);
    expect(readFileSync(cli.log, "utf8").trim()).toBe("push --local . --remote my-app");
    // the build it ran left an up-to-date tree as it was
    expect(snapshot()).toEqual(before);
  });

  it("shows the check's warnings and pushes; stops on a problem without calling the CLI", () => {
    const root = repositoryCopy();
    // What a pull writes for a part never configured (silent), and a file the reference does not list (a warning).
    cpSync(join(repository, "test/fixtures/apps/published/fresh-pull/sync"), join(root, "sync"), { recursive: true });
    cpSync(join(repository, "test/fixtures/apps/published/fresh-pull/environments"), join(root, "environments"), {
      recursive: true,
    });
    writeFileSync(join(root, "environments", "staging.json"), JSON.stringify({ values: {} }));
    const cli = fakeCli("realm-cli");
    const deploy = () =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", "scripts/deploy.ts", "--cli", "realm-cli", "--remote", "my-app"],
        {
          cwd: root,
          encoding: "utf8",
          env: { ...process.env, PATH: `${cli.dir}${delimiter}${process.env.PATH}` },
        },
      );
    const warned = deploy();
    expect(warned.status, warned.stderr).toBe(0);
    expect(warned.stderr).toContain("warning: environments/staging.json: not an environment App Services defines");
    expect(readFileSync(cli.log, "utf8").trim()).toBe("push --local . --remote my-app");

    writeFileSync(
      join(root, "values", "SNAPSHOT_CHUNK_SIZE.json"),
      JSON.stringify({ name: "SNAPSHOT_CHUNK_SIZE", value: "lots", from_secret: false }),
    );
    const refused = deploy();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("values/SNAPSHOT_CHUNK_SIZE.json: SNAPSHOT_CHUNK_SIZE must be a whole number");
    expect(refused.stderr).toContain("Not deploying: 1 problem(s) in the export (npm run check).");
    expect(readFileSync(cli.log, "utf8").trim().split("\n")).toHaveLength(1);
  });
});

describe("npm run deploy (the Admin API) as a user runs it", { timeout: 180_000 }, () => {
  it("without an API key: names the variables to set and exits 3, before building anything", async () => {
    const root = repositoryCopy();
    const result = await runProcess(
      process.execPath,
      ["--import", "tsx", "scripts/deploy.ts", "--remote", "akb", "--project", "p1"],
      {
        cwd: root,
        env: userEnv(),
      },
    );
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(
      "deploy: MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY are not both set",
    );
    expect(result.stdout).not.toContain("Building");
  });

  it("against the local stand-in, end to end: the placeholder stops it (exit 7); a missing secret too (exit 6); then it deploys (exit 0), and again writes nothing", async () => {
    const api = await startLocalAdminApi({
      publicKey: "pk",
      privateKey: "private-key-5c4d",
      groupId: "5f7c0a0a0a0a0a0a0a0a0a0a",
    });
    stops.push(() => api.stop());
    const root = repositoryCopy();
    const env = userEnv({
      ADMIN_API_URL: api.url,
      MONGODB_ATLAS_PUBLIC_API_KEY: "pk",
      MONGODB_ATLAS_PRIVATE_API_KEY: "private-key-5c4d",
      MONGODB_ATLAS_PROJECT_ID: "5f7c0a0a0a0a0a0a0a0a0a0a",
      firehoseAccessKey: "a-long-random-access-key-value",
    });
    const deploy = (...args: string[]) =>
      runProcess(
        process.execPath,
        ["--import", "tsx", "scripts/deploy.ts", "--remote", "atlas-kinesis-bridge", ...args],
        {
          cwd: root,
          env,
          timeoutMs: 150_000,
        },
      );
    const writes = () => api.calls.filter((c) => c.method !== "GET" && c.operation !== "adminLogin");
    const placeholder = await deploy();
    expect(placeholder.code, placeholder.stderr).toBe(7);
    expect(placeholder.stderr).toContain('names the placeholder cluster "YOUR_CLUSTER_NAME"');
    const config = join(root, "data_sources/mongodb-atlas/config.json");
    writeFileSync(config, readFileSync(config, "utf8").replace("YOUR_CLUSTER_NAME", "Cluster0"));
    const missing = await deploy();
    expect(missing.code, missing.stderr).toBe(6);
    expect(missing.stdout).toContain("create  secret       firehoseAccessKey (value from the environment)");
    expect(missing.stderr).toMatch(/deploy: 5 secret\(s\) missing, .*awsSecretAccessKey \(for AWS_SECRET_ACCESS_KEY\)/);
    expect(writes()).toEqual([]);
    const secrets = {
      firehoseAccessKeyPrevious: "p-1",
      awsAccessKeyId: "a-2",
      awsSecretAccessKey: "s-3",
      adminApiPublicKey: "none",
      adminApiPrivateKey: "none",
    };
    // Outside the export: npm run check refuses a secrets.json in it (secret values never go into an export).
    const secretsFile = join(mkdtempSync(join(tmpdir(), "akb-secrets-")), "secrets.json");
    writeFileSync(secretsFile, JSON.stringify(secrets));
    const deployed = await deploy("--secrets-file", secretsFile);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/Deployed: deployment [0-9a-f]{24} \(atlas-kinesis-bridge[^)]*\) is successful\./);
    expect(
      api
        .app()
        .deployed.triggers.map((t) => t.name)
        .sort(),
    ).toEqual([
      "capture_monitors_reports",
      "capture_streamkap_streamkap_heartbeat",
      "continueSnapshots",
      "drainOutbox",
      "emitHeartbeat",
      "runSnapshot",
    ]);
    const written = writes().length;
    const again = await deploy("--secrets-file", secretsFile);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      "Nothing to deploy: atlas-kinesis-bridge already matches the export; nothing was written.",
    );
    expect(writes()).toHaveLength(written);
    const output = [placeholder, missing, deployed, again].map((r) => r.stdout + r.stderr).join("\n");
    expect(output).not.toContain("a-long-random-access-key-value");
    expect(output).not.toContain("private-key-5c4d");
  });
});
