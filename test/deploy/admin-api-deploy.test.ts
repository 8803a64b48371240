import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeTransport, type HttpRequester } from "../../src/adapters/http/node-transport";
import { startLocalAdminApi, type LocalAdminApi } from "../../src/local/admin-api-server";
import type { StandInApp } from "../../src/local/admin-api/app-store";
import { createSpecValidator } from "../../src/local/admin-api/spec-validator";
import { deployToAppServices, type AppServicesDeployInput } from "../../scripts/deploy/app-services";
import { DeployError } from "../../scripts/deploy/errors";
import { PLACEHOLDER_CLUSTER, readDesiredApp } from "../../scripts/deploy/local-app";
import type { SecretSupply } from "../../scripts/deploy/secrets";

/**
 * `npm run deploy -- --remote <app>` through the Admin API, into the local stand-in over real HTTP:
 * the deployed state equals the export, every request and every answer matches the schemas written
 * from the spec, a second run writes nothing, triggers are updated in place or not touched, and each
 * way to stop stops before anything is written.
 */
const repository = resolve(import.meta.dirname, "..", "..");
const GROUP = "5f7c0a0a0a0a0a0a0a0a0a0a";
const OWNER = { publicKey: "ownerkey", privateKey: "owner-private-0f1e2d3c4b5a" };
const READER = { publicKey: "readerkey", privateKey: "reader-private-9a8b7c6d5e4f" };
const SECRETS: Record<string, string> = {
  firehoseAccessKey: "fh-key-value-7Qx2",
  firehoseAccessKeyPrevious: "fh-key-value-7Qx2",
  awsAccessKeyId: "aws-id-value-3Lm9",
  awsSecretAccessKey: "aws-secret-value-8Np4",
  adminApiPublicKey: "none",
  adminApiPrivateKey: "none",
};
const REPORTS = "capture_monitors_reports";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A copy of the built export with a cluster named (the repository ships the placeholder). */
function exportCopy(cluster = "Cluster0"): string {
  const dir = mkdtempSync(join(tmpdir(), "akb-deploy-api-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
    cpSync(join(repository, part), join(dir, part), { recursive: true });
  editJson(dir, "data_sources/mongodb-atlas/config.json", (d) => ({
    ...d,
    config: { ...d.config, clusterName: cluster },
  }));
  return dir;
}

function editJson(dir: string, path: string, change: (json: any) => unknown): void {
  writeFileSync(join(dir, path), JSON.stringify(change(JSON.parse(readFileSync(join(dir, path), "utf8")))));
}

async function standIn(): Promise<LocalAdminApi> {
  const api = await startLocalAdminApi({
    ...OWNER,
    groupId: GROUP,
    keys: [{ ...READER, role: "read" }],
    pendingPolls: 2,
  });
  cleanups.push(() => api.stop());
  return api;
}

function deployer(api: LocalAdminApi, root: string) {
  const printed: string[] = [];
  const run = (overrides: Partial<AppServicesDeployInput> = {}) =>
    deployToAppServices({
      root,
      remote: "atlas-kinesis-bridge",
      projectId: GROUP,
      baseUrl: api.url,
      ...OWNER,
      dryRun: false,
      secrets: [{ from: "the environment", values: SECRETS, replace: false }],
      deploymentName: "test",
      print: (line) => printed.push(line),
      poll: { intervalMs: 5, timeoutMs: 10_000 },
      ...overrides,
    });
  const fails = async (overrides: Partial<AppServicesDeployInput> = {}) => {
    const error = await run(overrides).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployError);
    return error as DeployError;
  };
  return { run, fails, printed };
}

/** The calls that write (anything but a read, and the login). */
const writes = (api: LocalAdminApi, from = 0) =>
  api.calls.slice(from).filter((c) => c.method !== "GET" && c.operation !== "adminLogin");

/** The deployed app in the export's terms, to compare with readDesiredApp. */
function deployedAsExport(app: StandInApp) {
  const { functions, triggers, values, services, secrets } = app.deployed;
  const fnName = (id: string) => functions.find((f) => f._id === id)?.name;
  return {
    functions: functions.map(({ _id, last_modified, ...f }) => f).sort(byName),
    triggers: triggers
      .map((t) => {
        const { service_id, ...config } = t.config;
        const service = services.find((s) => s._id === service_id)?.name;
        return {
          name: t.name,
          type: t.type,
          disabled: t.disabled,
          config: service ? { service_name: service, ...config } : config,
          functionName: fnName(t.function_id),
        };
      })
      .sort(byName),
    values: values.map(({ _id, last_modified, ...v }) => v).sort(byName),
    dataSources: services.map((s) => ({ name: s.name, type: s.type, config: s.config })),
    secrets: secrets.map((s) => s.name).sort(),
  };
}
const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

describe("npm run deploy through the Admin API, into the local stand-in", { timeout: 60_000 }, () => {
  it("deploys the export into an empty app: the deployed state equals the export, every request and answer matches the spec", async () => {
    // Prepare
    const api = await standIn();
    const root = exportCopy();
    const { run, printed } = deployer(api, root);
    // Act
    const result = await run();
    // Assess: one draft, deployed, polled to the end
    expect(result.deploymentId).toBeDefined();
    const app = api.app();
    expect(app.drafts).toEqual([]);
    expect(app.deployments.map((d) => d.status)).toEqual(["successful"]);
    expect(printed.join("\n")).toMatch(/Deployed: deployment [0-9a-f]{24} \(test\) is successful\./);
    const desired = readDesiredApp(root);
    const deployed = deployedAsExport(app);
    expect(deployed.functions).toEqual([...desired.functions].sort(byName));
    expect(deployed.triggers).toEqual([...desired.triggers].sort(byName));
    expect(deployed.values).toEqual([...desired.values].sort(byName));
    expect(deployed.dataSources).toEqual(desired.dataSources.map(({ name, type, config }) => ({ name, type, config })));
    expect(deployed.secrets).toEqual(Object.keys(SECRETS).sort());
    expect(app.deployed.secrets.find((s) => s.name === "awsSecretAccessKey")?.value).toBe(SECRETS.awsSecretAccessKey);
    // Every request as the spec describes it, every answer as the spec gives it.
    const validator = createSpecValidator();
    expect(api.calls.filter((c) => !c.operation)).toEqual([]);
    for (const call of api.calls.filter((c) => c.operation !== "adminLogin")) {
      const what = `${call.method} ${call.path}`;
      expect(validator.request(call.operation!, call.query, call.body, call.body !== undefined), what).toEqual([]);
      expect(validator.answer(call.operation!, call.status, call.answer), what).toEqual([]);
      expect(call.status, what).toBeLessThan(300);
    }
    // No secret value in any output or recorded call.
    const everything = printed.join("\n") + JSON.stringify(api.calls);
    for (const value of [SECRETS.firehoseAccessKey, SECRETS.awsSecretAccessKey, OWNER.privateKey])
      expect(everything).not.toContain(value);
  });

  it("a second deploy with nothing changed makes no write and says so", async () => {
    const api = await standIn();
    const { run, printed } = deployer(api, exportCopy());
    await run();
    const before = api.calls.length;
    printed.length = 0;
    const second = await run();
    expect(second.plan.changes).toEqual([]);
    expect(writes(api, before)).toEqual([]);
    expect(printed).toContain(
      "Nothing to deploy: atlas-kinesis-bridge already matches the export; nothing was written.",
    );
    expect(printed.join("\n")).toMatch(/unchanged: 1 data source, 6 secrets, 7 functions, 43 values, 6 triggers/);
  });

  it("a trigger that did not change keeps its _id untouched; one that changed is updated in place, never deleted and created", async () => {
    const api = await standIn();
    const root = exportCopy();
    const { run, printed } = deployer(api, root);
    await run();
    const ids = new Map(api.app().deployed.triggers.map((t) => [t.name, t._id]));
    editJson(root, `triggers/${REPORTS}.json`, (t) => ({
      ...t,
      config: { ...t.config, match: { "fullDocument.kind": "reading" } },
    }));
    const before = api.calls.length;
    printed.length = 0;
    const result = await run();
    expect(result.plan.changes).toEqual([
      { part: "trigger", action: "update", name: REPORTS, id: ids.get(REPORTS), fields: ["config.match"] },
    ]);
    expect(printed.join("\n")).toContain(
      `update  trigger      ${REPORTS} (config.match), in place: keeps _id ${ids.get(REPORTS)}`,
    );
    const written = writes(api, before).map((c) => c.operation);
    expect(written).toEqual(["adminCreateDeploymentDraft", "adminUpdateTrigger", "adminDeployDraft"]);
    const after = api.app().deployed.triggers;
    expect(new Map(after.map((t) => [t.name, t._id]))).toEqual(ids);
    expect(after.find((t) => t.name === REPORTS)?.config.match).toEqual({ "fullDocument.kind": "reading" });
  });

  it("deletes what the export no longer has (a value, a function made in the UI), triggers and values before functions", async () => {
    const api = await standIn();
    const root = exportCopy();
    const { run } = deployer(api, root);
    await run();
    rmSync(join(root, "values/SNAPSHOT_PARALLELISM.json"));
    api.app().deployed.functions.push({
      _id: "0".repeat(23) + "1",
      name: "madeInTheUi",
      private: true,
      source: "exports = () => 1;",
      last_modified: 0,
    });
    const result = await run();
    expect(result.plan.changes.map((c) => `${c.action} ${c.part} ${c.name}`)).toEqual([
      "delete value SNAPSHOT_PARALLELISM",
      "delete function madeInTheUi",
    ]);
    const { deployed } = api.app();
    expect(deployed.values.some((v) => v.name === "SNAPSHOT_PARALLELISM")).toBe(false);
    expect(deployed.functions.map((f) => f.name).sort()).toEqual([
      "applyFirehoseRecords",
      "checkCaptureHealth",
      "drainOutbox",
      "emitHeartbeat",
      "publishChangeToKinesis",
      "receiveFirehoseDelivery",
      "runSnapshot",
    ]);
  });

  it("--dry-run prints the plan, the secrets' sources but not their values, and writes nothing", async () => {
    const api = await standIn();
    const { run, printed } = deployer(api, exportCopy());
    const result = await run({ dryRun: true });
    expect(writes(api)).toEqual([]);
    expect(api.app().deployed.functions).toEqual([]);
    expect(result.plan.changes.filter((c) => c.action === "create")).toHaveLength(63);
    const text = printed.join("\n");
    expect(text).toContain("create  function     publishChangeToKinesis");
    expect(text).toContain("create  function     applyFirehoseRecords");
    expect(text).toContain("create  secret       awsSecretAccessKey (value from the environment)");
    expect(text).toContain("not deployed: http_endpoints/ (1)");
    expect(text).toContain("Dry run: nothing was written.");
    expect(text).not.toContain(SECRETS.awsSecretAccessKey);
  });
});

describe("secrets: by name, from the environment, a file or another step; never shown", { timeout: 60_000 }, () => {
  it("a missing secret stops the deploy before any write, naming it and the values that need it", async () => {
    const api = await standIn();
    const { fails } = deployer(api, exportCopy());
    const { awsSecretAccessKey: _, ...some } = SECRETS;
    const error = await fails({ secrets: [{ from: "the environment", values: some, replace: false }] });
    expect(error.kind).toBe("secrets_missing");
    expect(error.exitCode).toBe(6);
    expect(error.message).toContain("awsSecretAccessKey (for AWS_SECRET_ACCESS_KEY)");
    expect(error.message).toContain("nothing was written");
    expect(writes(api)).toEqual([]);
  });

  it("values handed in by another step win over the file, which wins over the environment; existing secrets are set again only when asked", async () => {
    const api = await standIn();
    const { run, printed } = deployer(api, exportCopy());
    const stack: SecretSupply = {
      from: "stack akb",
      values: { awsSecretAccessKey: "from-the-stack-5Tq1" },
      replace: true,
    };
    const file: SecretSupply = {
      from: "--secrets-file s.json",
      values: { awsSecretAccessKey: "from-the-file-2Wr8", firehoseAccessKey: "file-fh-6Yu3" },
      replace: false,
    };
    const env: SecretSupply = { from: "the environment", values: SECRETS, replace: false };
    await run({ secrets: [stack, file, env] });
    const secret = (name: string) => api.app().deployed.secrets.find((s) => s.name === name)?.value;
    expect([secret("awsSecretAccessKey"), secret("firehoseAccessKey"), secret("awsAccessKeyId")]).toEqual([
      "from-the-stack-5Tq1",
      "file-fh-6Yu3",
      SECRETS.awsAccessKeyId,
    ]);
    // Again: the stack's value replaces (it may have rotated); the file's does not unless asked.
    const rotated: SecretSupply = { ...stack, values: { awsSecretAccessKey: "rotated-9Kp0" } };
    const again = await run({ secrets: [rotated, { ...file, values: { firehoseAccessKey: "changed-1Zx4" } }, env] });
    expect(again.plan.changes.map((c) => `${c.action} ${c.part} ${c.name} ${c.from}`)).toEqual([
      "update secret awsSecretAccessKey stack akb",
    ]);
    expect([secret("awsSecretAccessKey"), secret("firehoseAccessKey")]).toEqual(["rotated-9Kp0", "file-fh-6Yu3"]);
    for (const value of ["from-the-stack-5Tq1", "rotated-9Kp0", "file-fh-6Yu3"])
      expect(printed.join("\n") + JSON.stringify(api.calls)).not.toContain(value);
  });
});

describe("each reason to stop has its message and exit code, and nothing is half-deployed", { timeout: 60_000 }, () => {
  it.each<{
    name: string;
    set: (api: LocalAdminApi, root: string) => Partial<AppServicesDeployInput> | void;
    kind: string;
    code: number;
    message: RegExp;
  }>([
    {
      name: "the placeholder cluster name",
      set: (_api, root) =>
        editJson(root, "data_sources/mongodb-atlas/config.json", (d) => ({
          ...d,
          config: { ...d.config, clusterName: PLACEHOLDER_CLUSTER },
        })),
      kind: "placeholder_cluster",
      code: 7,
      message:
        /data_sources\/mongodb-atlas\/config\.json names the placeholder cluster "YOUR_CLUSTER_NAME": put your Atlas cluster's name in clusterName/,
    },
    {
      name: "an app that is not there",
      set: () => ({ remote: "no-such-app" }),
      kind: "app_not_found",
      code: 4,
      message:
        /no app named or with client app id "no-such-app" in project 5f7c0a0a0a0a0a0a0a0a0a0a \(its apps: atlas-kinesis-bridge \(atlas-kinesis-bridge-[0-9a-f]{5}\)\)/,
    },
    {
      name: "a wrong key (401)",
      set: () => ({ privateKey: "wrong-private-key" }),
      kind: "credentials",
      code: 3,
      message:
        /the Atlas API key was refused \(POST \/auth\/providers\/mongodb-cloud\/login answered 401: InvalidPassword: invalid username\/password\): check MONGODB_ATLAS_PUBLIC_API_KEY/,
    },
    {
      name: "a key without the role (403)",
      set: () => READER,
      kind: "credentials",
      code: 3,
      message:
        /the Atlas API key lacks the role this needs \(POST \/groups\/.*\/drafts answered 403: .*\): deploying needs Project Owner/,
    },
    {
      name: "a draft left by another run with this key (409)",
      set: (api) => void api.leaveDraft(),
      kind: "draft_exists",
      code: 5,
      message:
        /a deployment draft of this API key's user exists already \([0-9a-f]{24}, created 20\d\d-.*\): another deploy is running with this key, or one was interrupted .* Nothing was written\. .*curl -X DELETE/,
    },
  ])("$name: $kind, exit $code", async ({ set, kind, code, message }) => {
    const api = await standIn();
    const root = exportCopy();
    const { fails } = deployer(api, root);
    const overrides = set(api, root) || {};
    const draftsBefore = api.app().drafts.map((d) => d._id);
    const error = await fails(overrides);
    expect(error.kind).toBe(kind);
    expect(error.exitCode).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(OWNER.privateKey);
    expect(writes(api).filter((c) => c.status < 300)).toEqual([]);
    expect(api.app().deployed.functions).toEqual([]);
    expect(api.app().drafts.map((d) => d._id)).toEqual(draftsBefore); // someone else's draft is left alone
  });

  it("a key without the role can still see the plan (--dry-run reads only)", async () => {
    const api = await standIn();
    const { run } = deployer(api, exportCopy());
    const result = await run({ ...READER, dryRun: true });
    expect(result.plan.changes.length).toBeGreaterThan(50);
  });

  it("a write refused halfway: the draft is discarded and the deployed app is as it was", async () => {
    const api = await standIn();
    const root = exportCopy();
    const { run, fails, printed } = deployer(api, root);
    await run();
    const before = structuredClone(api.app().deployed);
    editJson(root, "values/APP_NAME.json", (v) => ({ ...v, value: "renamed" }));
    editJson(root, `triggers/${REPORTS}.json`, (t) => ({ ...t, disabled: true }));
    // The second write of the deploy (the trigger's update) fails as a server error would.
    const http = failingOn("adminUpdateTrigger");
    const error = await fails({ http });
    expect(error.kind).toBe("failed");
    expect(error.message).toMatch(/PUT \/groups\/.*\/triggers\/[0-9a-f]{24} answered 500/);
    expect(printed.join("\n")).toMatch(/Draft [0-9a-f]{24} discarded: nothing of it was deployed\./);
    expect(api.app().drafts).toEqual([]);
    expect(api.app().deployed).toEqual(before);
  });

  it("a deployment that fails: reported with its message, the app as it was", async () => {
    const api = await standIn();
    const root = exportCopy();
    const { run, fails } = deployer(api, root);
    await run();
    const before = structuredClone(api.app().deployed);
    editJson(root, "values/APP_NAME.json", (v) => ({ ...v, value: "renamed" }));
    api.app().failNextDeployment = "the cluster Cluster0 is not in this project";
    const error = await fails();
    expect(error.message).toMatch(
      /deployment [0-9a-f]{24} failed: the cluster Cluster0 is not in this project; the app is as it was before/,
    );
    expect(api.app().deployed).toEqual(before);
  });
});

/** A transport whose first request for `path` fragment answers 500 (the Admin API's error shape). */
function failingOn(operation: "adminUpdateTrigger"): HttpRequester {
  const real = createNodeTransport();
  let failed = false;
  return {
    async request(method, url, headers, body, timeoutMs) {
      if (!failed && operation === "adminUpdateTrigger" && method === "PUT" && /\/triggers\/[0-9a-f]{24}$/.test(url)) {
        failed = true;
        return { status: 500, body: JSON.stringify({ error: "internal server error" }) };
      }
      return real.request(method, url, headers, body, timeoutMs);
    },
  };
}
