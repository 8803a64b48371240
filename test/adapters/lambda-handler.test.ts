import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createFirehoseLambdaHandler, type LambdaHttpEvent } from "../../src/adapters/aws-lambda/firehose-handler";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { makeFirehoseDeps, parseFirehoseResponse } from "../helpers/firehose";

const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
const lowerHeaders = Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k.toLowerCase(), v]));
const bodyText = JSON.stringify(fixture.body);

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
    const result = await createFirehoseLambdaHandler(async () => deps)(event);
    expect(result.statusCode).toBe(200);
    expect(result.headers["content-type"]).toBe("application/json");
    expect(parseFirehoseResponse(result.body).requestId).toBe(fixture.body.requestId);
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(1);
  });

  it("answers a retryable 500 with the request id when set-up fails (e.g. no MONGODB_URI)", async () => {
    const result = await createFirehoseLambdaHandler(async () => {
      throw new Error("MONGODB_URI is not set");
    })(events[0].event);
    expect(result.statusCode).toBe(500);
    expect(parseFirehoseResponse(result.body)).toMatchObject({
      requestId: fixture.body.requestId,
      errorMessage: "receiver set-up failed; retry",
    });
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
      async () => {
        opened++;
        return deps;
      },
      () => deps.config,
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

  it("answers a GET with 405", async () => {
    const deps = makeFirehoseDeps();
    const result = await createFirehoseLambdaHandler(async () => deps)({
      requestContext: { http: { method: "GET" } },
      headers: lowerHeaders,
    });
    expect(result.statusCode).toBe(405);
  });
});
