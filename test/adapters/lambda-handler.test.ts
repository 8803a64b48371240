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
    event: { version: "2.0", requestContext: { http: { method: "POST" } }, headers: lowerHeaders, body: bodyText, isBase64Encoded: false },
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
    event: { httpMethod: "POST", headers: null, multiValueHeaders: Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k, [v]])), body: bodyText },
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
    expect(parseFirehoseResponse(result.body)).toMatchObject({ requestId: fixture.body.requestId, errorMessage: "receiver set-up failed; retry" });
  });

  it("answers a GET with 405", async () => {
    const deps = makeFirehoseDeps();
    const result = await createFirehoseLambdaHandler(async () => deps)({ requestContext: { http: { method: "GET" } }, headers: lowerHeaders });
    expect(result.statusCode).toBe(405);
  });
});
