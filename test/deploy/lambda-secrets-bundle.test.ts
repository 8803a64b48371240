import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildHosts } from "../../scripts/build-hosts";
import { startAwsJsonStandIn, type AwsJsonAnswer, type AwsJsonCall } from "../helpers/aws-json-stand-in";

const ACCESS_KEY_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:WebhookAccessKey-abc";
const CREDENTIALS_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:DatabaseCredentials-def";
const ACCESS_KEY = "k3y-from-secrets-manager-0123456789";
const PASSWORD = "db-password-from-secrets-manager";

/** Runs the built Lambda bundle in a process of its own, as Lambda does, and returns its answers and output. */
async function invokeBundle(lambda: string, endpoint: string, events: unknown[]) {
  const invoke = `
    const { handler } = require(process.argv[1]);
    (async () => {
      const answers = [];
      for (const event of JSON.parse(process.argv[2])) answers.push(await handler(event));
      require("node:fs").writeSync(3, JSON.stringify(answers));
      process.exit(0);
    })();`;
  const child = spawn(process.execPath, ["-e", invoke, lambda, JSON.stringify(events)], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "stand-in-id",
      AWS_SECRET_ACCESS_KEY: "stand-in-secret",
      // The SDK's own per-service endpoint variable: the function's client reaches the stand-in.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      FIREHOSE_ACCESS_KEY_SECRET_ID: ACCESS_KEY_SECRET,
      MONGODB_CREDENTIALS_SECRET_ID: CREDENTIALS_SECRET,
      // Nothing listens on port 1: deliveries reach the database step and fail there.
      MONGODB_URI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300",
    },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const read = (stream: NodeJS.ReadableStream) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
    return () => text;
  };
  const [stdout, stderr, answers] = [
    read(child.stdout!),
    read(child.stderr!),
    read(child.stdio[3] as NodeJS.ReadableStream),
  ];
  const code = await new Promise((resolve) => child.once("close", resolve));
  return { code, answers: JSON.parse(answers() || "[]"), output: stdout() + stderr() };
}

const delivery = (key: string) => ({
  version: "2.0",
  requestContext: { http: { method: "POST" } },
  headers: { "x-amz-firehose-request-id": "r-1", "x-amz-firehose-access-key": key },
  body: JSON.stringify({ requestId: "r-1", timestamp: 1, records: [] }),
});
const health = { version: "2.0", rawPath: "/healthz", requestContext: { http: { method: "GET" } } };

function secretsManager(call: AwsJsonCall): AwsJsonAnswer {
  const { SecretId, VersionStage } = call.body;
  if (call.target !== "secretsmanager.GetSecretValue")
    return { status: 400, body: { __type: "InvalidRequestException" } };
  if (SecretId === ACCESS_KEY_SECRET && VersionStage === "AWSCURRENT")
    return { status: 200, body: { ARN: SecretId, SecretString: JSON.stringify({ api_key: ACCESS_KEY }) } };
  if (SecretId === CREDENTIALS_SECRET && VersionStage === "AWSCURRENT")
    return {
      status: 200,
      body: { ARN: SecretId, SecretString: JSON.stringify({ username: "atlas-kinesis-bridge", password: PASSWORD }) },
    };
  return {
    status: 400,
    body: { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret value" },
  };
}

describe(
  "the Lambda bundle reads its access key and database credentials from Secrets Manager",
  { timeout: 60_000 },
  () => {
    const stops: (() => Promise<void>)[] = [];
    // A bundle of its own: other test files build build/ at the same time.
    const outDir = mkdtempSync(join(tmpdir(), "akb-lambda-"));
    let lambda: string;
    beforeAll(async () => {
      ({ lambda } = await buildHosts(outDir));
    });
    afterAll(() => rmSync(outDir, { recursive: true, force: true }));
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
    });

    it("once per cold start, signed, then checks deliveries against that key; neither secret reaches the output", async () => {
      const standIn = await startAwsJsonStandIn(secretsManager);
      stops.push(standIn.stop);
      const { code, answers, output } = await invokeBundle(lambda, standIn.endpoint, [
        delivery("wrong-key"),
        delivery(ACCESS_KEY),
        health,
      ]);
      expect(code).toBe(0);
      const [refused, accepted, healthAnswer] = answers;
      expect(refused.statusCode).toBe(401);
      // The key matched: the delivery got as far as the database (unreachable here), a retryable 500.
      expect(accepted.statusCode).toBe(500);
      expect(JSON.parse(accepted.body).errorMessage).toBe("receiver set-up failed; retry");
      expect(healthAnswer.statusCode).toBe(503);
      expect(JSON.parse(healthAnswer.body).reasons.map((r: { code: string }) => r.code)).toEqual(["store_unreachable"]);
      // The three reads go out at once, in any order.
      expect(
        standIn.calls
          .map((c) => [c.target, c.body, c.signed])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      ).toEqual([
        ["secretsmanager.GetSecretValue", { SecretId: CREDENTIALS_SECRET, VersionStage: "AWSCURRENT" }, true],
        ["secretsmanager.GetSecretValue", { SecretId: ACCESS_KEY_SECRET, VersionStage: "AWSCURRENT" }, true],
        ["secretsmanager.GetSecretValue", { SecretId: ACCESS_KEY_SECRET, VersionStage: "AWSPREVIOUS" }, true],
      ]);
      // The driver's error is logged with the credentials cut out of the connection string.
      expect(output).toContain("mongodb://<credentials>@127.0.0.1:1");
      expect(output).not.toContain(ACCESS_KEY);
      expect(output).not.toContain(PASSWORD);
    });

    it("answers a retryable 500 naming the unreadable secret, and tries again on the next invocation", async () => {
      const standIn = await startAwsJsonStandIn(() => ({
        status: 400,
        body: { __type: "AccessDeniedException", message: "not authorized to perform secretsmanager:GetSecretValue" },
      }));
      stops.push(standIn.stop);
      const { answers } = await invokeBundle(lambda, standIn.endpoint, [delivery(ACCESS_KEY), delivery(ACCESS_KEY)]);
      for (const answer of answers) {
        expect(answer.statusCode).toBe(500);
        expect(JSON.parse(answer.body).errorMessage).toBe(
          "receiver set-up failed: the secret named by FIREHOSE_ACCESS_KEY_SECRET_ID could not be read; retry",
        );
      }
      // Nothing failed is kept: each invocation asked again (the access key's two versions and the credentials).
      expect(standIn.calls).toHaveLength(6);
    });
  },
);
