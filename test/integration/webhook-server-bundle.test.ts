import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildHosts } from "../../scripts/build-hosts";
import { countMatching, type CollectionPort } from "../../src/core/ports";
import { openDataFolderToRead } from "../../src/embedded/data-folder";
import { TEST_ACCESS_KEY } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

/**
 * The production server bundle (build/webhook-server.cjs, the container's command) as it is run:
 * `node <bundle>` on loopback. It needs a database, or the embedded store asked for by name; and
 * refused requests cost it nothing lasting.
 */
const scratch = mkdtempSync(join(tmpdir(), "akb-bundle-"));
let bundle = "";
beforeAll(async () => {
  // A folder of its own: other tests build build/ at the same time.
  bundle = (await buildHosts(join(scratch, "build"))).server;
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const baseEnv = { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY };

/** Runs the bundle; `listening` resolves with its port once it listens, `exited` with its exit code. */
function runBundle(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [bundle, ...args], { env: { ...baseEnv, ...env }, stdio: "pipe" });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stdout}${stderr}`)));
  });
  listening.catch(() => undefined); // a run expected to exit is awaited on `exited` only
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

function deliveryBody(requestId: string, id: string): string {
  const data = Buffer.from(JSON.stringify({ _id: id, v: 1 })).toString("base64");
  return JSON.stringify({ requestId, timestamp: 1, records: [{ data }] });
}

function wire(requestId: string, key: string, body: string): string {
  return (
    `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Firehose-Request-Id: ${requestId}\r\n` +
    `X-Amz-Firehose-Access-Key: ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function deliver(port: number, requestId: string) {
  return httpRequest(`http://127.0.0.1:${port}/`, {
    body: deliveryBody(requestId, requestId),
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
  });
}

/** Writes `bytes` on a new half-open connection (it never closes its side); resolves with what came back once the server ended. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    sockets.push(socket);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("end", () => resolve(received));
    socket.on("error", () => resolve(received));
    socket.write(bytes);
  });
}

describe("the production server bundle needs a database", () => {
  it("refuses to start without MONGODB_URI, in one line naming it, and listens on nothing", async () => {
    const run = runBundle([]);
    expect(await run.exited).toBe(1);
    expect(run.output().stdout).toBe("");
    const lines = run.output().stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^webhook-server: MONGODB_URI is not set: .*--embedded.*--data <dir>/),
    ]);
  });

  it.each([
    {
      name: "--embedded with MONGODB_URI",
      args: ["--embedded"],
      message: /MONGODB_URI is set and --embedded is given/,
    },
    { name: "--data with MONGODB_URI", args: ["--data", "x"], message: /MONGODB_URI is set and --data is given/ },
  ])("refuses $name: one store or the other (exit 2)", async ({ args, message }) => {
    const run = runBundle(args, { MONGODB_URI: "mongodb://127.0.0.1:1/" });
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(message);
  });

  it("with --embedded, serves from memory and says so at start", async () => {
    const run = runBundle(["--embedded"]);
    const port = await run.listening;
    expect(run.output().stdout).toMatch(/^Data: in memory \(the embedded store\), lost when the process exits/);
    expect((await deliver(port, "one")).status).toBe(200);
  });

  it("with --data <dir>, keeps deliveries in that folder and says so at start", async () => {
    const folder = join(scratch, "store");
    const run = runBundle(["--data", folder]);
    const port = await run.listening;
    expect(run.output().stdout).toContain(`Data: the embedded store, saved in ${folder}`);
    expect((await deliver(port, "kept")).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const store = openDataFolderToRead(folder).store;
    expect(await countMatching(store.db("monitors").collection("firehose") as unknown as CollectionPort)).toBe(1);
  });

  it("with MONGODB_URI, says which MongoDB without its credentials, and names the cause when it cannot connect", async () => {
    const uri =
      "mongodb://bridge:s3cret-pass@127.0.0.1:1/?serverSelectionTimeoutMS=300&authMechanismProperties=AWS_SESSION_TOKEN:t0ken";
    const run = runBundle([], { MONGODB_URI: uri });
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output();
    expect(stdout).toMatch(/^Data: MongoDB at mongodb:\/\/<credentials>@127\.0\.0\.1:1\//);
    expect(stderr).toMatch(/^webhook-server: cannot connect to MongoDB at mongodb:\/\/<credentials>@127\.0\.0\.1:1\//);
    expect(`${stdout}${stderr}`).not.toMatch(/s3cret|t0ken|bridge:/);
  });
});

describe("the production server bundle facing refusals", () => {
  it("runs nothing pipelined after a refused request, nor logs it", async () => {
    const run = runBundle(["--embedded"]);
    const port = await run.listening;
    const received = await exchange(
      port,
      wire("refused", "wrong-key", deliveryBody("refused", "x")) +
        wire("pipelined", TEST_ACCESS_KEY, deliveryBody("pipelined", "pipelined")),
    );
    expect(received.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 401"]);
    // A delivery on another connection, logged after anything the server was going to run.
    expect((await deliver(port, "after")).status).toBe(200);
    while (!run.output().stdout.includes('"requestId":"after"')) await new Promise((r) => setTimeout(r, 20));
    const logged = `${run.output().stdout}${run.output().stderr}`;
    expect(logged).toContain('"requestId":"refused"');
    expect(logged).not.toContain('"requestId":"pipelined"');
  });

  it("accepts 20 paced deliveries while a client sends refusals back to back and never closes", async () => {
    // A cap of 8 connections: a refused connection lingering 2 s against it would lock deliveries
    // out at a few refusals a second, whatever the machine's speed.
    const run = runBundle(["--embedded"], { FIREHOSE_MAX_CONNECTIONS: "8" });
    const port = await run.listening;
    let stop = false;
    let refusals = 0;
    const attack = (async () => {
      while (!stop) {
        const answer = await exchange(port, wire("refused", "wrong-key", "{}"));
        if (answer.startsWith("HTTP/1.1 401")) refusals++;
      }
    })();
    const statuses: number[] = [];
    try {
      while (refusals < 20) await new Promise((r) => setTimeout(r, 10));
      for (let k = 0; k < 20; k++) {
        await new Promise((r) => setTimeout(r, 50));
        statuses.push(
          await deliver(port, `paced-${k}`).then(
            (r) => r.status,
            () => 0,
          ),
        );
      }
    } finally {
      stop = true;
      await attack;
    }
    expect(statuses).toEqual(statuses.map(() => 200));
    expect(refusals).toBeGreaterThan(20);
  });
});
