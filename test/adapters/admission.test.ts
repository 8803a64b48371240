import { afterAll, describe, expect, it } from "vitest";
import { createFirehoseLambdaHandler } from "../../src/adapters/aws-lambda/firehose-handler";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import {
  lambdaOptions,
  makeFirehoseDeps,
  parseFirehoseResponse,
  TEST_ACCESS_KEY,
  testStore,
} from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

/**
 * One admission path: the checks made before a body is read live in the core, and each host only
 * translates its transport. The same request gets the same answer (status, request id, message)
 * from the Node server over real HTTP and from the Lambda handler.
 */
const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
const requestId = fixture.body.requestId;
const body = JSON.stringify(fixture.body);
const LIMIT = 64 * 1024;
const PREVIOUS_KEY = "previous-access-key-0123456789";

const without = (name: string) =>
  Object.fromEntries(Object.entries(fixture.headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));

interface AdmissionCase {
  name: string;
  method?: string;
  headers: Record<string, string>;
  /** Settings beside the default (the current key set, the previous one not). */
  values?: Record<string, unknown>;
  status: number;
  answeredId: string;
  errorMessage?: string;
}

const cases: AdmissionCase[] = [
  { name: "a delivery with the current key", headers: fixture.headers, status: 200, answeredId: requestId },
  {
    name: "a delivery with the previous key, during a rotation",
    headers: { ...fixture.headers, "X-Amz-Firehose-Access-Key": PREVIOUS_KEY },
    values: { FIREHOSE_ACCESS_KEY_PREVIOUS: PREVIOUS_KEY },
    status: 200,
    answeredId: requestId,
  },
  {
    name: "no access key configured on the receiver",
    headers: fixture.headers,
    values: { FIREHOSE_ACCESS_KEY: undefined },
    status: 500,
    answeredId: requestId,
    errorMessage: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)",
  },
  {
    name: "a GET",
    method: "GET",
    headers: fixture.headers,
    status: 405,
    answeredId: requestId,
    errorMessage: "Firehose deliveries must be POST requests",
  },
  {
    name: "a PUT",
    method: "PUT",
    headers: fixture.headers,
    status: 405,
    answeredId: requestId,
    errorMessage: "Firehose deliveries must be POST requests",
  },
  {
    name: "no access key header",
    headers: without("X-Amz-Firehose-Access-Key"),
    status: 401,
    answeredId: requestId,
    errorMessage: "missing or invalid X-Amz-Firehose-Access-Key",
  },
  {
    name: "a wrong access key",
    headers: { ...fixture.headers, "X-Amz-Firehose-Access-Key": `${TEST_ACCESS_KEY}x` },
    status: 401,
    answeredId: requestId,
    errorMessage: "missing or invalid X-Amz-Firehose-Access-Key",
  },
  {
    name: "the previous key when none is configured",
    headers: { ...fixture.headers, "X-Amz-Firehose-Access-Key": PREVIOUS_KEY },
    status: 401,
    answeredId: requestId,
    errorMessage: "missing or invalid X-Amz-Firehose-Access-Key",
  },
  {
    name: "no request id header",
    headers: without("X-Amz-Firehose-Request-Id"),
    status: 400,
    answeredId: "",
    errorMessage: "missing X-Amz-Firehose-Request-Id header",
  },
  {
    name: "a declared length over the limit (nothing of it read)",
    headers: { ...fixture.headers, "Content-Length": String(100 * 1024 * 1024) },
    status: 400,
    answeredId: requestId,
    errorMessage: `request body is ${100 * 1024 * 1024} bytes declared, above this host's limit of ${LIMIT}; lower the delivery stream's buffering size`,
  },
  {
    name: "a wrong key and a declared length over the limit: the key is checked first",
    headers: {
      ...fixture.headers,
      "X-Amz-Firehose-Access-Key": "wrong",
      "Content-Length": String(100 * 1024 * 1024),
    },
    status: 401,
    answeredId: requestId,
    errorMessage: "missing or invalid X-Amz-Firehose-Access-Key",
  },
];

const servers: FirehoseServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

async function viaNodeServer({ method = "POST", headers, values }: AdmissionCase) {
  const deps = makeFirehoseDeps({ values, maxBodyBytes: LIMIT });
  const server = createFirehoseServer({ deps, store: testStore() });
  servers.push(server);
  const port = await server.listen(0, "127.0.0.1");
  const response = await httpRequest(`http://127.0.0.1:${port}/`, { method, headers, body });
  return { status: response.status, body: response.body, log: deps.logger.lines };
}

async function viaLambda({ method = "POST", headers, values }: AdmissionCase) {
  const deps = makeFirehoseDeps({ values, maxBodyBytes: LIMIT });
  const result = await createFirehoseLambdaHandler(lambdaOptions(deps))({
    version: "2.0",
    requestContext: { http: { method } },
    // Function URLs hand headers over in lower case.
    headers: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value])),
    body,
    isBase64Encoded: false,
  });
  return { status: result.statusCode, body: result.body, log: deps.logger.lines };
}

describe("admission before the body is read, on every host", () => {
  it.each(cases)("$name: $status", async (entry) => {
    const answers = await Promise.all([viaNodeServer(entry), viaLambda(entry)]);
    for (const answer of answers) {
      expect(answer.status).toBe(entry.status);
      const parsed = parseFirehoseResponse(answer.body);
      expect(parsed.requestId).toBe(entry.answeredId);
      expect(parsed.errorMessage).toBe(entry.errorMessage);
      // Each host logged the answer through the Logger port, with the same stable code.
      const line = answer.log.find((l) => l.msg === "firehose delivery");
      expect(line).toMatchObject({ requestId: entry.answeredId, status: entry.status });
    }
    const [node, lambda] = answers;
    const lineOf = (answer: typeof node) => answer.log.find((l) => l.msg === "firehose delivery")!;
    expect(lineOf(node).code).toBe(lineOf(lambda).code);
    expect(lineOf(node).outcome).toBe(lineOf(lambda).outcome);
  });
});
