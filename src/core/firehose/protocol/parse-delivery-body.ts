import { BridgeError } from "../../errors";
import type { BodyStrategy } from "./delivery-body";

export interface FirehoseRecord {
  readonly data?: unknown;
}

export interface FirehoseBody {
  readonly requestId: string;
  readonly timestamp?: number;
  readonly records: readonly FirehoseRecord[];
}

/** Parses and checks the delivery body's shape. Individual records are checked later, one by one. */
export function parseDeliveryBody(text: string): FirehoseBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the body; record contents never go into a response or a log.
    throw new BridgeError("body_invalid", "body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BridgeError("body_invalid");
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body.requestId !== "string" || body.requestId.length === 0) {
    throw new BridgeError("body_invalid", "body.requestId must be a non-empty string");
  }
  if (!Array.isArray(body.records)) throw new BridgeError("body_invalid", "body.records must be an array");
  if (body.timestamp !== undefined && typeof body.timestamp !== "number") {
    throw new BridgeError("body_invalid", "body.timestamp must be a number of milliseconds");
  }
  return {
    requestId: body.requestId,
    timestamp: body.timestamp as number | undefined,
    records: body.records as FirehoseRecord[],
  };
}

/**
 * The full parse as a reading strategy: JSON.parse, which reads every body JSON allows and gives
 * every malformed body its answer (it never passes a body on).
 */
export const parsedBody: BodyStrategy = (body) => {
  const parsed = parseDeliveryBody(body.toString("utf8"));
  const dataOf = (index: number): unknown => {
    const record: unknown = parsed.records[index];
    return record !== null && typeof record === "object" ? (record as FirehoseRecord).data : undefined;
  };
  return {
    requestId: parsed.requestId,
    recordCount: parsed.records.length,
    dataOf,
    textLength: (index) => {
      const data = dataOf(index);
      return typeof data === "string" ? data.length : 0;
    },
    readsAsJson: () => true,
  };
};
