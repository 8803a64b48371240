import { describe, expect, it } from "vitest";
import { bulkWriteKeepingRefusals, isDuplicateIdError } from "../../../../src/core/firehose/apply/bulk-write-refusals";
import { receiveFirehoseDelivery } from "../../../../src/core/firehose/receive-delivery";
import { MongoErrorCode, PERMANENT_FOR_A_RECORD } from "../../../../src/core/mongo-error-codes";
import type { CollectionPort, DataSourcePort, WriteOperation } from "../../../../src/core/ports";
import { deadLettersIn } from "../../../helpers/dead-letters";
import { makeFirehoseDeps, TEST_ACCESS_KEY } from "../../../helpers/firehose";

/** A guarded upsert's duplicate key on _id means "stale"; any other refusal is the document's own fault. */
describe("isDuplicateIdError", () => {
  it.each([
    {
      name: "the driver names the _id index",
      failure: { code: MongoErrorCode.DuplicateKey, message: "E11000 …", keyPattern: { _id: 1 } },
      stale: true,
    },
    {
      name: "the driver names another unique index",
      failure: { code: MongoErrorCode.DuplicateKey, message: "E11000 … index: _id_ …", keyPattern: { email: 1 } },
      stale: false,
    },
    {
      name: "App Services gives only the message, on _id",
      failure: {
        code: MongoErrorCode.DuplicateKey,
        message: "E11000 duplicate key error collection: a.b index: _id_ dup key: { _id: 1 }",
      },
      stale: true,
    },
    {
      name: "App Services gives only the message, on another index",
      failure: {
        code: MongoErrorCode.DuplicateKey,
        message: "E11000 duplicate key error collection: a.b index: email_1 dup key",
      },
      stale: false,
    },
    {
      name: "a validator refusal",
      failure: { code: MongoErrorCode.DocumentValidationFailure, message: "Document failed validation" },
      stale: false,
    },
  ])("$name", ({ failure, stale }) => {
    expect(isDuplicateIdError({ opIndex: 0, by: "server", ...failure })).toBe(stale);
  });
});

const ops = (count: number): WriteOperation[] =>
  Array.from({ length: count }, (_, i) => ({
    replaceOne: { filter: { _id: `d${i}` }, replacement: { _id: `d${i}`, v: i }, upsert: true },
  }));

const idOf = (op: WriteOperation): string => ("replaceOne" in op ? (op.replaceOne.filter._id as string) : "?");

/** A collection whose bulkWrite writes the operations it accepts to `written`, then throws `error` (if any). */
function collectionThrowing(
  fail: (operations: WriteOperation[]) => { error: unknown; accepted: WriteOperation[] } | undefined,
): CollectionPort & { written: unknown[]; calls: number } {
  const written: unknown[] = [];
  const collection = {
    written,
    calls: 0,
    async bulkWrite(operations: WriteOperation[]) {
      collection.calls++;
      const failure = fail(operations);
      for (const op of failure ? failure.accepted : operations) written.push(idOf(op));
      if (failure) throw failure.error;
      return {};
    },
  };
  return collection as unknown as CollectionPort & { written: unknown[]; calls: number };
}

const serverError = (writeErrors: unknown[], extra: Record<string, unknown> = {}) =>
  Object.assign(new Error("bulk write failed"), { name: "MongoBulkWriteError", writeErrors, ...extra });

describe("bulkWriteKeepingRefusals: which server errors are a record's own (mongo-error-codes.ts)", () => {
  const nameOf = (code: number) =>
    Object.keys(MongoErrorCode).find((name) => MongoErrorCode[name as keyof typeof MongoErrorCode] === code);
  it.each([...PERMANENT_FOR_A_RECORD].map((code) => ({ code, name: nameOf(code) })))(
    "code $code ($name) refuses that operation and keeps the others",
    async ({ code }) => {
      const collection = collectionThrowing((operations) => ({
        error: serverError([{ index: 1, code, errmsg: `refused with ${code}` }]),
        accepted: operations.filter((_, i) => i !== 1),
      }));
      const refusals = await bulkWriteKeepingRefusals(collection, ops(3), "database write");
      expect(refusals).toEqual([
        { opIndex: 1, by: "server", code, message: `refused with ${code}`, keyPattern: undefined },
      ]);
      expect(collection.written).toEqual(["d0", "d2"]);
    },
  );

  // Codes of error_codes.yml's retryable, network, timeout, interruption, not-primary, shutdown,
  // stale-routing, write-concern and overload categories, and codes no record causes.
  it.each([
    ["HostUnreachable", 6],
    ["NetworkTimeout", 89],
    ["ShutdownInProgress", 91],
    ["WriteConcernTimeout", 64],
    ["MaxTimeMSExpired", 50],
    ["WriteConflict", 112],
    ["PrimarySteppedDown", 189],
    ["ExceededTimeLimit", 262],
    ["NotWritablePrimary", 10107],
    ["InterruptedDueToReplStateChange", 11602],
    ["StaleConfig", 13388],
    ["RateLimitExceeded", 449],
    ["Unauthorized", 13],
    ["NamespaceNotFound", 26],
    ["InternalError", 1],
    ["a code unknown here", 99999],
  ])("%s (%i) fails the batch: retry it", async (_name, code) => {
    const collection = collectionThrowing(() => ({
      error: serverError([{ index: 0, code, errmsg: "x" }]),
      accepted: [],
    }));
    await expect(bulkWriteKeepingRefusals(collection, ops(2), "database write")).rejects.toMatchObject({
      code: "store_failed",
      kind: "unavailable",
    });
  });

  it.each([
    [
      "a permanent code beside a retryable one",
      {
        writeErrors: [
          { index: 0, code: 121 },
          { index: 1, code: 91 },
        ],
      },
    ],
    [
      "a write concern error beside permanent codes",
      { writeErrors: [{ index: 0, code: 121 }], writeConcernError: { code: 64 } },
    ],
    ["a server error about no operation", { code: 13, writeErrors: undefined }],
  ])("%s fails the batch", async (_name, fields) => {
    const collection = collectionThrowing(() => ({ error: Object.assign(new Error("x"), fields), accepted: [] }));
    await expect(bulkWriteKeepingRefusals(collection, ops(2), "database write")).rejects.toMatchObject({
      code: "store_failed",
    });
  });
});

