import { describe, expect, it } from "vitest";
import { createAdminApiClient } from "../../src/adapters/admin-api/admin-api-client";
import { operationSchemas } from "../../src/adapters/admin-api/admin-api-v3.schemas";
import { createAppAdminClient } from "../../src/adapters/admin-api/app-admin-client";
import {
  ADMIN_API_OPERATIONS,
  matchOperation,
  type AdminApiOperationId,
} from "../../src/adapters/admin-api/operations";
import type { HttpRequester } from "../../src/adapters/http/node-transport";
import { createSpecValidator } from "../../src/local/admin-api/spec-validator";
import { triggerBody } from "../../scripts/deploy/apply";
import { readDesiredApp } from "../../scripts/deploy/local-app";
import { readFixture } from "../helpers/fixtures";

/**
 * The schemas written from the Admin API's spec (src/adapters/admin-api/admin-api-v3.schemas.ts),
 * and every request our two clients build checked against them without the stand-in in between: a
 * recording transport answers each call with a minimal answer of the documented status.
 */
const BASE = "https://services.cloud.mongodb.com/api/admin/v3.0";
const APP = { groupId: "5f7c0a0a0a0a0a0a0a0a0a0a", appId: "60c8e59866b0c33d14ee634a" };
const validator = createSpecValidator();

/** Answers every request with the first status its operation documents, and records it. */
function recordingTransport() {
  const requests: { operation: AdminApiOperationId; query: Record<string, string>; body: unknown; hasBody: boolean }[] =
    [];
  const http: HttpRequester = {
    async request(method, url, _headers, body) {
      const parsed = new URL(url);
      const matched = matchOperation(method, parsed.pathname.replace("/api/admin/v3.0", ""));
      if (!matched) throw new Error(`not an operation of ours: ${method} ${parsed.pathname}`);
      const query: Record<string, string> = {};
      parsed.searchParams.forEach((value, key) => (query[key] = value));
      requests.push({
        operation: matched.operation,
        query,
        body: body === undefined ? undefined : JSON.parse(body),
        hasBody: body !== undefined,
      });
      if (matched.operation === "adminLogin") return { status: 200, body: JSON.stringify({ access_token: "t" }) };
      const status = Number(Object.keys(operationSchemas[matched.operation].responses)[0]);
      const answers: Partial<Record<AdminApiOperationId, unknown>> = {
        adminGetLogs: { logs: [], nextEndDate: "2026-12-01T00:00:00Z", nextSkip: 0 },
        adminCreateFunction: { _id: "f1", name: "x" },
        adminCreateASecret: { _id: "s1", name: "x" },
        adminCreateService: { _id: "m1" },
        adminCreateDeploymentDraft: { _id: "d1" },
        adminDeployDraft: { _id: "dep1", status: "created" },
        adminGetDeployment: { _id: "dep1", status: "successful" },
      };
      const answer = answers[matched.operation] ?? (method === "GET" && /s$/.test(parsed.pathname) ? [] : {});
      return { status, body: status === 204 ? "" : JSON.stringify(answer) };
    },
  };
  return { http, requests };
}

describe("the schemas written from the spec", () => {
  it("cover exactly the operations the project calls, and each compiles", () => {
    expect(Object.keys(operationSchemas).sort()).toEqual(Object.keys(ADMIN_API_OPERATIONS).sort());
    for (const operation of Object.keys(operationSchemas) as AdminApiOperationId[]) {
      const spec = operationSchemas[operation];
      expect(() => validator.request(operation, {}, {}, spec.request !== undefined)).not.toThrow();
      for (const status of Object.keys(spec.responses))
        expect(() => validator.answer(operation, Number(status), {})).not.toThrow();
    }
  });

  it.each<{
    name: string;
    operation: AdminApiOperationId;
    body?: unknown;
    query?: Record<string, string>;
    answer?: [number, unknown];
    problem: RegExp | null;
  }>([
    {
      name: "the spec's own DatabaseTrigger example, as listed",
      operation: "adminListTriggers",
      answer: [200, readFixture<unknown[]>("admin-api/triggers.json")],
      problem: null,
    },
    {
      name: "a trigger body naming its data source as the export does (service_name), not by service_id",
      operation: "adminCreateTrigger",
      body: {
        name: "t",
        type: "DATABASE",
        config: { service_name: "mongodb-atlas", operation_types: ["INSERT"] },
        event_processors: {},
      },
      problem: /config must have required property 'service_id'|unevaluated properties \(service_name\)/,
    },
    {
      name: "a scheduled trigger body without a schedule",
      operation: "adminCreateTrigger",
      body: { name: "t", type: "SCHEDULED", config: {}, event_processors: {} },
      problem: /required property 'schedule'/,
    },
    {
      name: "an update of a trigger without its _id",
      operation: "adminUpdateTrigger",
      body: { name: "t", type: "SCHEDULED", config: { schedule: "* * * * *" }, event_processors: {} },
      problem: /required property '_id'/,
    },
    {
      name: "a function body with a field the spec does not have",
      operation: "adminCreateFunction",
      body: { name: "f", private: true, source: "exports = () => 1", timeout: 5 },
      problem: /unevaluated properties \(timeout\)/,
    },
    {
      name: "a login without apiKey",
      operation: "adminLogin",
      body: { username: "u" },
      problem: /required property 'apiKey'/,
    },
    {
      name: "a logs query above 100 entries a page",
      operation: "adminGetLogs",
      query: { type: "TRIGGER_FAILURE", limit: "101" },
      problem: /limit must match pattern/,
    },
    {
      name: "a logs query of an unknown type",
      operation: "adminGetLogs",
      query: { type: "TRIGGERS" },
      problem: /type must be equal to one of the allowed values/,
    },
    { name: "a deploy without a name", operation: "adminDeployDraft", body: {}, problem: /required property 'name'/ },
    {
      name: "a secret value over 500 characters",
      operation: "adminCreateASecret",
      body: { name: "s", value: "x".repeat(501) },
      problem: /value must NOT have more than 500 characters/,
    },
    {
      name: "a cluster name with a space",
      operation: "adminCreateService",
      body: {
        name: "m",
        type: "mongodb-atlas",
        config: { clusterName: "my cluster", readPreference: "primary", wireProtocolEnabled: false },
      },
      problem: /clusterName must match pattern/,
    },
    {
      name: "a resume answered 204 with a body",
      operation: "adminResumeTrigger",
      answer: [204, {}],
      problem: /answers 204 without a body/,
    },
    {
      name: "a status the operation does not list",
      operation: "adminListApplications",
      answer: [201, []],
      problem: /does not answer 201/,
    },
  ])("$name", ({ operation, body, query, answer, problem }) => {
    const problems = answer
      ? validator.answer(operation, answer[0], answer[1])
      : validator.request(operation, query ?? {}, body, body !== undefined);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems.join("\n")).toMatch(problem);
  });
});

