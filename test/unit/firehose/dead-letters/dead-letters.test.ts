import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../../../src/core/errors";
import { firehoseDefaults, firehoseSettings } from "../../../../src/core/firehose/config";
import { refusal, type DeadLetterReasonCode } from "../../../../src/core/firehose/dead-letters/dead-letter-reasons";
import {
  deadLetter,
  deadLetterStore,
  MAX_DEAD_LETTER_DATA,
  type DeadLetter,
} from "../../../../src/core/firehose/dead-letters/dead-letters";
import type { DataSourcePort } from "../../../../src/core/ports";
import { EmbeddedStore } from "../../../../src/embedded/store";
import { deadLettersIn } from "../../../helpers/dead-letters";

const RECEIVED = new Date("2026-12-04T12:00:00Z");
const letterOf = (requestId: string, index: number, code: DeadLetterReasonCode, receivedAt = RECEIVED): DeadLetter =>
  deadLetter({ index, refusal: refusal(code), data: "e30=" }, { requestId, receivedAt });

describe("deadLetter: the stored shape of a refused record", () => {
  it.each([
    {
      name: "raw base64",
      data: "bm90IGpzb24=",
      sourceArn: "arn:aws:firehose:eu-west-1:1:deliverystream/s",
      stored: "bm90IGpzb24=",
    },
    { name: "no data field", data: undefined, sourceArn: undefined, stored: null },
    { name: "data that is not a string", data: { a: 1 }, sourceArn: undefined, stored: '{"a":1}' },
  ])("$name", ({ data, sourceArn, stored }) => {
    const refused = { index: 7, refusal: refusal("not_base64"), data };
    expect(deadLetter(refused, { requestId: "req-1", sourceArn, receivedAt: RECEIVED })).toEqual({
      _id: "req-1:7",
      requestId: "req-1",
      index: 7,
      reasonCode: "not_base64",
      reason: "data is not valid base64",
      data: stored,
      sourceArn: sourceArn ?? null,
      receivedAt: RECEIVED,
    });
  });
});

describe("deadLetter: a bounded letter for a record of any size", () => {
  it("keeps the start of data over MAX_DEAD_LETTER_DATA, with the whole text's length and SHA-256", () => {
    const data = "QUJD".repeat(MAX_DEAD_LETTER_DATA / 2); // twice the limit
    const letter = deadLetter(
      { index: 0, refusal: refusal("document_too_large"), data },
      { requestId: "big", receivedAt: RECEIVED },
    );
    expect(letter.data).toBe(data.slice(0, MAX_DEAD_LETTER_DATA));
    expect(letter.dataTruncated).toEqual({
      length: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
  });

  it("keeps data of exactly MAX_DEAD_LETTER_DATA whole, and says nothing of truncation", () => {
    const data = "A".repeat(MAX_DEAD_LETTER_DATA);
    const letter = deadLetter(
      { index: 0, refusal: refusal("not_json"), data },
      { requestId: "r", receivedAt: RECEIVED },
    );
    expect(letter.data).toBe(data);
    expect("dataTruncated" in letter).toBe(false);
  });

  it("cuts a long reason (a server's message) to keep the letter small", () => {
    const letter = deadLetter(
      { index: 0, refusal: refusal("database_refused", "x".repeat(5000)), data: "e30=" },
      { requestId: "r", receivedAt: RECEIVED },
    );
    expect(letter.reason).toHaveLength(1001);
  });
});

describe("DeadLetterStore over a collection", () => {
  it("lists letters by request id, then index (as numbers), and filters by request id or reason code", async () => {
    const letters = deadLettersIn(new EmbeddedStore());
    await letters.record([letterOf("b", 10, "not_json"), letterOf("b", 2, "not_utf8"), letterOf("a", 5, "not_json")]);
    expect((await letters.list()).map((letter) => letter._id)).toEqual(["a:5", "b:2", "b:10"]);
    expect((await letters.list({ requestId: "b" })).map((letter) => letter._id)).toEqual(["b:2", "b:10"]);
    expect((await letters.list({ reasonCode: "not_json" })).map((letter) => letter._id)).toEqual(["a:5", "b:10"]);
    expect(await letters.count()).toBe(3);
    expect(await letters.count({ requestId: "a" })).toBe(1);
  });

  it("replaces a retried delivery's letters instead of adding more", async () => {
    const letters = deadLettersIn(new EmbeddedStore());
    const batch = [letterOf("r", 0, "not_json"), letterOf("r", 1, "no_data")];
    await letters.record(batch);
    await letters.record(batch);
    expect(await letters.list()).toEqual(batch);
  });

  it("writes to the configured database and collection", async () => {
    const store = new EmbeddedStore();
    await deadLetterStore(store, { database: "iot", deadLetterCollection: "bad" }).record([
      letterOf("r", 0, "not_json"),
    ]);
    expect(await store.db("iot").collection("bad").countDocuments()).toBe(1);
    expect(await deadLettersIn(store).count()).toBe(0);
  });

  it("fails a write as store_failed (unavailable: retry the batch), keeping the driver's error as cause", async () => {
    const driverError = new Error("connection reset");
    const failing = {
      db: () => ({ collection: () => ({ bulkWrite: () => Promise.reject(driverError) }) }),
    } as unknown as DataSourcePort;
    const error = await deadLettersIn(failing)
      .record([letterOf("r", 0, "not_json")])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({ code: "store_failed", kind: "unavailable", cause: driverError });
    // Nothing to record is no write at all.
    await expect(deadLettersIn(failing).record([])).resolves.toBeUndefined();
  });

  it("counts the letters since a date by reason code, most frequent first, up to a limit", async () => {
    const store = new EmbeddedStore();
    const letters = deadLettersIn(store);
    const since = new Date(RECEIVED.getTime() - 3600_000);
    await letters.record([
      letterOf("a", 0, "not_utf8"),
      letterOf("a", 1, "not_json"),
      letterOf("a", 2, "not_json"),
      letterOf("a", 3, "change_no_document"),
      letterOf("old", 0, "not_json", new Date(since.getTime() - 1)),
    ]);
    // A letter written before reason codes existed counts by its reason without the detail.
    await store
      .db(firehoseDefaults.database)
      .collection(firehoseDefaults.deadLetterCollection)
      .insertOne({ _id: "legacy:0", reason: "database refused the document (code 121): failed", receivedAt: RECEIVED });
    expect(await letters.countByReason(since, 100)).toEqual({
      total: 5,
      truncated: false,
      byReasonCode: [
        { reasonCode: "not_json", count: 2 },
        { reasonCode: "change_no_document", count: 1 },
        { reasonCode: "database refused the document", count: 1 },
        { reasonCode: "not_utf8", count: 1 },
      ],
    });
    const limited = await letters.countByReason(since, 3);
    expect(limited).toMatchObject({ total: 3, truncated: true });
    expect(limited.byReasonCode.reduce((sum, { count }) => sum + count, 0)).toBe(3);
    expect(await letters.countByReason(since, 5)).toMatchObject({ total: 5, truncated: false });
  });
});

describe("the dead-letter collection's name", () => {
  it("is the setting's default, and the export's value says the same", () => {
    const value = JSON.parse(readFileSync("values/FIREHOSE_DEAD_LETTER_COLLECTION.json", "utf8")) as { value: unknown };
    expect(firehoseDefaults.deadLetterCollection).toBe(firehoseSettings.deadLetterCollection.fallback);
    expect(value.value).toBe(firehoseDefaults.deadLetterCollection);
  });
});
