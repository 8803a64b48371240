import { Double, Long } from "bson";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SERVICES_MAX_REQUEST_BYTES } from "../../src/adapters/app-services/firehose-endpoint";
import { EmbeddedStore } from "../../src/embedded/store";
import { readFixture, type FirehoseExpectation, type FirehoseFixture } from "../helpers/fixtures";
import { receiveFirehoseDelivery } from "../../src/core/firehose/receive-delivery";
import {
  canonicalContents,
  canonicalForm,
  deliveryFromFixture,
  makeFirehoseDeps,
  mirrorContents,
  parseFirehoseResponse,
  TEST_ACCESS_KEY,
} from "../helpers/firehose";
import { findNode10, Node10Functions } from "./helpers/node10";
import { deadLettersIn } from "../helpers/dead-letters";

const node10 = findNode10();
// Skipped where the runner reports skips, with why (`npx vitest run --reporter=verbose` shows the note).
if (node10.skipReason) it("test/node10", (context) => context.skip(`skipped, ${node10.skipReason}`));

const values = { FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY };

/** App Services hands the endpoint array-valued headers. */
function arrayHeaders(headers: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
}

function deliveryOf(requestId: string, records: unknown[]): FirehoseFixture {
  return {
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
    body: {
      requestId,
      timestamp: 1763771100123,
      records: records.map((record) => ({ data: Buffer.from(JSON.stringify(record)).toString("base64") })),
    },
  };
}

