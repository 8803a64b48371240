import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../../src/core/firehose/receive-delivery";
import type { FirehoseDeliveryRequest } from "../../../src/core/firehose/protocol/request";
import type { CollectionPort, DataSourcePort, WriteOperation } from "../../../src/core/ports";
import { readFixture, type FirehoseExpectation, type FirehoseFixture } from "../../helpers/fixtures";
import {
  canonicalContents,
  deliveryFromFixture,
  makeFirehoseDeps,
  parseFirehoseResponse,
  TEST_ACCESS_KEY,
} from "../../helpers/firehose";
import { deadLettersIn } from "../../helpers/dead-letters";

const fixtureCases = [
  "single-record",
  "records-without-id",
  "duplicate-ids-last-wins",
  "empty-records",
  "some-invalid-records",
  "plain-json-records",
] as const;

describe("receiveFirehoseDelivery: fixtures", () => {
  it.each(
    fixtureCases.flatMap((name) => [
      { name, gzip: false },
      { name, gzip: true },
    ]),
  )("$name (gzip: $gzip)", async ({ name, gzip }) => {
    const fixture = readFixture<FirehoseFixture>(`firehose/${name}.json`);
    const expected = readFixture<FirehoseExpectation>(`firehose/${name}.expected.json`);
    const deps = makeFirehoseDeps();

    const response = await receiveFirehoseDelivery(deliveryFromFixture(fixture, { gzip }), deps);

    expect(response.status).toBe(expected.status);
    expect(response.headers["Content-Type"]).toBe("application/json");
    const body = parseFirehoseResponse(response.body);
    expect(body).toEqual({ requestId: fixture.body.requestId, timestamp: 1763771101456 });
    expect(await canonicalContents(deps.store, "monitors", "firehose")).toEqual(expected.stored);
    const deadLetters = await deadLettersIn(deps.store).list();
    expect(deadLetters.map(({ index, reason }) => ({ index, reason }))).toEqual(expected.deadLetters);
    for (const letter of deadLetters) {
      expect(letter._id).toBe(`${fixture.body.requestId}:${letter.index}`);
      expect(letter.requestId).toBe(fixture.body.requestId);
      expect(letter.data).toEqual(fixture.body.records[letter.index as number].data ?? null);
    }
  });
});

const valid = readFixture<FirehoseFixture>("firehose/single-record.json");
const validId = valid.body.requestId;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const withHeaders = (
  headers: Record<string, string | string[]>,
  body: Uint8Array | undefined = json(valid.body),
): FirehoseDeliveryRequest => ({
  method: "POST",
  headers,
  body,
});
const { "X-Amz-Firehose-Access-Key": _key, ...headersWithoutKey } = valid.headers;
const { "X-Amz-Firehose-Request-Id": _id, ...headersWithoutId } = valid.headers;

const protocolCases: {
  name: string;
  request: FirehoseDeliveryRequest;
  status: number;
  requestId: string;
  error: RegExp;
  values?: Record<string, unknown>;
}[] = [
  {
    name: "missing access key",
    request: withHeaders(headersWithoutKey),
    status: 401,
    requestId: validId,
    error: /X-Amz-Firehose-Access-Key/,
  },
  {
    name: "wrong access key",
    request: withHeaders({ ...valid.headers, "X-Amz-Firehose-Access-Key": "nope" }),
    status: 401,
    requestId: validId,
    error: /invalid/,
  },
  {
    name: "key that is a prefix of the real one",
    request: withHeaders({ ...valid.headers, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY.slice(0, 10) }),
    status: 401,
    requestId: validId,
    error: /invalid/,
  },
  {
    name: "no headers at all",
    request: { method: "POST", headers: undefined as never, body: json(valid.body) },
    status: 401,
    requestId: "",
    error: /Access-Key/,
  },
  {
    name: "missing request id header",
    request: withHeaders(headersWithoutId),
    status: 400,
    requestId: validId,
    error: /missing X-Amz-Firehose-Request-Id/,
  },
  {
    name: "request ids disagree",
    request: withHeaders({ ...valid.headers, "X-Amz-Firehose-Request-Id": "other-id" }),
    status: 400,
    requestId: "other-id",
    error: /does not match/,
  },
  {
    name: "empty body",
    request: withHeaders(valid.headers, Buffer.alloc(0)),
    status: 400,
    requestId: validId,
    error: /empty/,
  },
  {
    name: "body not JSON",
    request: withHeaders(valid.headers, Buffer.from("{oops")),
    status: 400,
    requestId: validId,
    error: /^body is not valid JSON$/,
  },
  {
    name: "body is an array",
    request: withHeaders(valid.headers, json([1])),
    status: 400,
    requestId: validId,
    error: /JSON object/,
  },
  {
    name: "records missing",
    request: withHeaders(valid.headers, json({ requestId: validId })),
    status: 400,
    requestId: validId,
    error: /records must be an array/,
  },
  {
    name: "timestamp as string",
    request: withHeaders(valid.headers, json({ ...valid.body, timestamp: "1" })),
    status: 400,
    requestId: validId,
    error: /timestamp/,
  },
  {
    name: "unsupported encoding",
    request: withHeaders({ ...valid.headers, "Content-Encoding": "br" }),
    status: 400,
    requestId: validId,
    error: /only gzip/,
  },
  {
    name: "corrupt gzip",
    request: withHeaders({ ...valid.headers, "Content-Encoding": "gzip" }, Buffer.from("1f8b0800deadbeef", "hex")),
    status: 400,
    requestId: validId,
    error: /gzip/,
  },
  {
    name: "not a POST",
    request: { method: "GET", headers: valid.headers, body: undefined },
    status: 405,
    requestId: validId,
    error: /POST/,
  },
  {
    name: "no access key configured",
    request: withHeaders(valid.headers),
    status: 500,
    requestId: validId,
    error: /no access key configured/,
    values: { FIREHOSE_ACCESS_KEY: undefined },
  },
];

