import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import type { ServerLimits } from "../../src/adapters/node-http/server-settings";
import { makeFirehoseDeps, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

/**
 * A refused request costs nothing lasting: nothing after it on its connection is read or run, and
 * its connection, lingering so the client can read the answer, never holds a place under the
 * connection limit (lingering connections have a small budget of their own). Raw sockets on
 * loopback, so the bytes are exactly those written.
 */
const running: FirehoseServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function startServer(limits: Partial<ServerLimits> = {}) {
  const deps = makeFirehoseDeps();
  const server = createFirehoseServer({ deps, store: testStore(), limits });
  const port = await server.listen(0, "127.0.0.1");
  running.push(server);
  return { port, deps, server };
}

/** A request as written on the wire; a body gets its Content-Length. */
function wire(head: string, headers: Record<string, string>, body?: string): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const length = body === undefined ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${head} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join("")}${length}\r\n${body ?? ""}`;
}

function deliveryBody(requestId: string, id: string): string {
  const data = Buffer.from(JSON.stringify({ _id: id, v: 1 })).toString("base64");
  return JSON.stringify({ requestId, timestamp: 1, records: [{ data }] });
}

function firehoseHeaders(requestId: string, key = TEST_ACCESS_KEY): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Amz-Firehose-Request-Id": requestId,
    "X-Amz-Firehose-Access-Key": key,
  };
}

/** A valid delivery of one record `_id: "pipelined"`: never to be run after a refusal. */
const PIPELINED = wire("POST /", firehoseHeaders("pipelined"), deliveryBody("pipelined", "pipelined"));

/**
 * Opens a raw connection (half-open allowed: it never closes its side unless told, as a hostile
 * client would not), writes `bytes` in one write, and resolves with everything received once the
 * server has ended the connection.
 */
async function exchange(port: number, bytes: string): Promise<string> {
  const socket = await openSocket(port);
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  const ended = new Promise<void>((resolve) => {
    socket.once("end", resolve);
    socket.once("close", resolve);
  });
  socket.write(bytes);
  await ended;
  return received;
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(socket));
    sockets.push(socket);
    socket.on("error", reject);
  });
}

/** The status lines received (a pipelined answer follows the previous body directly). */
const statusLines = (received: string) => received.match(/HTTP\/1\.1 \d{3} [^\r\n]*/g) ?? [];

describe("a request pipelined after a refused one", () => {
  it.each([
    {
      name: "wrong access key, with a body",
      refused: wire("POST /", firehoseHeaders("wrong", "wrong-key"), deliveryBody("wrong", "x")),
      status: 401,
    },
    { name: "wrong access key, no body", refused: wire("POST /", firehoseHeaders("wrong", "wrong-key")), status: 401 },
    { name: "no access key", refused: wire("POST /", { "X-Amz-Firehose-Request-Id": "r" }, "{}"), status: 401 },
    { name: "not a POST", refused: wire("PUT /", firehoseHeaders("put"), "{}"), status: 405 },
    {
      name: "no request id",
      refused: wire("POST /", { "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY }, "{}"),
      status: 400,
    },
    {
      name: "declared body over the limit",
      refused: wire("POST /", { ...firehoseHeaders("big"), "Content-Length": String(65 * 1024 * 1024) }),
      status: 400,
    },
  ])("is never run nor logged ($name)", async ({ refused, status }) => {
    const { port, deps } = await startServer();
    const received = await exchange(port, refused + PIPELINED);
    expect(statusLines(received)).toEqual([expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${status} `))]);
    // The server has answered another connection since: anything it was going to run has run.
    expect((await httpRequest(`http://127.0.0.1:${port}/healthz`, { method: "GET" })).status).toBe(200);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([]);
    const requestIds = deps.logger.lines.map((line) => line.requestId);
    expect(requestIds).not.toContain("pipelined");
    expect(deps.logger.lines).toHaveLength(1);
  });

  it("is never run when it follows a refusal for the in-flight budget (503)", async () => {
    const { port, deps, server } = await startServer({ maxInflightBytes: 1024 });
    // A delivery holding the budget: its headers and part of its body sent, the rest held back.
    const holder = await openSocket(port);
    const held = deliveryBody("holder", "holder");
    holder.write(wire("POST /", firehoseHeaders("holder"), held).slice(0, -10));
    while (server.inflightBytes() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const received = await exchange(
      port,
      wire("POST /", firehoseHeaders("over"), deliveryBody("over", "x".repeat(2000))) + PIPELINED,
    );
    expect(statusLines(received)).toEqual([expect.stringMatching(/^HTTP\/1\.1 503 /)]);
    // Health says why (the holder keeps the budget too full for a delivery like the refused one).
    expect((await httpRequest(`http://127.0.0.1:${port}/healthz`, { method: "GET" })).status).toBe(503);
    expect(deps.logger.lines.map((line) => line.requestId)).toEqual(["over"]);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([]);
  });

  it("is run when the first request was accepted (pipelining itself works)", async () => {
    const { port, deps } = await startServer();
    const first = wire("POST /", firehoseHeaders("first"), deliveryBody("first", "first"));
    const socket = await openSocket(port);
    let received = "";
    const answered = new Promise<void>((resolve) =>
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
        if (statusLines(received).length === 2 && /\}\s*$/.test(received)) resolve();
      }),
    );
    socket.write(first + PIPELINED);
    await answered;
    expect(statusLines(received)).toEqual([
      expect.stringMatching(/^HTTP\/1\.1 200 /),
      expect.stringMatching(/^HTTP\/1\.1 200 /),
    ]);
    const ids = (await deps.store.db("monitors").collection("firehose").find({}).toArray()).map((d) => d._id);
    expect(ids.sort()).toEqual(["first", "pipelined"]);
  });
});