describe("every request our clients build matches the spec's schemas", () => {
  it("the heartbeat's: list, executions, TRIGGER_FAILURE logs, resume with and without the token", async () => {
    const { http, requests } = recordingTransport();
    const client = createAdminApiClient(
      { baseUrl: BASE, publicKey: "p", privateKey: "k", ...APP, timeoutMs: 1_000 },
      http,
    );
    await client.listTriggers();
    await client.latestExecution("6841b8d3e71dc81bed89dc01");
    await client.triggerFailureLogs(new Date("2026-12-01T00:00:00Z"));
    await client.resumeTrigger("6841b8d3e71dc81bed89dc01", false);
    await client.resumeTrigger("6841b8d3e71dc81bed89dc01", true);
    expect(requests.map((r) => r.operation)).toEqual([
      "adminLogin",
      "adminListTriggers",
      "adminGetLatestEventSubscriptionExecution",
      "adminGetLogs",
      "adminResumeTrigger",
      "adminResumeTrigger",
    ]);
    for (const r of requests)
      expect(validator.request(r.operation, r.query, r.body, r.hasBody), r.operation).toEqual([]);
    expect(requests[3].query).toMatchObject({
      type: "TRIGGER_FAILURE",
      errors_only: "true",
      start_date: "2026-12-01T00:00:00.000Z",
    });
  });

  it("the deploy's: every operation it uses, with this repository's functions, values and triggers as bodies", async () => {
    const { http, requests } = recordingTransport();
    const client = createAppAdminClient({ baseUrl: BASE, publicKey: "p", privateKey: "k", timeoutMs: 1_000 }, http);
    const desired = readDesiredApp(new URL("../..", import.meta.url).pathname);
    const ids = {
      serviceIds: new Map([["mongodb-atlas", "m1"]]),
      functionIds: new Map(desired.functions.map((f) => [f.name, `id-${f.name}`])),
    };
    await client.listApps(APP.groupId);
    for (const list of [
      client.listFunctions,
      client.listTriggers,
      client.listValues,
      client.listSecrets,
      client.listServices,
    ])
      await list(APP);
    await client.getFunction(APP, "f1");
    await client.getValue(APP, "v1");
    await client.getServiceConfig(APP, "m1");
    const source = desired.dataSources[0];
    await client.createService(APP, { name: source.name, type: source.type, config: source.config });
    await client.updateServiceConfig(APP, "m1", source.config);
    await client.createSecret(APP, "firehoseAccessKey", "v");
    await client.modifySecret(APP, "s1", "firehoseAccessKey", "v2");
    for (const f of desired.functions) {
      await client.createFunction(APP, f);
      await client.updateFunction(APP, "f1", f);
    }
    for (const v of desired.values) {
      await client.createValue(APP, v);
      await client.updateValue(APP, "v1", { _id: "v1", ...v });
    }
    for (const t of desired.triggers) {
      await client.createTrigger(APP, triggerBody(t, ids));
      await client.updateTrigger(APP, "t1", { _id: "t1", ...triggerBody(t, ids) });
    }
    await client.deleteTrigger(APP, "t1");
    await client.deleteValue(APP, "v1");
    await client.deleteFunction(APP, "f1");
    await client.createDraft(APP);
    await client.currentDraft(APP);
    await client.deployDraft(APP, "d1", "atlas-kinesis-bridge 0123abc");
    await client.getDeployment(APP, "dep1");
    await client.listDeployments(APP);
    await client.discardDraft(APP, "d1");
    const used = new Set(requests.map((r) => r.operation));
    for (const r of requests)
      expect(
        validator.request(r.operation, r.query, r.body, r.hasBody),
        `${r.operation} ${JSON.stringify(r.body)?.slice(0, 200)}`,
      ).toEqual([]);
    // Every operation of the table is one a client calls.
    const heartbeatOnly = ["adminResumeTrigger", "adminGetLatestEventSubscriptionExecution", "adminGetLogs"];
    expect([...used, ...heartbeatOnly].sort()).toEqual(Object.keys(ADMIN_API_OPERATIONS).sort());
  });
});
