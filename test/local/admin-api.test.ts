import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAdminApiClient } from "../../src/adapters/admin-api/admin-api-client";
import { createNodeTransport } from "../../src/adapters/http/node-transport";
import { captureHealthId } from "../../src/core/capture/health/capture-health";
import {
  AdminApiError,
  readExecution,
  readTriggerFailure,
  readTriggerState,
} from "../../src/core/capture/health/trigger-admin";
import { EmbeddedStore } from "../../src/embedded/store";
import {
  startLocalAdminApi,
  type LocalAdminApi,
  type ResumeFromLostHistory,
  type SuspensionField,
} from "../../src/local/admin-api-server";
import { createSpecValidator } from "../../src/local/admin-api/spec-validator";
import { LocalRuntime } from "../../src/local/runtime";

/**
 * The Admin API client (what the heartbeat runs in App Services) against the local Admin API (what
 * `npm start -- --suspend-capture` serves), over real HTTP on loopback, with this repository's export.
 */
const root = resolve(import.meta.dirname, "..", "..");
const KEY = { publicKey: "abcdefgh", privateKey: "0f1e2d3c-private-key-never-logged" };
const IDS = { groupId: "5f7c0a0a0a0a0a0a0a0a0a0a", appId: "60c8e59866b0c33d14ee634a" };
const REPORTS = "capture_monitors_reports";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(
  options: {
    suspensionField?: SuspensionField;
    resumeFromLostHistory?: ResumeFromLostHistory;
    tokenTtlMs?: number;
    values?: Record<string, unknown>;
  } = {},
) {
  const holder: { runtime?: LocalRuntime } = {};
  const admin: LocalAdminApi = await startLocalAdminApi({
    ...KEY,
    ...IDS,
    suspensionField: options.suspensionField,
    resumeFromLostHistory: options.resumeFromLostHistory,
    tokenTtlMs: options.tokenTtlMs,
    runtime: () => holder.runtime as LocalRuntime,
  });
  cleanups.push(() => admin.stop());
  const logged: string[] = [];
  const log = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  const store = new EmbeddedStore();
  const runtime = await LocalRuntime.start({
    root,
    dataSource: store,
    secrets: {},
    valueOverrides: {
      ADMIN_API_URL: admin.url,
      ADMIN_API_PUBLIC_KEY: KEY.publicKey,
      ADMIN_API_PRIVATE_KEY: KEY.privateKey,
      ADMIN_API_GROUP_ID: IDS.groupId,
      ADMIN_API_APP_ID: IDS.appId,
      ...options.values,
    },
    functionConsole: { log, info: log, warn: log, error: log },
  });
  holder.runtime = runtime;
  cleanups.push(() => runtime.stop());
  const client = (overrides: Partial<typeof KEY & typeof IDS> = {}) =>
    createAdminApiClient({ baseUrl: admin.url, ...KEY, ...IDS, timeoutMs: 5_000, ...overrides }, createNodeTransport());
  return { admin, runtime, store, client, logged };
}

