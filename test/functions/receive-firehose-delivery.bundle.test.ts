import { Binary, EJSON } from "bson";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../src/embedded/store";
import { fakeEndpointResponse, loadAppServicesFunction, makeFakeContext } from "../helpers/app-services";
import { readFixture, type FirehoseExpectation, type FirehoseFixture } from "../helpers/fixtures";
import {
  canonicalContents,
  canonicalForm,
  mirrorContents,
  parseFirehoseResponse,
  TEST_ACCESS_KEY,
} from "../helpers/firehose";
import { readInt64Expected, readInt64RelaxedLines } from "../helpers/int64-fixtures";
import { deadLettersIn } from "../helpers/dead-letters";

// App Services hands the endpoint array-valued headers and the body as BSON.Binary.
function endpointRequest(fixture: FirehoseFixture, gzip = false) {
  const headers: Record<string, string[]> = Object.fromEntries(
    Object.entries(fixture.headers).map(([k, v]) => [k, [v]]),
  );
  let body = Buffer.from(JSON.stringify(fixture.body));
  if (gzip) {
    headers["Content-Encoding"] = ["gzip"];
    body = gzipSync(body);
  }
  return { headers, body: new Binary(body), query: {} };
}

describe("functions/receiveFirehoseDelivery.js loaded as App Services does", () => {
  it.each([
    { name: "single-record", gzip: false },
    { name: "some-invalid-records", gzip: true },
  ])("stores $name and answers Firehose", async ({ name, gzip }) => {
    const store = new EmbeddedStore();
    const context = makeFakeContext({ dataSource: store, values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY } });
    const fn = loadAppServicesFunction("receiveFirehoseDelivery", context);
    const fixture = readFixture<FirehoseFixture>(`firehose/${name}.json`);
    const expected = readFixture<FirehoseExpectation>(`firehose/${name}.expected.json`);
    const response = fakeEndpointResponse();

    await fn(endpointRequest(fixture, gzip), response);

    expect(response.recorded.status).toBe(200);
    expect(response.recorded.headers["Content-Type"]).toBe("application/json");
    expect(parseFirehoseResponse(response.recorded.body as string).requestId).toBe(fixture.body.requestId);
    expect(await canonicalContents(store, "monitors", "firehose")).toEqual(expected.stored);
    expect(await deadLettersIn(store).count()).toBe(expected.deadLetters.length);
  });

  it.each(["canonicalJson", "relaxedJson", "basicJson"])(
    "mirrors MongoDB change events (%s), deletes included, exactly as the Node hosts do",
    async (format) => {
      const store = new EmbeddedStore();
      const context = makeFakeContext({ dataSource: store, values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY } });
      const fn = loadAppServicesFunction("receiveFirehoseDelivery", context);
      const changes = readFixture<{ records: unknown[]; expectedMirror: unknown[] }>(
        `change-events/mongodb/${format}.json`,
      );
      const requestId = `bundle-${format}`;
      const fixture: FirehoseFixture = {
        headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
        body: {
          requestId,
          timestamp: 1,
          records: changes.records.map((record) => ({ data: Buffer.from(JSON.stringify(record)).toString("base64") })),
        },
      } as FirehoseFixture;
      const response = fakeEndpointResponse();
      await fn(endpointRequest(fixture), response);
      expect(response.recorded.status).toBe(200);
      const { documents, positions } = await mirrorContents(store);
      expect(positions).toEqual(documents.map(() => ({ pos: expect.any(String), ns: expect.any(String) })));
      expect(documents).toEqual(canonicalForm(changes.expectedMirror));
      // The deleted document is gone, its delete position kept beside the target.
      expect(await store.db("monitors").collection("firehose_deletes").countDocuments()).toBe(1);
    },
  );

  it.each(["go", "java"] as const)(
    "keeps every digit of Int64s beyond 2^53 in relaxed Extended JSON (%s driver's writer)",
    async (layout) => {
      const store = new EmbeddedStore();
      const context = makeFakeContext({ dataSource: store, values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY } });
      const requestId = `bundle-int64-${layout}`;
      const fixture = {
        headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
        body: {
          requestId,
          timestamp: 1,
          records: readInt64RelaxedLines(layout).map((line) => ({ data: Buffer.from(line).toString("base64") })),
        },
      } as FirehoseFixture;
      const response = fakeEndpointResponse();
      await loadAppServicesFunction("receiveFirehoseDelivery", context)(endpointRequest(fixture), response);
      expect(response.recorded.status).toBe(200);
      const mirror = (await canonicalContents(store, "monitors", "firehose")).map((doc) => {
        const { _akb: _position, ...rest } = doc as Record<string, unknown>;
        return rest;
      });
      const expected = readInt64Expected().expectedMirror.map((doc) =>
        JSON.parse(EJSON.stringify(EJSON.parse(JSON.stringify(doc), { relaxed: false }), { relaxed: false })),
      );
      expect(mirror).toEqual(expected);
    },
  );

  it.each([
    { name: "request without headers or body", request: {}, status: 401 },
    { name: "no request at all", request: undefined, status: 401 },
    {
      name: "wrong key",
      request: { headers: { "X-Amz-Firehose-Access-Key": ["wrong"], "X-Amz-Firehose-Request-Id": ["r-1"] } },
      status: 401,
    },
  ])("answers $name with $status and a Firehose body", async ({ request, status }) => {
    const context = makeFakeContext({
      dataSource: new EmbeddedStore(),
      values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY },
    });
    const response = fakeEndpointResponse();
    await loadAppServicesFunction("receiveFirehoseDelivery", context)(request, response);
    expect(response.recorded.status).toBe(status);
    expect(parseFirehoseResponse(response.recorded.body as string).errorMessage).toMatch(/Access-Key/);
  });

  it("answers 500 with the request id when the data source is not linked", async () => {
    const context = makeFakeContext({
      dataSource: new EmbeddedStore(),
      values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY },
    });
    context.services.get = () => undefined;
    const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
    const response = fakeEndpointResponse();
    await loadAppServicesFunction("receiveFirehoseDelivery", context)(endpointRequest(fixture), response);
    expect(response.recorded.status).toBe(500);
    expect(parseFirehoseResponse(response.recorded.body as string)).toMatchObject({
      requestId: fixture.body.requestId,
      errorMessage: expect.stringContaining("mongodb-atlas"),
    });
  });

  it("uses the App Services BSON global instead of bundling bson", () => {
    const source = readFileSync("functions/receiveFirehoseDelivery.js", "utf8");
    expect(source).not.toMatch(/require\("bson"\)|class ObjectId|class BSONError/);
    expect(
      source.startsWith(
        "// receiveFirehoseDelivery: App Services function generated from src/functions/receiveFirehoseDelivery.ts",
      ),
    ).toBe(true);
  });
});
