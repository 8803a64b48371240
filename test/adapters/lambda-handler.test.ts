import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createFirehoseLambdaHandler, type LambdaHttpEvent } from "../../src/adapters/aws-lambda/firehose-handler";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { firehoseConfigFromEnv, openMongoClient } from "../../src/adapters/mongodb/env-deps";
import {
  lambdaOptions,
  makeFirehoseDeps,
  parseFirehoseResponse,
  TEST_ACCESS_KEY,
  testStore,
} from "../helpers/firehose";

const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
const lowerHeaders = Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k.toLowerCase(), v]));
const bodyText = JSON.stringify(fixture.body);

/** An unreachable cluster, as the real driver reports it: nothing listens on port 1 of loopback. */
const UNREACHABLE_URI = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300";

const events: { name: string; event: LambdaHttpEvent }[] = [
  {
    name: "Function URL (payload 2.0), plain body",
    event: {
      version: "2.0",
      requestContext: { http: { method: "POST" } },
      headers: lowerHeaders,
      body: bodyText,
      isBase64Encoded: false,
    },
  },
  {
    name: "Function URL, base64 gzip body",
    event: {
      version: "2.0",
      requestContext: { http: { method: "POST" } },
      headers: { ...lowerHeaders, "content-encoding": "gzip" },
      body: gzipSync(bodyText).toString("base64"),
      isBase64Encoded: true,
    },
  },
  {
    name: "API Gateway REST (payload 1.0), multi-value headers",
    event: {
      httpMethod: "POST",
      headers: null,
      multiValueHeaders: Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k, [v]])),
      body: bodyText,
    },
  },
];

describe("Lambda handler over the webhook core", () => {
  it.each(events)("$name -> 200 and stored", async ({ event }) => {
    const deps = makeFirehoseDeps();
    const result = await createFirehoseLambdaHandler(lambdaOptions(deps))(event);
    expect(result.statusCode).toBe(200);
    expect(result.headers["content-type"]).toBe("application/json");
    expect(parseFirehoseResponse(result.body).requestId).toBe(fixture.body.requestId);
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(1);
  });

  it.each([
    {
      name: "no MONGODB_URI (our own configuration error: named)",
      options: { openStore: () => openMongoClient({}) },
      errorMessage: "receiver set-up failed: MONGODB_URI is not set; retry",
    },
    {
      name: "an invalid setting (named)",
      options: {
        readConfig: () =>
          firehoseConfigFromEnv({ FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY, FIREHOSE_MAX_BODY_BYTES: "lots" }),
      },
      errorMessage: "receiver set-up failed: FIREHOSE_MAX_BODY_BYTES must be a whole number from 1 to 67108864; retry",
    },
    {
      name: "the cluster unreachable (the driver's error: in the log only)",
      options: { openStore: () => openMongoClient({ MONGODB_URI: UNREACHABLE_URI }) },
      errorMessage: "receiver set-up failed; retry",
    },
  ])("answers a retryable 500 with the request id when set-up fails: $name", async ({ options, errorMessage }) => {
    const deps = makeFirehoseDeps();
    const result = await createFirehoseLambdaHandler(lambdaOptions(deps, options))(events[0].event);
    expect(result.statusCode).toBe(500);
    expect(parseFirehoseResponse(result.body)).toMatchObject({ requestId: fixture.body.requestId, errorMessage });
    const logged = deps.logger.lines.find((line) => line.msg === "firehose receiver set-up failed");
    expect(logged).toMatchObject({ level: "error", requestId: fixture.body.requestId, error: expect.any(String) });
    // The driver's text (which may name hosts) is in the log, never in the answer.
    if (errorMessage === "receiver set-up failed; retry") {
      expect(String(logged!.error)).toMatch(/127\.0\.0\.1:1|ECONNREFUSED/);
      expect(result.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    }
  });

  it.each([
    {
      name: "a wrong access key",
      headers: { ...lowerHeaders, "x-amz-firehose-access-key": "wrong" },
      method: "POST",
      status: 401,
    },
    {
      name: "no access key",
      headers: Object.fromEntries(Object.entries(lowerHeaders).filter(([k]) => k !== "x-amz-firehose-access-key")),
      method: "POST",
      status: 401,
    },
    { name: "a GET", headers: lowerHeaders, method: "GET", status: 405 },
  ])("answers $name before decoding the body or opening the database", async ({ headers, method, status }) => {
    const deps = makeFirehoseDeps();
    let opened = 0;
    const handler = createFirehoseLambdaHandler(
      lambdaOptions(deps, {
        openStore: async () => {
          opened++;
          return { dataSource: deps.dataSource, ...testStore() };
        },
      }),
    );
    // A body that is not even base64: decoding it would fail; it must not be looked at.
    const result = await handler({
      requestContext: { http: { method } },
      headers,
      body: "%%% not base64 %%%",
      isBase64Encoded: true,
    });
    expect(result.statusCode).toBe(status);
    expect(parseFirehoseResponse(result.body).requestId).toBe(fixture.body.requestId);
    expect(opened).toBe(0);
  });
});

describe("GET /healthz on the Lambda", () => {
  const healthEvent = (path = "/healthz"): LambdaHttpEvent => ({
    version: "2.0",
    rawPath: path,
    requestContext: { http: { method: "GET" } },
    headers: {},
  });

  it.each(["/healthz", "/health"])("answers 200 ok on %s when a delivery would succeed", async (path) => {
    const result = await createFirehoseLambdaHandler(lambdaOptions(makeFirehoseDeps()))(healthEvent(path));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: "ok", reasons: [] });
  });

  it.each([
    {
      name: "no access key configured",
      values: { FIREHOSE_ACCESS_KEY: undefined },
      options: {},
      reasons: [
        {
          code: "access_key_not_configured",
          message: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)",
        },
      ],
    },
    {
      name: "an invalid setting",
      values: {},
      options: { readConfig: () => firehoseConfigFromEnv({ FIREHOSE_ACCESS_KEY: "k", FIREHOSE_DATABASE: "a$b" }) },
      reasons: [
        {
          code: "setting_invalid",
          message:
            'FIREHOSE_DATABASE "a$b" is not a valid database name: it holds "$" (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)',
        },
      ],
    },
    {
      name: "no MONGODB_URI",
      values: {},
      options: { openStore: () => openMongoClient({}) },
      reasons: [{ code: "mongodb_uri_missing", message: "MONGODB_URI is not set" }],
    },
    {
      name: "the cluster unreachable",
      values: {},
      options: { openStore: () => openMongoClient({ MONGODB_URI: UNREACHABLE_URI }) },
      reasons: [{ code: "store_unreachable", message: "the database did not answer a ping" }],
    },
    {
      name: "the store failing its ping",
      values: {},
      options: {
        openStore: async () => ({
          dataSource: makeFirehoseDeps().dataSource,
          ...testStore("failing", async () => {
            throw new Error("connection to cluster0-shard-00-01.example.net:27017 closed");
          }),
        }),
      },
      reasons: [{ code: "store_unreachable", message: "the database did not answer a ping" }],
    },
  ])("answers 503 not_ready with the reason: $name", async ({ values, options, reasons }) => {
    const deps = makeFirehoseDeps({ values });
    const result = await createFirehoseLambdaHandler(lambdaOptions(deps, options))(healthEvent());
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toEqual({ status: "not_ready", reasons });
    // Driver errors (hosts, ports) stay in the log.
    expect(result.body).not.toMatch(/127\.0\.0\.1|example\.net/);
  });
});