describe("the Admin API client against the local Admin API", () => {
  it("logs in with the key, lists the app's triggers in the documented shape, and reads their state", async () => {
    const { client, admin } = await setUp();
    const listed = await client().listTriggers();
    const states = listed.map(readTriggerState);
    expect(states.map((s) => [s?.name, s?.state, s?.functionName])).toEqual([
      [REPORTS, "running", "publishChangeToKinesis"],
      ["capture_streamkap_streamkap_heartbeat", "running", "publishChangeToKinesis"],
      ["runSnapshot", "running", "runSnapshot"],
    ]);
    expect(listed[0]).toMatchObject({
      type: "DATABASE",
      config: {
        database: "monitors",
        collection: "reports",
        operation_types: ["INSERT", "UPDATE", "REPLACE", "DELETE"],
      },
      event_processors: { FUNCTION: { config: { function_name: "publishChangeToKinesis" } } },
    });
    expect(admin.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      "POST /auth/providers/mongodb-cloud/login 200",
      `GET /groups/${IDS.groupId}/apps/${IDS.appId}/triggers 200`,
    ]);
  });

  it("lists a suspended trigger with the reference's fields only; its latest execution stops and a TRIGGER_FAILURE log names it", async () => {
    const { client, runtime, store, admin } = await setUp();
    const api = client();
    await store.db("monitors").collection("reports").insertOne({ _id: 1 });
    const reportsId = runtime.listDatabaseTriggers().find((t) => t.name === REPORTS)?.id as string;
    let completed: Date | null = null;
    for (const until = Date.now() + 5_000; completed === null && Date.now() < until;) {
      completed = readExecution(await api.latestExecution(reportsId)).completedAt;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(completed).toBeInstanceOf(Date);
    const since = new Date(Date.now() - 1_000);
    runtime.suspendTrigger(REPORTS, { historyLost: true });
    await store.db("monitors").collection("reports").insertOne({ _id: 2 }); // never delivered
    const listed = (await api.listTriggers()).find((t) => (t as { name: string }).name === REPORTS);
    expect(Object.keys(listed as object).sort()).toEqual([
      "_id",
      "config",
      "disabled",
      "event_processors",
      "function_id",
      "function_name",
      "name",
      "type",
    ]);
    expect(readExecution(await api.latestExecution(reportsId)).completedAt).toEqual(completed);
    const failures = (await api.triggerFailureLogs(since)).map(readTriggerFailure);
    expect(failures).toEqual([
      expect.objectContaining({ eventSubscriptionId: reportsId, name: REPORTS, historyLost: true }),
    ]);
    // Every request and every answer matches the spec's schemas.
    const validator = createSpecValidator();
    for (const call of admin.calls.filter((c) => c.operation && c.operation !== "adminLogin")) {
      expect(validator.request(call.operation!, call.query, call.body, call.body !== undefined), call.path).toEqual([]);
      expect(validator.answer(call.operation!, call.status, call.answer), call.path).toEqual([]);
    }
  });

  it.each<{ field: SuspensionField; reason: RegExp }>([
    { field: "error", reason: /ChangeStreamHistoryLost/ },
    { field: "status", reason: /status SUSPENDED/ },
  ])("can add the undocumented '$field' reading of a suspension to a listed trigger", async ({ field, reason }) => {
    const { client, runtime } = await setUp({ suspensionField: field });
    runtime.suspendTrigger(REPORTS, { historyLost: true });
    const state = (await client().listTriggers()).map(readTriggerState).find((s) => s?.name === REPORTS);
    expect(state).toMatchObject({ state: "suspended", reason: expect.stringMatching(reason) });
  });

  it("history lost, resumed from the token: refused (400, the spec's Error shape) and logged; without the token it runs", async () => {
    const { client, runtime, admin } = await setUp();
    const api = client();
    const suspended = runtime.suspendTrigger(REPORTS, {
      historyLost: true,
      error: "(NetworkTimeout) connection closed",
    });
    const error = (await api.resumeTrigger(suspended.id, false).catch((e: unknown) => e)) as AdminApiError;
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ kind: "history_lost", status: 400 });
    expect(suspended.state).toBe("suspended");
    const failures = (await api.triggerFailureLogs(new Date(Date.now() - 60_000))).map(readTriggerFailure);
    expect(failures.map((f) => f?.historyLost)).toEqual([true, false]); // newest first: the refused resume, then the suspension
    await api.resumeTrigger(suspended.id, true);
    expect(suspended.state).toBe("running");
    expect(admin.calls.filter((c) => c.operation === "adminResumeTrigger").map((c) => c.status)).toEqual([400, 204]);
  });

  it("the other reading: a resume from a lost token is accepted (204), and the trigger fails again as it restarts", async () => {
    const { client, runtime } = await setUp({ resumeFromLostHistory: "accepted" });
    const api = client();
    const suspended = runtime.suspendTrigger(REPORTS, {
      historyLost: true,
      error: "(NetworkTimeout) connection closed",
    });
    const before = Date.now();
    await api.resumeTrigger(suspended.id, false);
    expect(suspended.state).toBe("suspended");
    await new Promise((r) => setTimeout(r, 300));
    const failures = (await api.triggerFailureLogs(new Date(before - 60_000))).map(readTriggerFailure);
    expect(failures[0]).toMatchObject({ historyLost: true });
    expect(failures[0]!.at.getTime()).toBeGreaterThan(before);
  });

  it.each<{ name: string; act: (s: Awaited<ReturnType<typeof setUp>>) => Promise<unknown>; kind: string }>([
    { name: "a wrong private key", act: (s) => s.client({ privateKey: "wrong" }).listTriggers(), kind: "unauthorized" },
    {
      name: "another app",
      act: (s) => s.client({ appId: "60c8e59866b0c33d14ee0000" }).listTriggers(),
      kind: "not_found",
    },
    {
      name: "an unknown trigger",
      act: (s) => s.client().resumeTrigger("000000000000000000000000", true),
      kind: "not_found",
    },
    {
      name: "no server",
      act: (s) => s.admin.stop().then(() => s.client().listTriggers()),
      kind: "unreachable",
    },
  ])("$name: an AdminApiError of kind $kind, with neither key nor token in its message", async ({ act, kind }) => {
    const setup = await setUp();
    const error = (await act(setup).catch((e: unknown) => e)) as AdminApiError;
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error.kind).toBe(kind);
    expect(error.message).not.toContain(KEY.privateKey);
    expect(error.message).not.toContain("Bearer");
  });

  it("reuses its access token, and logs in again once when the API says the session ended", async () => {
    const { client, admin } = await setUp({ tokenTtlMs: 150 });
    const api = client();
    await api.listTriggers();
    await api.listTriggers();
    await new Promise((r) => setTimeout(r, 250));
    await api.listTriggers();
    expect(admin.calls.map((c) => `${c.method} ${c.status}`)).toEqual([
      "POST 200",
      "GET 200",
      "GET 200",
      "GET 401",
      "POST 200",
      "GET 200",
    ]);
  });
});

