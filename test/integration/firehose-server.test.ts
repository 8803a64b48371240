import { EJSON, ObjectId } from "bson";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import type { CollectionPort, DataSourcePort, WriteOperation } from "../../src/core/ports";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { makeFirehoseDeps, parseFirehoseResponse, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

const running: FirehoseServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function startServer(deps = makeFirehoseDeps()) {
  const server = createFirehoseServer({ deps, store: testStore() });
  const port = await server.listen(0, "127.0.0.1");
  running.push(server);
  return { url: `http://127.0.0.1:${port}`, deps, server };
}

function firehoseHeaders(requestId: string, extra: Record<string, string> = {}) {
  return {
    "Content-Type": "application/json",
    "X-Amz-Firehose-Protocol-Version": "1.0",
    "X-Amz-Firehose-Request-Id": requestId,
    "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY,
    ...extra,
  };
}

/** ~1 KiB readings with non-ASCII text and EJSON types, as the benchmark uses. */
function readingRecords(count: number): { data: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const doc = {
      _id: new ObjectId(),
      node: `pi-${i % 50}-zürich-東京`,
      note: "Température ☃ ".repeat(40),
      humidity: 40 + (i % 10) / 3,
      reading: i,
      recordedAt: new Date(1763771100123 + i),
    };
    return { data: Buffer.from(EJSON.stringify(doc, { relaxed: false })).toString("base64") };
  });
}

describe("Node HTTP webhook server on loopback", () => {
  it("stores a 10,000-record gzip delivery and answers 200 with Firehose JSON", async () => {
    const { url, deps } = await startServer();
    const body = gzipSync(
      JSON.stringify({ requestId: "big-1", timestamp: Date.now(), records: readingRecords(10_000) }),
    );
    const response = await httpRequest(`${url}/firehose`, {
      body,
      headers: firehoseHeaders("big-1", { "Content-Encoding": "gzip" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.headers["content-encoding"]).toBeUndefined();
    expect(Number(response.headers["content-length"])).toBe(Buffer.byteLength(response.body));
    expect(parseFirehoseResponse(response.body).requestId).toBe("big-1");
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(10_000);
  });

  it("answers health checks and 405 for other methods on the delivery path", async () => {
    const { url } = await startServer();
    const health = await httpRequest(`${url}/healthz`, { method: "GET" });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({
      status: "ok",
      reasons: [],
      store: "embedded test store",
      inFlight: 0,
      inflightBytes: 0,
    });
    const put = await httpRequest(`${url}/firehose`, { method: "PUT", headers: firehoseHeaders("r-put"), body: "{}" });
    expect(put.status).toBe(405);
    expect(parseFirehoseResponse(put.body).requestId).toBe("r-put");
  });

  it("refuses a body over the limit with 400 (never 413) without buffering it", async () => {
    const { url } = await startServer(makeFirehoseDeps({ maxBodyBytes: 64 * 1024 }));
    const response = await httpRequest(url, {
      body: Buffer.alloc(256 * 1024, 0x20),
      headers: firehoseHeaders("too-big"),
    });
    expect(response.status).toBe(400);
    expect(parseFirehoseResponse(response.body)).toMatchObject({
      requestId: "too-big",
      errorMessage: expect.stringContaining("limit of 65536"),
    });
  });

  it("finishes in-flight deliveries on stop, then refuses new connections", async () => {
    const deps = makeFirehoseDeps();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: DataSourcePort = {
      db: (name) => ({
        collection: (collectionName) => {
          const real = deps.store.db(name).collection(collectionName);
          return Object.assign(Object.create(real) as CollectionPort, {
            bulkWrite: async (operations: WriteOperation[], options: { ordered: boolean }) => {
              await gate;
              return real.bulkWrite(operations, options);
            },
          });
        },
      }),
    };
    const { url, server } = await startServer({ ...deps, dataSource: slow });
    const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
    const inFlight = httpRequest(url, { body: JSON.stringify(fixture.body), headers: fixture.headers });
    while (server.inFlight() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = server.stop();
    release();
    const response = await inFlight;
    await stopped;
    expect(response.status).toBe(200);
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(1);
    await expect(httpRequest(url, { body: "{}", headers: fixture.headers, timeoutMs: 2000 })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("fuzz: arbitrary bodies and headers never crash it and always get a well-formed Firehose response", async () => {
    const { url } = await startServer();
    const headerName = fc.constantFrom(
      "X-Amz-Firehose-Request-Id",
      "X-Amz-Firehose-Access-Key",
      "Content-Encoding",
      "Content-Type",
      "X-Other",
    );
    const headerValue = fc.oneof(
      fc.string({ maxLength: 40 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
      fc.constant(TEST_ACCESS_KEY),
      fc.constant("gzip"),
    );
    const record = fc.oneof(fc.record({ data: fc.base64String({ maxLength: 64 }) }), fc.anything());
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
      fc
        .record({
          requestId: fc.oneof(fc.string(), fc.anything()),
          records: fc.oneof(fc.array(record, { maxLength: 5 }), fc.anything()),
        })
        .map((b) => Buffer.from(JSON.stringify(b) ?? "null")),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(headerName, headerValue), body, fc.boolean(), async (headers, payload, gzip) => {
        const sent = gzip ? gzipSync(payload) : payload;
        const response = await httpRequest(url, {
          headers: { ...headers, ...(gzip ? { "Content-Encoding": "gzip" } : {}) },
          body: sent,
        });
        expect([200, 400, 401]).toContain(response.status);
        expect(response.headers["content-type"]).toBe("application/json");
        const parsed = parseFirehoseResponse(response.body);
        if (response.status !== 200) expect(parsed.errorMessage).toEqual(expect.any(String));
      }),
      { numRuns: 300 },
    );
    expect((await httpRequest(`${url}/healthz`, { method: "GET" })).status).toBe(200);
  });
});
