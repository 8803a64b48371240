import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createFirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { sendBatch, firehoseBackoff } from "../../src/local/firehose-sender";
import { makeFirehoseDeps, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { deadLettersIn } from "../helpers/dead-letters";

type Reply = (req: IncomingMessage, body: Buffer, res: ServerResponse, requestId: string) => void;
const ok: Reply = (_req, _body, res, requestId) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ requestId, timestamp: Date.now() }));
};
const status =
  (code: number, extra: Record<string, string> = {}): Reply =>
  (_req, _body, res, requestId) => {
    res.writeHead(code, { "Content-Type": "application/json", ...extra });
    res.end(JSON.stringify({ requestId, timestamp: Date.now(), errorMessage: `scripted ${code}` }));
  };
const raw =
  (code: number, headers: Record<string, string>, body: (id: string) => string): Reply =>
  (_req, _body, res, requestId) => {
    res.writeHead(code, headers);
    res.end(body(requestId));
  };
const silent: Reply = () => undefined; // never answers: the attempt times out

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A scripted endpoint on loopback: each request gets the next reply (the last one repeats). */
async function scriptedEndpoint(replies: Reply[]) {
  const received: { headers: IncomingMessage["headers"]; body: Buffer; requestId: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const json = req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body;
      const requestId = JSON.parse(json.toString()).requestId;
      received.push({ headers: req.headers, body: json, requestId });
      const reply = replies.length > 1 ? (replies.shift() as Reply) : replies[0];
      reply(req, json, res, requestId);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/firehose`, received };
}

const records = ['{"_id":1,"t":"Grüße"}', "", '{"_id":2}'].map((s) => Buffer.from(s));
const arrivals = [1, 2, 3];

function options(url: string, extra: Partial<Parameters<typeof sendBatch>[2]> = {}) {
  const sleeps: number[] = [];
  const backupDir = mkdtempSync(join(tmpdir(), "akb-backup-"));
  return {
    sleeps,
    backupDir,
    opts: {
      url,
      backupDir,
      accessKey: "k-123",
      gzip: false,
      retryDurationMs: 300_000,
      responseTimeoutMs: 2_000,
      random: () => 0.5,
      sleep: async (ms: number) => void sleeps.push(ms),
      ...extra,
    },
  };
}

describe("sendBatch: what Firehose sends to an HTTP endpoint, case by case", () => {
  it("sends every Firehose header, the records as base64, and succeeds on a valid 200", async () => {
    const endpoint = await scriptedEndpoint([ok]);
    const { opts, sleeps } = options(endpoint.url, { gzip: true, commonAttributes: { env: "test" } });
    const result = await sendBatch(records, arrivals, opts);
    expect(result).toMatchObject({ outcome: "delivered", attempts: 1 });
    expect(sleeps).toEqual([]);
    const [request] = endpoint.received;
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "content-encoding": "gzip",
      "x-amz-firehose-protocol-version": "1.0",
      "x-amz-firehose-request-id": result.requestId,
      "x-amz-firehose-access-key": "k-123",
      "x-amz-firehose-common-attributes": JSON.stringify({ commonAttributes: { env: "test" } }),
    });
    expect(request.headers["x-amz-firehose-source-arn"]).toMatch(/^arn:aws:firehose:/);
    const body = JSON.parse(request.body.toString());
    expect(body.requestId).toBe(result.requestId);
    expect(typeof body.timestamp).toBe("number");
    expect(body.records.map((r: { data: string }) => Buffer.from(r.data, "base64").toString())).toEqual(
      records.map((r) => r.toString()),
    );
  });

  it("retries 500s with the documented backoff and the same request id, then succeeds", async () => {
    const endpoint = await scriptedEndpoint([status(500), status(503), status(500), ok]);
    const { opts, sleeps } = options(endpoint.url);
    const result = await sendBatch(records, arrivals, opts);
    expect(result).toMatchObject({ outcome: "delivered", attempts: 4 });
    expect(sleeps).toEqual([1000, 2000, 4000]); // jitter factor 0.85 + 0.3 x 0.5 = 1
    expect(new Set(endpoint.received.map((r) => r.requestId))).toEqual(new Set([result.requestId]));
  });

  it("backoff doubles from 1 s with ±15 % jitter and caps at 2 minutes", () => {
    expect([0, 1, 2, 6, 7, 10].map((n) => firehoseBackoff(n, () => 0.5))).toEqual([
      1000, 2000, 4000, 64000, 120000, 120000,
    ]);
    expect(firehoseBackoff(0, () => 0)).toBe(850);
    expect(firehoseBackoff(0, () => 1)).toBe(1150);
  });

  it("treats 413 as permanent: one attempt, no retry and no backup (Firehose loses that batch)", async () => {
    const endpoint = await scriptedEndpoint([status(413)]);
    const { opts, sleeps, backupDir } = options(endpoint.url);
    const result = await sendBatch(records, arrivals, opts);
    expect(result).toMatchObject({ outcome: "dropped-413", attempts: 1 });
    expect(sleeps).toEqual([]);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it.each([
    {
      name: "200 as text/plain",
      reply: raw(200, { "Content-Type": "text/plain" }, (id) => JSON.stringify({ requestId: id, timestamp: 1 })),
      error: /content type/,
    },
    {
      name: "200 with another request id",
      reply: raw(200, { "Content-Type": "application/json" }, () =>
        JSON.stringify({ requestId: "other", timestamp: 1 }),
      ),
      error: /requestId/,
    },
    {
      name: "200 with an extra field",
      reply: raw(200, { "Content-Type": "application/json" }, (id) =>
        JSON.stringify({ requestId: id, timestamp: 1, status: "ok" }),
      ),
      error: /unexpected fields: status/,
    },
    {
      name: "200 with the timestamp as a string",
      reply: raw(200, { "Content-Type": "application/json" }, (id) =>
        JSON.stringify({ requestId: id, timestamp: "1" }),
      ),
      error: /timestamp/,
    },
    {
      name: "200 that is not JSON",
      reply: raw(200, { "Content-Type": "application/json" }, () => "ok"),
      error: /not JSON/,
    },
    {
      name: "200 compressed",
      reply: raw(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" }, (id) =>
        JSON.stringify({ requestId: id, timestamp: 1 }),
      ),
      error: /compressed/,
    },
    { name: "a redirect", reply: raw(302, { Location: "http://127.0.0.1:1/elsewhere" }, () => ""), error: /redirect/ },
    { name: "no answer (timeout)", reply: silent, error: /no response/ },
  ])(
    "a malformed answer ($name) is a failed attempt: retried until the window ends, then backed up",
    async ({ reply, error }) => {
      const endpoint = await scriptedEndpoint([reply]);
      const { opts, sleeps, backupDir } = options(endpoint.url, { retryDurationMs: 5000, responseTimeoutMs: 300 });
      const result = await sendBatch(records, arrivals, opts);
      expect(result.outcome).toBe("backed-up");
      expect(result.lastError).toMatch(error);
      expect(sleeps).toEqual([1000, 2000, 2000]); // the last wait is clamped to the 5 s window
      expect(result.attempts).toBe(4);
      expect(endpoint.received.length).toBe(4);
      const files = readdirSync(backupDir).sort();
      expect(files).toHaveLength(records.length);
      const backup = files.map((f) => JSON.parse(readFileSync(join(backupDir, f), "utf8")));
      expect(backup.map((b) => Buffer.from(b.rawData, "base64").toString())).toEqual(records.map((r) => r.toString()));
      expect(backup[0]).toMatchObject({
        attemptsMade: 4,
        arrivalTimestamp: 1,
        errorCode: expect.stringMatching(/^HttpEndpoint\./),
        dataId: `${result.requestId}.0`,
      });
    },
  );

  it("a retry window of 0 means no retries", async () => {
    const endpoint = await scriptedEndpoint([status(500)]);
    const { opts, sleeps } = options(endpoint.url, { retryDurationMs: 0 });
    expect(await sendBatch(records, arrivals, opts)).toMatchObject({ outcome: "backed-up", attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it("against the real webhook: a batch answered 503 after it was written is retried and nothing is written twice", async () => {
    const deps = makeFirehoseDeps();
    const server = createFirehoseServer({ deps, store: testStore() });
    const port = await server.listen(0, "127.0.0.1");
    servers.push({ close: () => void server.stop() });
    // A proxy that forwards every request but, the first time, hides the 200 behind a 503.
    let first = true;
    const front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const upstream = await fetch(`http://127.0.0.1:${port}/firehose`, {
          method: "POST",
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        });
        const text = await upstream.text();
        if (first) {
          first = false;
          res.writeHead(503, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({
              requestId: JSON.parse(text).requestId,
              timestamp: Date.now(),
              errorMessage: "lost answer",
            }),
          );
          return;
        }
        res.writeHead(upstream.status, { "Content-Type": "application/json" });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    servers.push({
      close: () => {
        front.closeAllConnections();
        front.close();
      },
    });
    const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}/firehose`;
    const batch = [Buffer.from('{"_id":"a","v":1}'), Buffer.from('{"v":"no id"}'), Buffer.from("not json")];
    const { opts } = options(url, { accessKey: TEST_ACCESS_KEY });
    expect(await sendBatch(batch, [1, 2, 3], opts)).toMatchObject({ outcome: "delivered", attempts: 2 });
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(2);
    expect(await deadLettersIn(deps.store).count()).toBe(1);
  });
});
