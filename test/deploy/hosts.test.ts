import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildHosts } from "../../scripts/build-hosts";
import { httpRequest } from "../helpers/http";

describe("packaged webhook hosts (esbuild bundles with the driver inside)", { timeout: 60_000 }, () => {
  it("the server bundle starts with plain node, serves /healthz, and stops on SIGTERM", async () => {
    const { server } = await buildHosts();
    const child = spawn(process.execPath, [server, "--embedded"], {
      env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", FIREHOSE_ACCESS_KEY: "k" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });
      const health = await httpRequest(`${url}/healthz`, { method: "GET" });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ status: "ok", store: expect.stringContaining("embedded") });
      const unauthorized = await httpRequest(`${url}/firehose`, {
        body: "{}",
        headers: { "X-Amz-Firehose-Request-Id": "r1" },
      });
      expect(unauthorized.status).toBe(401);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("the Lambda bundle exports handler and answers a Function URL event (500, retryable, naming the missing MONGODB_URI)", async () => {
    const { lambda } = await buildHosts();
    // Run as Lambda runs it, a process of its own whose stdout and stderr are the logs and the metrics.
    const invoke = `
      const { handler } = require(process.argv[1]);
      const event = {
        version: "2.0",
        requestContext: { http: { method: "POST" } },
        headers: { "x-amz-firehose-request-id": "r-9", "x-amz-firehose-access-key": "k" },
        body: "{}",
      };
      (async () => {
        const answers = [
          await handler(event),
          await handler({ version: "2.0", rawPath: "/healthz", requestContext: { http: { method: "GET" } } }),
          await handler({ ...event, headers: { ...event.headers, "x-amz-firehose-access-key": "wrong" } }),
        ];
        require("node:fs").writeSync(3, JSON.stringify(answers));
      })();`;
    const child = spawn(process.execPath, ["-e", invoke, lambda], {
      env: { PATH: process.env.PATH, FIREHOSE_ACCESS_KEY: "k" },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    const read = (stream: NodeJS.ReadableStream) => {
      let text = "";
      stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
      return () => text;
    };
    const [stdout, stderr, answersText] = [
      read(child.stdout!),
      read(child.stderr!),
      read(child.stdio[3] as NodeJS.ReadableStream),
    ];
    expect(await new Promise((resolve) => child.once("close", resolve)), stderr()).toBe(0);
    const [result, health, refused] = JSON.parse(answersText());
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({
      requestId: "r-9",
      errorMessage: "receiver set-up failed: MONGODB_URI is not set; retry",
    });
    // Its health check says why deliveries would fail.
    expect(health.statusCode).toBe(503);
    expect(JSON.parse(health.body)).toEqual({
      status: "not_ready",
      reasons: [{ code: "mongodb_uri_missing", message: "MONGODB_URI is not set" }],
    });
    // A wrong key is answered before any set-up is tried.
    expect(refused.statusCode).toBe(401);
    // CloudWatch gets the failed set-up as an error and the wrong key as a warning (stderr), and one
    // metrics line per delivery (stdout, Embedded Metric Format), nothing else.
    const lines = (text: string) =>
      text
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
    expect(lines(stderr())).toEqual([
      expect.objectContaining({ level: "error", requestId: "r-9", code: "mongodb_uri_missing" }),
      expect.objectContaining({ level: "warn", requestId: "r-9", status: 401, code: "access_key_invalid" }),
    ]);
    expect(lines(stdout())).toEqual([
      expect.objectContaining({ _aws: expect.anything(), status: "500", akb_firehose_requests: 1 }),
      expect.objectContaining({ _aws: expect.anything(), status: "401", akb_firehose_requests: 1 }),
    ]);
  });

  it("the Lambda bundle holds the driver and no embedded store; the server bundle loads the store only without MONGODB_URI", async () => {
    const steps: string[] = [];
    const { server, lambda } = await buildHosts(undefined, (step) => steps.push(step));
    // What npm run build:hosts shows on stderr as it goes.
    expect(steps).toEqual([
      "bundling the Node server (src/bin/webhook-server.ts)",
      "bundling the Lambda handler (src/adapters/aws-lambda/handler.ts)",
    ]);
    const lambdaText = readFileSync(lambda, "utf8");
    expect(lambdaText).toContain("MongoClient");
    expect(lambdaText).not.toMatch(/EmbeddedStore/);
    // In the server bundle the store is a module evaluated on demand (esbuild's lazy wrapper), not at start.
    const serverText = readFileSync(server, "utf8");
    expect(serverText).toMatch(/var init_store = __esm\(/);
  });

  it("the container image builds the server bundle and runs it as a non-root user", () => {
    const dockerfile = readFileSync("Dockerfile", "utf8");
    expect(dockerfile).toMatch(/RUN npm run build:hosts/);
    expect(dockerfile).toMatch(/COPY --from=build \/src\/build\/webhook-server\.cjs/);
    expect(dockerfile).toMatch(/^USER node$/m);
    // The bundle's own check then applies: no MONGODB_URI, no start (webhook-server-bundle.test.ts).
    expect(dockerfile).toMatch(/^CMD \["node", "webhook-server\.cjs"\]$/m);
    expect(JSON.parse(readFileSync("package.json", "utf8")).scripts["build:hosts"]).toBeDefined();
  });
});
