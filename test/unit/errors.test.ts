import { describe, expect, it } from "vitest";
import { CaptureListError } from "../../src/core/capture/shaping/capture-list";
import { RecordTooLargeError } from "../../src/core/capture/publish/kinesis-record";
import { CAPTURE_ERRORS, captureErrors } from "../../src/core/capture/errors";
import { EJSON_ERRORS, ejsonErrors } from "../../src/core/ejson/errors";
import {
  asBridgeError,
  BridgeError,
  describeError,
  ERRORS,
  failure,
  statusForKind,
  toError,
  type ErrorCode,
  type ErrorTable,
} from "../../src/core/errors";
import { FIREHOSE_ERRORS, firehoseErrors } from "../../src/core/firehose/errors";
import { DEAD_LETTER_REASONS, refusal } from "../../src/core/firehose/dead-letters/dead-letter-reasons";
import { setupFailureResponse } from "../../src/core/firehose/protocol/response";
import { KinesisError } from "../../src/core/kinesis/port";
import { RetryExhaustedError } from "../../src/core/kinesis/put-records";
import { parseFirehoseResponse, recordingLogger } from "../helpers/firehose";

/** One error vocabulary: kind (decides the answer), stable code, message for people, cause for the log. */
describe("the error vocabulary", () => {
  it("answers every kind with a status Firehose retries and backs up (never 413, never 3xx)", () => {
    for (const status of Object.values(statusForKind)) {
      expect(status).not.toBe(413);
      expect([400, 401, 405, 500, 503]).toContain(status);
    }
  });

  it.each(Object.keys(ERRORS) as ErrorCode[])("%s: thrown or returned, the same kind, code and message", (code) => {
    const thrown = new BridgeError(code);
    const returned = failure(code);
    expect(thrown).toMatchObject({ kind: ERRORS[code].kind, code, message: ERRORS[code].message });
    expect(returned).toEqual({ kind: ERRORS[code].kind, code, message: ERRORS[code].message });
    expect(toError(returned)).toMatchObject(returned);
    expect(statusForKind[thrown.kind]).toEqual(expect.any(Number));
  });

  // Each capability's own codes, bound with errorsOf: thrown, returned and caught as the shared ones are.
  const bound: { name: string; table: ErrorTable; errors: typeof firehoseErrors }[] = [
    { name: "the webhook's", table: FIREHOSE_ERRORS, errors: firehoseErrors },
    { name: "capture's", table: CAPTURE_ERRORS, errors: captureErrors as unknown as typeof firehoseErrors },
    { name: "the record reader's", table: EJSON_ERRORS, errors: ejsonErrors as unknown as typeof firehoseErrors },
  ];
  it.each(
    bound.flatMap(({ name, table, errors }) => Object.keys(table).map((code) => ({ name, code, table, errors }))),
  )("$name $code: thrown, returned or caught, the same kind, code and message", ({ code, table, errors }) => {
    const c = code as keyof typeof FIREHOSE_ERRORS;
    const expected = { kind: table[code].kind, code, message: table[code].message };
    const thrown = errors.error(c);
    expect(thrown).toBeInstanceOf(BridgeError);
    expect(thrown).toMatchObject(expected);
    expect(errors.failure(c)).toEqual(expected);
    expect(toError(errors.failure(c))).toMatchObject(expected);
    expect(errors.error(c, "more precise", { cause: "why" })).toMatchObject({
      ...expected,
      message: "more precise",
      cause: "why",
    });
    const foreign = new Error("driver text");
    expect(errors.as(foreign, c)).toMatchObject({ ...expected, cause: foreign });
    expect(errors.as(thrown, c)).toBe(thrown);
  });

  it("each code has one home: no code is in two tables", () => {
    const codes = [ERRORS, FIREHOSE_ERRORS, CAPTURE_ERRORS, EJSON_ERRORS].flatMap((table) => Object.keys(table));
    expect(codes.length).toBeGreaterThan(30);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("keeps causes, and wraps a foreign error without showing its text", () => {
    const driver = new Error("connect ECONNREFUSED 10.0.0.7:27017");
    const wrapped = firehoseErrors.as(driver, "setup_failed");
    expect(wrapped).toMatchObject({ kind: "not_ready", code: "setup_failed", message: "receiver set-up failed" });
    expect(wrapped.cause).toBe(driver);
    expect(describeError(wrapped)).toContain("ECONNREFUSED"); // the log has it
    const own = new BridgeError("mongodb_uri_missing");
    expect(asBridgeError(own, "setting_invalid")).toBe(own);
    expect(asBridgeError(driver, "setting_invalid")).toMatchObject({ kind: "misconfigured", cause: driver });
  });

  it.each([
    {
      error: new KinesisError("ProvisionedThroughputExceededException", "Rate exceeded", true, 400),
      kind: "unavailable",
    },
    { error: new KinesisError("AccessDeniedException", "not authorized", false, 400), kind: "refused" },
    { error: new KinesisError("Misconfigured", "missing values AWS_REGION", false), kind: "misconfigured" },
  ])("a Kinesis error keeps Kinesis's own code, with a kind: $error.code", ({ error, kind }) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect(error.kind).toBe(kind);
    expect(error.retryable).toBe(kind === "unavailable");
    // What the outbox stores as lastError (and `npm run status` groups) is unchanged.
    expect(describeError(error)).toBe(`KinesisError: ${error.code}: ${error.message.slice(error.code.length + 2)}`);
  });

  it("puts the other errors of the capture path in the vocabulary, with their data", () => {
    const cause = new KinesisError("InternalFailure", "x", true);
    const gaveUp = new RetryExhaustedError(4, cause, [true, false]);
    expect(gaveUp).toMatchObject({
      kind: "unavailable",
      code: "kinesis_gave_up",
      attempts: 4,
      delivered: [true, false],
    });
    expect(gaveUp.cause).toBe(cause);
    expect(new RecordTooLargeError(2_000_000, 1_024_000)).toMatchObject({ kind: "refused", code: "record_too_large" });
    expect(new CaptureListError(["line 2: bad"])).toMatchObject({
      kind: "misconfigured",
      code: "capture_list_invalid",
    });
  });

  it("gives a refused record a dead-letter code and its sentence", () => {
    expect(refusal("not_json")).toEqual({ kind: "refused", code: "not_json", message: DEAD_LETTER_REASONS.not_json });
    expect(refusal("database_refused", "code 121")).toEqual({
      kind: "refused",
      code: "database_refused",
      message: "code 121",
    });
  });
});

describe("setupFailureResponse", () => {
  it.each([
    {
      name: "our own configuration error: named",
      error: new BridgeError("setting_invalid", "FIREHOSE_DATABASE must be a database or collection name"),
      errorMessage: "receiver set-up failed: FIREHOSE_DATABASE must be a database or collection name; retry",
    },
    {
      name: "a driver's error: in the log only",
      error: new Error("getaddrinfo ENOTFOUND cluster0.example.net"),
      errorMessage: "receiver set-up failed; retry",
    },
  ])("answers 500 with the request id: $name", ({ error, errorMessage }) => {
    const logger = recordingLogger();
    const answer = setupFailureResponse({ "X-Amz-Firehose-Request-Id": "r-1" }, error, {
      logger,
      clock: { now: () => 5 },
    });
    expect(answer.status).toBe(500);
    expect(parseFirehoseResponse(answer.body)).toEqual({ requestId: "r-1", timestamp: 5, errorMessage });
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: "error", requestId: "r-1", error: describeError(error) }),
    ]);
  });
});
