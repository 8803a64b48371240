import type { ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { makeFirehoseDeps, parseFirehoseResponse, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
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

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

/** A raw connection to the server on loopback. */
function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    sockets.push(socket);
    socket.on("error", reject);
  });
}

/**
 * A delivery whose client has sent its headers (declaring `body`'s length) and the body's first
 * bytes only, holding that length of the server's in-flight budget; `finish` sends the rest and
 * resolves with the answer's status line.
 */
async function slowDelivery(port: number, requestId: string, body: Buffer): Promise<{ finish: () => Promise<string> }> {
  const socket = await openSocket(port);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.write(
    `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Firehose-Request-Id: ${requestId}\r\n` +
      `X-Amz-Firehose-Access-Key: ${TEST_ACCESS_KEY}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, 10));
  return {
    finish: () =>
      new Promise((resolve) => {
        socket.on("data", () => /\}\s*$/.test(received) && resolve(received.split("\r\n")[0]));
        socket.write(body.subarray(10));
      }),
  };
}

/** A delivery of one record, padded with JSON whitespace to `bytes`. */
function paddedDelivery(requestId: string, bytes: number): Buffer {
  const data = Buffer.from(JSON.stringify({ _id: requestId, v: 1 })).toString("base64");
  const json = JSON.stringify({ requestId, timestamp: 1, records: [{ data }] });
  return Buffer.from(json.padEnd(bytes, " "));
}

const MiB = 1024 * 1024;

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

  it("is not ready while four slow 64 MiB deliveries hold the default 256 MiB budget, and says why", async () => {
    const { port } = await startServeProcess(children);
    // Each declares 64 MiB and sends its headers only: admission reserves the declared length.
    const holders = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const socket = await openSocket(port);
        socket.write(
          `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Firehose-Request-Id: slow-${i}\r\n` +
            `X-Amz-Firehose-Access-Key: ${TEST_ACCESS_KEY}\r\nContent-Length: ${64 * MiB}\r\n\r\n{`,
        );
        return socket;
      }),
    );
    while ((await health(port)).body.inflightBytes !== 256 * MiB) await new Promise((r) => setTimeout(r, 20));
    expect(await health(port)).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "not_ready",
        reasons: [{ code: "inflight_budget", message: "receiver is at its in-flight byte budget; retry" }],
        inFlight: 4,
      }),
    });
    const refused = await httpRequest(`http://127.0.0.1:${port}/`, {
      body: JSON.stringify(fixture.body),
      headers: fixture.headers,
    });
    expect(refused.status).toBe(503);
    expect(parseFirehoseResponse(refused.body).errorMessage).toBe("receiver is at its in-flight byte budget; retry");
    // The clients go away: their reservations are released, and deliveries would succeed again.
    for (const socket of holders) socket.destroy();
    while ((await health(port)).body.inflightBytes !== 0) await new Promise((r) => setTimeout(r, 20));
    expect(await health(port)).toMatchObject({ status: 200, body: { status: "ok", reasons: [] } });
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

  it.each([
    { name: "the budget is full", held: [2 * MiB, 2 * MiB], refused: undefined },
    { name: "a delivery as large as the last one refused would not fit", held: [3 * MiB], refused: 2 * MiB },
  ])("is not ready while $name, and ready once the slow deliveries are answered", async ({ held, refused }) => {
    const deps = makeFirehoseDeps();
    const server = createFirehoseServer({ deps, store: testStore(), limits: { maxInflightBytes: 4 * MiB } });
    servers.push(server);
    const port = await server.listen(0, "127.0.0.1");
    const slow = await Promise.all(
      held.map((bytes, i) => slowDelivery(port, `slow-${i}`, paddedDelivery(`slow-${i}`, bytes))),
    );
    while (server.inflightBytes() !== held.reduce((a, b) => a + b)) await new Promise((r) => setTimeout(r, 10));
    if (refused !== undefined) {
      // Room for small deliveries is left: health says so until one that does not fit is refused.
      expect((await health(port)).status).toBe(200);
      const answer = await httpRequest(`http://127.0.0.1:${port}/`, {
        body: paddedDelivery("too-large-now", refused),
        headers: { "X-Amz-Firehose-Request-Id": "too-large-now", "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
      });
      expect(answer.status).toBe(503);
    }
    expect(await health(port)).toEqual({
      status: 503,
      body: expect.objectContaining({
        status: "not_ready",
        reasons: [{ code: "inflight_budget", message: "receiver is at its in-flight byte budget; retry" }],
      }),
    });
    expect(await Promise.all(slow.map((delivery) => delivery.finish()))).toEqual(held.map(() => "HTTP/1.1 200 OK"));
    while (server.inflightBytes() !== 0) await new Promise((r) => setTimeout(r, 10));
    expect(await health(port)).toMatchObject({ status: 200, body: { status: "ok", reasons: [], inflightBytes: 0 } });
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
