import { Binary } from "bson";
import { afterAll, describe, expect, it } from "vitest";
import { createFirehoseLambdaHandler } from "../../src/adapters/aws-lambda/firehose-handler";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { EmbeddedStore } from "../../src/embedded/store";
import { fakeEndpointResponse, loadAppServicesFunction, makeFakeContext } from "../helpers/app-services";
import { deadLettersIn } from "../helpers/dead-letters";
import { canonicalContents, lambdaOptions, makeFirehoseDeps, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";
import { ENCODER_FAILS, faultInjectingStore, SERVER_REFUSES } from "../helpers/record-faults";

/*
 * Fault injection, on every host the webhook runs on: a batch holding one record that cannot be
 * stored, at every position, delivered twice (as Firehose retries). Each time the answer is 200,
 * that record is dead-lettered with its reason code and every other record is stored, and the
 * retry changes nothing. What fails covers every way a record can: the parser (malformed Extended
 * JSON), MongoDB's limits (size, nesting), the webhook's own field, the encoder (which names no
 * operation) and a server refusal of that document (both injected, as the driver and MongoDB fail).
 */

let deep: unknown = 1;
for (let level = 1; level < 150; level++) deep = { d: deep };

interface BadRecord {
  name: string;
  text: string;
  reasonCode: string;
  /** App Services takes at most 18 MB per request, so a 17 MiB record never reaches it. */
  appServices?: false;
}

const BAD_RECORDS: BadRecord[] = [
  {
    name: "a malformed wrapper",
    text: '{"_id":"bad","x":{"$numberInt":"2147483648"}}',
    reasonCode: "not_extended_json",
  },
  {
    name: "a $symbol the encoder once threw on",
    text: '{"_id":"bad","x":{"$symbol":5}}',
    reasonCode: "not_extended_json",
  },
  {
    name: "17 MiB",
    text: JSON.stringify({ _id: "bad", s: "x".repeat(17 * 1024 * 1024) }),
    reasonCode: "document_too_large",
    appServices: false,
  },
  {
    name: "3 MB of text that is 19 MB of BSON",
    text: `{"_id":"bad","a":[${"0,".repeat(1_500_000)}0]}`,
    reasonCode: "document_too_large",
  },
  { name: "150 levels deep", text: JSON.stringify({ _id: "bad", d: deep }), reasonCode: "document_too_deep" },
  {
    name: "a forged _akb",
    text: JSON.stringify({ _id: "bad", v: "planted", _akb: { pos: "ffffffffffffffff:zzz" } }),
    reasonCode: "position_field_reserved",
  },
  {
    name: "one the encoder cannot write",
    text: JSON.stringify({ _id: "bad", [ENCODER_FAILS]: true }),
    reasonCode: "not_encodable",
  },
  {
    name: "one the server refuses",
    text: JSON.stringify({ _id: "bad", [SERVER_REFUSES]: true }),
    reasonCode: "database_refused",
  },
];

const GOOD = [
  JSON.stringify({ _id: "plain", v: 1 }),
  JSON.stringify({
    _id: { _data: "8200000005000000012B0229296E04" },
    operationType: "insert",
    clusterTime: { $timestamp: { t: 5, i: 1 } },
    ns: { db: "app", coll: "things" },
    documentKey: { _id: "changed" },
    fullDocument: { _id: "changed", v: { $numberLong: "2" } },
  }),
];
const STORED = [
  { _id: "changed", v: { $numberLong: "2" } },
  { _id: "plain", v: { $numberInt: "1" } },
];

/** The batch with the bad record at `position` among the good ones. */
function batch(bad: BadRecord, position: number): { requestId: string; body: Buffer } {
  const texts = [...GOOD];
  texts.splice(position, 0, bad.text);
  const requestId = `isolation-${position}`;
  const records = texts.map((text) => ({ data: Buffer.from(text).toString("base64") }));
  return { requestId, body: Buffer.from(JSON.stringify({ requestId, timestamp: 1763771101456, records })) };
}

const headersFor = (requestId: string) => ({
  "X-Amz-Firehose-Request-Id": requestId,
  "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY,
  "Content-Type": "application/json",
});

/** A host: set up over a store, then a function that delivers a body and answers the status. */
interface Host {
  name: string;
  appServices?: true;
  open(store: EmbeddedStore): Promise<(requestId: string, body: Buffer) => Promise<number>>;
}

const servers: FirehoseServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const HOSTS: Host[] = [
  {
    name: "Node HTTP server (loopback)",
    async open(store) {
      const deps = makeFirehoseDeps({ dataSource: faultInjectingStore(store) });
      const server = createFirehoseServer({ deps, store: testStore() });
      servers.push(server);
      const port = await server.listen(0, "127.0.0.1");
      return async (requestId, body) =>
        (await httpRequest(`http://127.0.0.1:${port}/firehose`, { body, headers: headersFor(requestId) })).status;
    },
  },
  {
    name: "Lambda handler (Function URL event)",
    async open(store) {
      const deps = makeFirehoseDeps({ dataSource: faultInjectingStore(store) });
      const handler = createFirehoseLambdaHandler(lambdaOptions(deps));
      return async (requestId, body) =>
        (
          await handler({
            version: "2.0",
            requestContext: { http: { method: "POST" } },
            headers: Object.fromEntries(Object.entries(headersFor(requestId)).map(([k, v]) => [k.toLowerCase(), v])),
            body: body.toString("base64"),
            isBase64Encoded: true,
          })
        ).statusCode;
    },
  },
  {
    name: "App Services function (functions/receiveFirehoseDelivery.js, as the local runtime loads it)",
    appServices: true,
    async open(store) {
      const context = makeFakeContext({
        dataSource: faultInjectingStore(store),
        values: { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY },
      });
      const fn = loadAppServicesFunction("receiveFirehoseDelivery", context);
      return async (requestId, body) => {
        const response = fakeEndpointResponse();
        const headers = Object.fromEntries(Object.entries(headersFor(requestId)).map(([k, v]) => [k, [v]]));
        await fn({ headers, body: new Binary(body) }, response);
        return response.recorded.status as number;
      };
    },
  },
];

describe.each(HOSTS)("$name: one bad record in a batch", (host) => {
  const cases = BAD_RECORDS.filter((bad) => !(host.appServices && bad.appServices === false)).flatMap((bad) =>
    [0, 1, 2].map((position) => ({ ...bad, position })),
  );
  it.each(cases)("$name at position $position: 200, dead-lettered, the rest stored, on every retry", async (bad) => {
    const store = new EmbeddedStore();
    const deliver = await host.open(store);
    const { requestId, body } = batch(bad, bad.position);
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await deliver(requestId, body)).toBe(200);
      const stored = (await canonicalContents(store, "monitors", "firehose")) as { _id: string }[];
      expect(stored.sort((a, b) => (a._id < b._id ? -1 : 1))).toEqual(
        STORED.map((doc) => expect.objectContaining(doc)),
      );
      const letters = await deadLettersIn(store).list();
      expect(letters.map(({ _id, index, reasonCode }) => ({ _id, index, reasonCode }))).toEqual([
        { _id: `${requestId}:${bad.position}`, index: bad.position, reasonCode: bad.reasonCode },
      ]);
    }
  });
});