describe("lingering refused connections", () => {
  it("never hold a place under the connection limit", async () => {
    const { port } = await startServer({ maxConnections: 3 });
    // Ten refusals whose clients never close: each connection lingers on the server.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => exchange(port, wire("POST /", firehoseHeaders("bad", "wrong-key"), "{}"))),
    );
    expect(answers.map((answer) => statusLines(answer).length)).toEqual(answers.map(() => 1));
    const accepted = await httpRequest(`http://127.0.0.1:${port}/`, {
      body: deliveryBody("legit", "legit"),
      headers: firehoseHeaders("legit"),
    });
    expect(accepted.status).toBe(200);
  });

  it("have a budget of their own: past it the oldest is closed, newer ones linger", async () => {
    const { port, server } = await startServer({ maxLingering: 2, lingerMs: 600_000 });
    const refusal = wire("POST /", firehoseHeaders("bad", "wrong-key"), "{}");
    const clients: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = await openSocket(port);
      let received = "";
      const answered = new Promise<void>((resolve) =>
        socket.on("data", (chunk: Buffer) => {
          received += chunk.toString("latin1");
          if (/\}\s*$/.test(received)) resolve();
        }),
      );
      socket.write(refusal);
      await answered;
      clients.push(socket);
    }
    expect(server.connections()).toEqual({ served: 0, lingering: 2 });
    // Every server socket has ended its side; one that was destroyed answers further bytes with a
    // reset, one that lingers keeps them unread.
    const reset = clients.map(() => false);
    const probes = clients.map((socket, i) => {
      socket.on("error", () => (reset[i] = true));
      return setInterval(() => reset[i] || socket.write("x"), 20);
    });
    try {
      while (reset.slice(0, 3).includes(false)) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await httpRequest(`http://127.0.0.1:${port}/healthz`, { method: "GET" })).status).toBe(200);
    } finally {
      for (const probe of probes) clearInterval(probe);
    }
    expect(reset).toEqual([true, true, true, false, false]);
    expect(server.connections()).toEqual({ served: 0, lingering: 2 });
  });
});
