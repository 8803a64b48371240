import { EJSON, ObjectId } from "bson";
import type { FirehoseDeliveryRequest } from "../src/core/firehose/protocol/request";
import { BENCH_ACCESS_KEY } from "./harness";

const LONG_INTEGER = "<int64>";

/**
 * The benchmark's delivery: `count` records of about `recordBytes` of JSON each, with non-ASCII
 * text and Extended JSON types ($date, $numberDecimal, $numberLong, $binary). `_id` is a hex string
 * so the seed baseline, which calls `new ObjectId(document._id)`, can run on the same request; with
 * `longIntegers`, a snowflake Int64 beyond 2^53 written as a bare number (relaxed Extended JSON).
 */
export function buildDeliveryBody(
  count: number,
  recordBytes = 1024,
  options: { longIntegers?: boolean } = {},
): { requestId: string; timestamp: number; records: { data: string }[] } {
  const records = [];
  for (let i = 0; i < count; i++) {
    const base = {
      _id: options.longIntegers ? LONG_INTEGER : new ObjectId().toHexString(),
      node: `pi-${i % 64}-zürich-東京`,
      humidity: 40 + (i % 17) / 7,
      temperature: { $numberDecimal: `21.${i % 1000}` },
      pressure: { $numberLong: String(101325 + i) },
      movement: i % 3 === 0,
      acceleration: { x: 0.01 * (i % 7), y: -0.02, z: 9.81 },
      raw: { $binary: { base64: "3q2+7wABAgM=", subType: "00" } },
      recordedAt: { $date: { $numberLong: String(1763771100123 + i) } },
      note: "",
    };
    const overhead = Buffer.byteLength(JSON.stringify(base));
    const filler = "Température ☃ ñ 東 ".repeat(Math.max(0, Math.ceil((recordBytes - overhead) / 24)));
    let text = JSON.stringify({ ...base, note: filler });
    // A snowflake _id as relaxed Extended JSON writes an Int64: a bare number with all its digits.
    if (options.longIntegers) text = text.replace(`"${LONG_INTEGER}"`, String(1217532254631850005n + BigInt(i)));
    records.push({ data: Buffer.from(text, "utf8").toString("base64") });
  }
  return { requestId: "bench-5b0e8a52-3c1d-4f0e-9a51-2f4a7c9d1e10", timestamp: 1763771100123, records };
}

/** One reading of the exact-mirror and reconcile benchmarks, as its source holds it. */
export function readingDocument(n: number, id: ObjectId) {
  return {
    _id: id,
    sensor: `pi-${n % 50}`,
    reading: n * 0.25,
    count: n,
    tags: ["a", "b"],
    at: new Date(1763771100000 + n),
  };
}

/** A delivery of `texts` (one record each) as the webhook core receives it, with the bench's access key. */
export function deliveryRequest(requestId: string, texts: string[]): FirehoseDeliveryRequest {
  const records = texts.map((text) => ({ data: Buffer.from(text).toString("base64") }));
  return {
    method: "POST",
    headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": BENCH_ACCESS_KEY },
    body: Buffer.from(JSON.stringify({ requestId, timestamp: 1, records })),
  };
}

/** Parses a record the way the floor does, to check the generator (and EJSON validity) once. */
export function checkRecord(data: string): void {
  EJSON.parse(Buffer.from(data, "base64").toString("utf8"), { relaxed: false });
}