describe("bulkWriteKeepingRefusals: the encoder's errors, which name no operation", () => {
  /** An encoder that cannot write the documents whose _id is in `bad`: it throws before anything is sent. */
  const encoderFailingOn = (bad: string[], name = "BSONError") =>
    collectionThrowing((operations) => {
      const ids = operations.map(idOf);
      if (!ids.some((id) => bad.includes(id))) return undefined;
      return { error: Object.assign(new Error("cannot encode"), { name }), accepted: [] };
    });

  it.each(Array.from({ length: 7 }, (_, position) => position))(
    "finds the one operation at position %i, refuses it, and writes every other",
    async (position) => {
      const collection = encoderFailingOn([`d${position}`]);
      const refusals = await bulkWriteKeepingRefusals(collection, ops(7), "database write");
      expect(refusals).toEqual([{ opIndex: position, by: "encoder", code: 0, message: "BSONError" }]);
      expect([...collection.written].sort()).toEqual(
        ["d0", "d1", "d2", "d3", "d4", "d5", "d6"].filter((id) => id !== `d${position}`),
      );
    },
  );

  it.each(["TypeError", "RangeError", "BSONVersionError", "MongoInvalidArgumentError"])(
    "treats a %s the same way",
    async (name) => {
      const refusals = await bulkWriteKeepingRefusals(encoderFailingOn(["d0", "d3"], name), ops(4), "w");
      expect(refusals.map((refusal) => [refusal.opIndex, refusal.by, refusal.message])).toEqual([
        [0, "encoder", name],
        [3, "encoder", name],
      ]);
    },
  );

  it.each([
    ["a network error", Object.assign(new Error("connection reset"), { name: "MongoNetworkError" })],
    ["a TypeError with a server code", Object.assign(new TypeError("x"), { code: 2 })],
    ["a TypeError with error labels", Object.assign(new TypeError("x"), { errorLabels: ["RetryableWriteError"] })],
    ["a plain Error", new Error("something else")],
  ])("does not take %s for the encoder's: the batch fails", async (_name, error) => {
    const collection = collectionThrowing(() => ({ error, accepted: [] }));
    await expect(bulkWriteKeepingRefusals(collection, ops(3), "w")).rejects.toMatchObject({ code: "store_failed" });
    expect(collection.calls).toBe(1);
  });
});

describe("every permanent code, through a delivery: that record dead-lettered, the rest stored, 200", () => {
  it.each([...PERMANENT_FOR_A_RECORD.keys()])("code %i", async (code) => {
    const deps = makeFirehoseDeps();
    const refusing: DataSourcePort = {
      db: (name) => ({
        collection: (collectionName) => {
          const real = deps.store.db(name).collection(collectionName);
          if (collectionName !== "firehose") return real;
          return Object.assign(Object.create(real) as CollectionPort, {
            bulkWrite: async (operations: WriteOperation[], options: { ordered: boolean }) => {
              const refused = operations.findIndex((op) => JSON.stringify(op).includes('"refuse"'));
              if (refused === -1) return real.bulkWrite(operations, options);
              await real.bulkWrite(
                operations.filter((_, i) => i !== refused),
                options,
              );
              throw serverError([{ index: refused, code, errmsg: "the server's words" }]);
            },
          });
        },
      }),
    };
    const records = [{ _id: "a" }, { _id: "b", refuse: true }, { _id: "c" }].map((doc) => ({
      data: Buffer.from(JSON.stringify(doc)).toString("base64"),
    }));
    const body = Buffer.from(JSON.stringify({ requestId: "codes", timestamp: 1, records }));
    const headers = { "X-Amz-Firehose-Request-Id": "codes", "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY };
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await receiveFirehoseDelivery(
        { method: "POST", headers, body },
        { ...deps, dataSource: refusing },
      );
      expect(response.status).toBe(200);
    }
    const stored = await deps.store.db("monitors").collection("firehose").find({}).toArray();
    expect(stored.map((doc) => doc._id)).toEqual(["a", "c"]);
    const letters = await deadLettersIn(deps.store).list();
    expect(letters.map(({ index, reasonCode, reason }) => ({ index, reasonCode, reason }))).toEqual([
      {
        index: 1,
        reasonCode: "database_refused",
        reason: `database refused the document (code ${code}): the server's words`,
      },
    ]);
  });
});