describe.skipIf(node10.skipReason)(
  `functions/receiveFirehoseDelivery.js on Node 10.18.1${node10.skipReason ? ` (skipped: ${node10.skipReason})` : ""}`,
  () => {
    let functions: Node10Functions;
    beforeAll(async () => {
      functions = await Node10Functions.start(node10.binary as string);
    });
    afterAll(async () => {
      await functions?.stop();
    });

    async function deliver(fixture: FirehoseFixture, store: EmbeddedStore, options: { gzip?: boolean } = {}) {
      const headers = arrayHeaders(fixture.headers);
      let body = Buffer.from(JSON.stringify(fixture.body));
      if (options.gzip) {
        headers["Content-Encoding"] = ["gzip"];
        body = gzipSync(body);
      }
      const { value } = await functions.endpoint("receiveFirehoseDelivery", { headers, body }, { store, values });
      return value;
    }

    it.each([
      { name: "single-record", gzip: false },
      { name: "plain-json-records", gzip: false },
      { name: "records-without-id", gzip: false },
      { name: "duplicate-ids-last-wins", gzip: true },
      { name: "some-invalid-records", gzip: true },
    ])("$name (gzip: $gzip): stores what the Node hosts store, dead letters included", async ({ name, gzip }) => {
      const store = new EmbeddedStore();
      const fixture = readFixture<FirehoseFixture>(`firehose/${name}.json`);
      const expected = readFixture<FirehoseExpectation>(`firehose/${name}.expected.json`);

      const answer = await deliver(fixture, store, { gzip });

      expect(answer.status).toBe(expected.status);
      expect(answer.headers["Content-Type"]).toBe("application/json");
      expect(parseFirehoseResponse(answer.body as string).requestId).toBe(fixture.body.requestId);
      expect(await canonicalContents(store, "monitors", "firehose")).toEqual(expected.stored);
      const deadLetters = await deadLettersIn(store).list();
      expect(deadLetters.map(({ index, reason }) => ({ index, reason }))).toEqual(expected.deadLetters);
      // Each dead letter keeps what Firehose sent, to be replayed after a fix.
      for (const letter of deadLetters) {
        const record = fixture.body.records[letter.index as number];
        expect(letter).toMatchObject({
          _id: `${fixture.body.requestId}:${letter.index}`,
          requestId: fixture.body.requestId,
          reasonCode: expect.any(String),
          data: typeof record.data === "string" ? record.data : null,
        });
      }
    });

    it.each(["canonicalJson", "relaxedJson", "basicJson"])(
      "mirrors MongoDB change events (%s), deletes included",
      async (format) => {
        const store = new EmbeddedStore();
        const changes = readFixture<{ records: unknown[]; expectedMirror: unknown[] }>(
          `change-events/mongodb/${format}.json`,
        );
        const answer = await deliver(deliveryOf(`node10-${format}`, changes.records), store);
        expect(answer.status).toBe(200);
        const { documents, positions } = await mirrorContents(store);
        expect(positions).toEqual(documents.map(() => ({ pos: expect.any(String), ns: expect.any(String) })));
        expect(documents).toEqual(canonicalForm(changes.expectedMirror));
        expect(await store.db("monitors").collection("firehose_deletes").countDocuments()).toBe(1);
      },
    );

    it("a 700-record delivery goes to applyFirehoseRecords in three chunks and is stored as the Node hosts store it", async () => {
      const records = Array.from({ length: 700 }, (_, i) =>
        i % 97 === 5 ? "not an object" : { _id: `p${i % 250}`, i, n: { $numberLong: String(i) } },
      );
      const fixture = deliveryOf("node10-chunks", records);
      const store = new EmbeddedStore();
      const { value, logs } = await functions.endpoint(
        "receiveFirehoseDelivery",
        { headers: arrayHeaders(fixture.headers), body: Buffer.from(JSON.stringify(fixture.body)) },
        { store, values },
      );
      expect(value.status).toBe(200);
      const reference = makeFirehoseDeps();
      expect((await receiveFirehoseDelivery(deliveryFromFixture(fixture), reference)).status).toBe(200);
      expect(await canonicalContents(store, "monitors", "firehose")).toEqual(
        await canonicalContents(reference.store, "monitors", "firehose"),
      );
      const letters = async (from: EmbeddedStore) =>
        (await deadLettersIn(from).list()).map(({ receivedAt: _at, ...letter }) => letter);
      expect(await letters(store)).toEqual(await letters(reference.store));
      const line = JSON.parse(logs.find((log) => log.line.includes('"firehose delivery"'))!.line);
      const { durationMs: _ms, ...counts } = line;
      const { durationMs: _referenceMs, ...referenceCounts } = reference.logger.lines[0];
      expect(counts).toEqual(referenceCounts);
    });

    it("applyFirehoseRecords answers a handoff with plain data, and refuses arguments it does not understand", async () => {
      const store = new EmbeddedStore();
      const probes = { double: new Double(1), long: Long.fromNumber(1) };
      const handoff = {
        requestId: "node10-direct",
        records: [{ index: 3, document: { _id: "d", v: 1 }, depth: 1, bytes: 16 }],
        probes,
      };
      const { value } = await functions.invoke("applyFirehoseRecords", [handoff], { store, values });
      expect(value).toEqual({
        stored: 1,
        stale: 0,
        superseded: 0,
        heartbeats: 0,
        basicJson: 0,
        refused: [],
        reconcile: { marks: [], closings: [], touched: [], accepted: 0 },
      });
      expect(await store.db("monitors").collection("firehose").find({}).toArray()).toEqual([{ _id: "d", v: 1 }]);
      await expect(
        functions.invoke("applyFirehoseRecords", [{ ...handoff, probes: { double: 1, long: 1 } }], { store, values }),
      ).rejects.toThrow(
        /applyFirehoseRecords takes one argument, \{requestId, records: \[\{index, document, depth, bytes\}\], probes\}.*probes did not arrive as a BSON Double/,
      );
    });

    it("a gzip body that inflates past App Services' 18 MB is refused with 400 and nothing is stored", async () => {
      const store = new EmbeddedStore();
      const fixture = deliveryOf("node10-gzip-bomb", [{ _id: "never-stored" }]);
      const headers = { ...arrayHeaders(fixture.headers), "Content-Encoding": ["gzip"] };
      const padded = Buffer.concat([
        Buffer.from(JSON.stringify(fixture.body)),
        Buffer.alloc(APP_SERVICES_MAX_REQUEST_BYTES, 0x20),
      ]);
      const { value } = await functions.endpoint(
        "receiveFirehoseDelivery",
        { headers, body: gzipSync(padded) },
        { store, values },
      );
      expect(value.status).toBe(400);
      expect(parseFirehoseResponse(value.body as string).errorMessage).toMatch(/larger than|limit|too large/i);
      expect(await store.db("monitors").collection("firehose").countDocuments()).toBe(0);
    });

    it("a wrong access key is answered 401 and nothing is stored", async () => {
      const store = new EmbeddedStore();
      const fixture = readFixture<FirehoseFixture>("firehose/single-record.json");
      const answer = await deliver(
        { ...fixture, headers: { ...fixture.headers, "X-Amz-Firehose-Access-Key": "wrong" } },
        store,
      );
      expect(answer.status).toBe(401);
      expect(parseFirehoseResponse(answer.body as string).errorMessage).toMatch(/Access-Key/);
      expect(await store.db("monitors").collection("firehose").countDocuments()).toBe(0);
    });

    it("the Node 10 process itself printed nothing (no warning, no deprecation)", () => {
      expect(functions.processOutput).toBe("");
    });
  },
);

describe("where Node 10.18.1 cannot be installed", () => {
  it.each([
    ["darwin", "arm64"],
    ["win32", "x64"],
    ["linux", "arm64"],
  ])("on %s %s the tests are skipped with the reason", (platform, arch) => {
    expect(findNode10(platform, arch)).toEqual({
      skipReason: expect.stringContaining(`installs only on Linux x64 and this machine is ${platform} ${arch}`),
    });
  });
});
