import { describe, expect, it } from "vitest";
import { isDuplicateIdError } from "../../../src/core/firehose/bulk-write-refusals";
import { MongoErrorCode } from "../../../src/core/mongo-error-codes";

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
    expect(isDuplicateIdError({ opIndex: 0, ...failure })).toBe(stale);
  });
});