describe("receiveFirehoseDelivery: protocol errors", () => {
  it.each(protocolCases)("$name -> $status", async ({ request, status, requestId, error, values }) => {
    const deps = makeFirehoseDeps({ values });
    const response = await receiveFirehoseDelivery(request, deps);
    expect(response.status).toBe(status);
    const body = parseFirehoseResponse(response.body);
    expect(body.requestId).toBe(requestId);
    expect(body.errorMessage).toMatch(error);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([]);
    expect(JSON.stringify(deps.logger.lines)).not.toContain(TEST_ACCESS_KEY);
  });
});

describe("receiveFirehoseDelivery: behaviour", () => {
  it("matches header names case-insensitively and takes the first of array values (App Services shape)", async () => {
    const deps = makeFirehoseDeps();
    const headers = Object.fromEntries(
      Object.entries(valid.headers).map(([name, value]) => [name.toLowerCase(), [value, "ignored"]]),
    );
    const response = await receiveFirehoseDelivery(withHeaders(headers), deps);
    expect(response.status).toBe(200);
  });

  it("accepts the previous key during a rotation, and the current one", async () => {
    const deps = makeFirehoseDeps({
      values: { FIREHOSE_ACCESS_KEY: "new-key", FIREHOSE_ACCESS_KEY_PREVIOUS: TEST_ACCESS_KEY },
    });
    expect((await receiveFirehoseDelivery(withHeaders(valid.headers), deps)).status).toBe(200);
    const current = withHeaders({ ...valid.headers, "X-Amz-Firehose-Access-Key": "new-key" });
    expect((await receiveFirehoseDelivery(current, deps)).status).toBe(200);
  });

  it("answers a gzip bomb with a retryable 400, never 413, without inflating past the limit", async () => {
    const deps = makeFirehoseDeps({ maxBodyBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const response = await receiveFirehoseDelivery(
      withHeaders({ ...valid.headers, "Content-Encoding": "gzip" }, bomb),
      deps,
    );
    expect(response.status).toBe(400);
    expect(parseFirehoseResponse(response.body).errorMessage).toMatch(/above this host's limit of 1048576/);
  });

  it("writes to the configured database and collections", async () => {
    const deps = makeFirehoseDeps({
      values: { FIREHOSE_DATABASE: "iot", FIREHOSE_COLLECTION: "readings", FIREHOSE_DEAD_LETTER_COLLECTION: "bad" },
    });
    const fixture = readFixture<FirehoseFixture>("firehose/some-invalid-records.json");
    expect((await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps)).status).toBe(200);
    expect(await deps.store.db("iot").collection("readings").countDocuments()).toBe(2);
    expect(await deadLettersIn(deps.store, { database: "iot", deadLetterCollection: "bad" }).count()).toBe(8);
  });

  it("is idempotent: the same batch delivered three times leaves the same documents and dead letters", async () => {
    const deps = makeFirehoseDeps();
    const fixture = readFixture<FirehoseFixture>("firehose/some-invalid-records.json");
    const first = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps)).status).toBe(200);
      const contents = [
        await canonicalContents(deps.store, "monitors", "firehose"),
        await deadLettersIn(deps.store).list(),
      ];
      if (attempt === 0) first.push(...contents);
      else expect(contents).toEqual(first);
    }
    const noIds = readFixture<FirehoseFixture>("firehose/records-without-id.json");
    await receiveFirehoseDelivery(deliveryFromFixture(noIds), deps);
    await receiveFirehoseDelivery(deliveryFromFixture(noIds), deps);
    expect(await deps.store.db("monitors").collection("firehose").countDocuments()).toBe(4);
  });

  it("answers 503 when the database fails, acknowledges nothing, and a retry then stores everything once", async () => {
    const healthy = makeFirehoseDeps();
    let failures = 1;
    const flaky: DataSourcePort = {
      db: (name) => ({
        collection: (collectionName) => {
          const real = healthy.store.db(name).collection(collectionName);
          return Object.assign(Object.create(real) as CollectionPort, {
            bulkWrite: async (operations: WriteOperation[], options: { ordered: boolean }) => {
              if (failures-- > 0)
                throw Object.assign(new Error("connection reset by peer"), { name: "MongoNetworkError" });
              return real.bulkWrite(operations, options);
            },
          });
        },
      }),
    };
    const deps = { ...healthy, dataSource: flaky };
    const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");

    const failed = await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps);
    expect(failed.status).toBe(503);
    expect(parseFirehoseResponse(failed.body)).toEqual({
      requestId: validId,
      timestamp: 1763771101456,
      errorMessage: "database write failed; retry the batch",
    });
    expect(healthy.logger.lines.at(-1)).toMatchObject({
      level: "error",
      status: 503,
      outcome: "unavailable",
      requestId: validId,
    });
    expect(String(healthy.logger.lines.at(-1)?.error)).toContain("connection reset by peer");

    const retried = await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps);
    expect(retried.status).toBe(200);
    expect(await healthy.store.db("monitors").collection("firehose").countDocuments()).toBe(1);
  });

  it("dead-letters documents the database refuses for good (validator, unique index) and acknowledges the rest", async () => {
    const deps = makeFirehoseDeps();
    const fixture = readFixture<FirehoseFixture>("firehose/duplicate-ids-last-wins.json");
    const refusing: DataSourcePort = {
      db: (name) => ({
        collection: (collectionName) => {
          const real = deps.store.db(name).collection(collectionName);
          if (collectionName !== "firehose") return real;
          return Object.assign(Object.create(real) as CollectionPort, {
            // Op 1 is sensor-7 (version 2, record 2) after de-duplication.
            bulkWrite: async (operations: WriteOperation[], options: { ordered: boolean }) => {
              await real.bulkWrite([operations[0]], options);
              throw Object.assign(new Error("bulk write failed"), {
                writeErrors: [{ index: 1, code: 121, errmsg: "Document failed validation" }],
              });
            },
          });
        },
      }),
    };
    const response = await receiveFirehoseDelivery(deliveryFromFixture(fixture), { ...deps, dataSource: refusing });
    expect(response.status).toBe(200);
    const letters = await deadLettersIn(deps.store).list();
    expect(letters.map(({ index, reason }) => ({ index, reason }))).toEqual([
      { index: 2, reason: "database refused the document (code 121): Document failed validation" },
    ]);
    expect(deps.logger.lines.at(-1)).toMatchObject({ stored: 1, deadLettered: 1, superseded: 1, records: 3 });
  });

  it("treats a bulk error with any retryable write error as a failed delivery (503)", async () => {
    const deps = makeFirehoseDeps();
    const failing: DataSourcePort = {
      db: () => ({
        collection: () =>
          ({
            bulkWrite: async () => {
              throw Object.assign(new Error("bulk"), {
                writeErrors: [
                  { index: 0, code: 121, errmsg: "x" },
                  { index: 1, code: 91, errmsg: "shutting down" },
                ],
              });
            },
          }) as unknown as CollectionPort,
      }),
    };
    const fixture = readFixture<FirehoseFixture>("firehose/duplicate-ids-last-wins.json");
    expect((await receiveFirehoseDelivery(deliveryFromFixture(fixture), { ...deps, dataSource: failing })).status).toBe(
      503,
    );
  });

  it.each([
    ["a NUL in a nested field name", '{"_id":"n1","a":{"b\\u0000c":1}}', /^a field name in a holds a NUL character$/],
    [
      "a NUL in a field name next to a deprecated type",
      '{"_id":"n2","s":{"$symbol":"x"},"k\\u0000":1}',
      /^a field name in \(top level\) holds a NUL character$/,
    ],
  ])("dead-letters a record BSON cannot store (%s) instead of failing its batch", async (_name, json, reason) => {
    const deps = makeFirehoseDeps();
    const records = [
      { data: Buffer.from(json).toString("base64") },
      { data: Buffer.from('{"_id":"fine"}').toString("base64") },
    ];
    const response = await receiveFirehoseDelivery(
      withHeaders(valid.headers, Buffer.from(JSON.stringify({ requestId: validId, records }))),
      deps,
    );
    expect(response.status).toBe(200);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([{ _id: "fine" }]);
    const [letter] = await deadLettersIn(deps.store).list();
    expect(letter).toMatchObject({ index: 0, reason: expect.stringMatching(reason) });
  });

  it("logs one line per delivery with counts and never the key or record contents", async () => {
    const deps = makeFirehoseDeps();
    const fixture = readFixture<FirehoseFixture>("firehose/some-invalid-records.json");
    await receiveFirehoseDelivery(deliveryFromFixture(fixture), deps);
    expect(deps.logger.lines).toHaveLength(1);
    expect(deps.logger.lines[0]).toMatchObject({
      msg: "firehose delivery",
      requestId: fixture.body.requestId,
      sourceArn: fixture.headers["X-Amz-Firehose-Source-Arn"],
      records: 10,
      stored: 2,
      deadLettered: 8,
      status: 200,
      outcome: "accepted",
    });
    const logged = JSON.stringify(deps.logger.lines);
    expect(logged).not.toContain(TEST_ACCESS_KEY);
    expect(logged).not.toContain("good-1");
    expect(logged).not.toContain(fixture.body.records[0].data as string);
  });
});