describe("the built emitHeartbeat function heals through it", () => {
  it("notices the suspension, resumes without the token, then inserts the reconcile signal; no key in the logs", async () => {
    const { runtime, store, admin, logged } = await setUp({ values: { CAPTURE_AUTO_RESUME: true } });
    const reports = runtime.suspendTrigger(REPORTS, { historyLost: true });
    await runtime.execute("emitHeartbeat");
    expect(admin.calls.filter((c) => c.method === "PUT")).toEqual([
      expect.objectContaining({
        path: expect.stringContaining(`/triggers/${reports.id}/resume`),
        status: 204,
        body: { disable_token: true },
      }),
    ]);
    expect(reports.state).toBe("running");
    await runtime.execute("emitHeartbeat");
    const [signal] = await store.db("streamkap").collection("streamkap_signal").find({}).toArray();
    expect(signal).toMatchObject({
      type: "execute-snapshot",
      data: { "data-collections": ["monitors.reports"], reconcile: true },
    });
    const health = await store
      .db("streamkap")
      .collection("kinesis_status")
      .findOne({ _id: captureHealthId("atlas-kinesis-bridge") });
    expect(health).toMatchObject({ adminApi: "ok", autoResume: true });
    const text = logged.join("\n");
    expect(text).toContain("capture trigger resumed");
    expect(text).toContain("reconcile signal inserted");
    expect(text).not.toContain(KEY.privateKey);
    expect(text).not.toMatch(/Bearer [0-9a-f]/);
  });

  it("without a key, ids or auto-resume, it resumes nothing", async () => {
    const { runtime, admin } = await setUp({
      values: { ADMIN_API_PUBLIC_KEY: "none", ADMIN_API_PRIVATE_KEY: "none", CAPTURE_AUTO_RESUME: true },
    });
    runtime.suspendTrigger(REPORTS, { historyLost: true });
    await runtime.execute("emitHeartbeat");
    expect(admin.calls).toEqual([]);
  });
});
