import type { BodyStrategy } from "./delivery-body";
import { firehoseErrors } from "../errors";

export interface FirehoseRecord {
  readonly data?: unknown;
}

/**
 * The full parse as a reading strategy: JSON.parse, which reads every body JSON allows, then the
 * body's shape checked (records one by one later). It never passes a body on: a malformed one gets
 * its answer here.
 */
export const parsedBody: BodyStrategy = (bytes) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    // The parser's message quotes the body; record contents never go into a response or a log.
    throw firehoseErrors.error("body_invalid", "body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw firehoseErrors.error("body_invalid");
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body.requestId !== "string" || body.requestId.length === 0) {
    throw firehoseErrors.error("body_invalid", "body.requestId must be a non-empty string");
  }
  const records = body.records;
  if (!Array.isArray(records)) throw firehoseErrors.error("body_invalid", "body.records must be an array");
  if (body.timestamp !== undefined && typeof body.timestamp !== "number") {
    throw firehoseErrors.error("body_invalid", "body.timestamp must be a number of milliseconds");
  }
  const dataOf = (index: number): unknown => {
    const record: unknown = records[index];
    return record !== null && typeof record === "object" ? (record as FirehoseRecord).data : undefined;
  };
  return {
    requestId: body.requestId,
    recordCount: records.length,
    dataOf,
    textLength: (index) => {
      const data = dataOf(index);
      return typeof data === "string" ? data.length : 0;
    },
    readsAsJson: () => true,
  };
};
