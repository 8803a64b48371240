import type { ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { makeFirehoseDeps, parseFirehoseResponse, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";
import { startServeProcess } from "../helpers/serve-process";

/** `GET /healthz` is OK only when a delivery would succeed; otherwise 503 with the reasons. */
const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
const children: ChildProcess[] = [];
const servers: FirehoseServer[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const health = async (port: number) => {
  const response = await httpRequest(`http://127.0.0.1:${port}/healthz`, { method: "GET" });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
};

describe("npm run serve's health check (a real server process)", () => {
  it("is not ready without an access key, and says so, while deliveries get 500", async () => {
    const { port } = await startServeProcess(children, { FIREHOSE_ACCESS_KEY: undefined });
    expect(await health(port)).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "not_ready",
        reasons: [
          {
            code: "access_key_not_configured",
            message: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)",
          },
        ],
      }),
    });
    const delivery = await httpRequest(`http://127.0.0.1:${port}/`, {
      body: JSON.stringify(fixture.body),
      headers: fixture.headers,
    });
    expect(delivery.status).toBe(500);
  });

  it("is ready with a key and the embedded store", async () => {
    const { port } = await startServeProcess(children);
    expect(await health(port)).toEqual({
      status: 200,
      body: {
        status: "ok",
        reasons: [],
        store: expect.stringContaining("embedded"),
        inFlight: 0,
        inflightBytes: 0,
      },
    });
  });

  it("says draining on SIGTERM while a delivery finishes, refuses new ones with 503, then exits 0", async () => {
    const { port, child } = await startServeProcess(children);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // A delivery in flight: its headers and half its body sent, the rest held back.
    const body = Buffer.from(JSON.stringify(fixture.body));
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(s));
      s.on("error", reject);
    });
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    const head = Object.entries(fixture.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}Content-Length: ${body.length}\r\n\r\n`);
    socket.write(body.subarray(0, 100));
    while ((await health(port)).body.inFlight !== 1) await new Promise((resolve) => setTimeout(resolve, 20));

    child.kill("SIGTERM");
    let during = await health(port);
    for (let i = 0; during.body.status !== "draining" && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      during = await health(port);
    }
    expect(during).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "draining",
        reasons: [{ code: "draining", message: "receiver is shutting down; retry" }],
        inFlight: 1,
      }),
    });
    const refused = await httpRequest(`http://127.0.0.1:${port}/`, {
      body: JSON.stringify(fixture.body),
      headers: fixture.headers,
    });
    expect(refused.status).toBe(503);
    expect(parseFirehoseResponse(refused.body).errorMessage).toBe("receiver is shutting down; retry");

    const answered = new Promise<void>((resolve) => socket.once("end", () => resolve()));
    socket.write(body.subarray(100));
    await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
    expect(await exited).toBe(0);
  });
});

describe("the Node server's health check and its store", () => {
  async function start(ping: () => Promise<void>, values?: Record<string, unknown>) {
    const server = createFirehoseServer({ deps: makeFirehoseDeps({ values }), store: testStore("test store", ping) });
    servers.push(server);
    return server.listen(0, "127.0.0.1");
  }

  it("is not ready when the store fails its ping, and keeps the driver's words in the log", async () => {
    const port = await start(async () => {
      throw new Error("connection to cluster0-shard-00-01.example.net:27017 closed");
    });
    const answer = await health(port);
    expect(answer).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "not_ready",
        reasons: [{ code: "store_unreachable", message: "the database did not answer a ping" }],
      }),
    });
    expect(JSON.stringify(answer.body)).not.toContain("example.net");
  });

  it("is not ready when the store does not answer within the timeout (2 s)", async () => {
    const port = await start(() => new Promise<void>(() => undefined));
    const started = Date.now();
    const answer = await health(port);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(answer.body).toMatchObject({
      status: "not_ready",
      reasons: [{ code: "store_unreachable", message: "the database did not answer a ping within 2000 ms" }],
    });
  });

  it("names every reason at once", async () => {
    const port = await start(
      async () => {
        throw new Error("down");
      },
      { FIREHOSE_ACCESS_KEY: undefined },
    );
    expect((await health(port)).body.reasons).toEqual([
      { code: "access_key_not_configured", message: "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)" },
      { code: "store_unreachable", message: "the database did not answer a ping" },
    ]);
  });
});
