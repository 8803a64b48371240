/**
 * The sending half of the local Firehose (firehose-simulator.ts reads the stream and batches; this
 * sends one batch): what Amazon Data Firehose does to put a batch on an HTTP endpoint. Called a
 * sender because a "delivery" in the webhook's core is the request as received.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** One attempt's outcome, as Firehose classifies it (its HTTP endpoint delivery specification: 200 is success, 413 is permanent, anything else is retried). */
export interface AttemptResult {
  readonly ok: boolean;
  readonly status?: number;
  /** HttpEndpoint.* error code when not ok. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface SendResult {
  readonly requestId: string;
  /** "abandoned": `giveUpAfterConnectionFailures` was reached; nothing was backed up (see the option). */
  readonly outcome: "delivered" | "backed-up" | "dropped-413" | "abandoned";
  readonly attempts: number;
  readonly delays: number[];
  readonly lastError?: string;
}

export interface SenderOptions {
  url: string;
  accessKey?: string;
  sourceArn?: string;
  gzip?: boolean;
  commonAttributes?: Record<string, string>;
  /** Retry window (RetryOptions.DurationInSeconds); 0 = no retries. Default 300 s. */
  retryDurationMs?: number;
  /** Per-attempt response deadline; Firehose waits 3 minutes. */
  responseTimeoutMs?: number;
  /** Where batches that finally fail are written, one JSON error record per record (as to S3). */
  backupDir: string;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Shrinks every backoff delay (tests and demos); 1 = Firehose's real schedule. */
  timeScale?: number;
  /**
   * Not Firehose's behaviour, for a person trying the simulator: after this many attempts in a row
   * that could not connect, with the same error (nothing listens there, the name does not resolve),
   * stop retrying and answer "abandoned" without a backup, so the caller keeps the batch.
   */
  giveUpAfterConnectionFailures?: number;
}

/** Firehose's documented backoff: 1 s doubling, ±15 % jitter, capped at 2 minutes. */
export function firehoseBackoff(retry: number, random: () => number): number {
  return Math.min(120_000, 1000 * Math.pow(2, retry)) * (0.85 + 0.3 * random());
}

/**
 * Sends one batch of records to an HTTP endpoint exactly as Amazon Data Firehose does: one request
 * id reused on every attempt, the X-Amz-Firehose-* headers, optional gzip, a strict check of the
 * response, retries with Firehose's backoff inside the retry window, 413 as a permanent failure
 * without backup, no redirects followed, and an S3-style error record per record on expiry.
 */
export async function sendBatch(
  records: readonly Buffer[],
  arrivalTimestamps: readonly number[],
  options: SenderOptions,
): Promise<SendResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const scale = options.timeScale ?? 1;
  const retryWindow = options.retryDurationMs ?? 300_000;
  const requestId = randomUUID();
  const body = Buffer.from(
    JSON.stringify({ requestId, timestamp: now(), records: records.map((r) => ({ data: r.toString("base64") })) }),
  );
  const payload = options.gzip ? gzipSync(body) : body;
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Amz-Firehose-Protocol-Version": "1.0",
    "X-Amz-Firehose-Request-Id": requestId,
    "X-Amz-Firehose-Source-Arn": options.sourceArn ?? "arn:aws:firehose:us-east-1:000000000000:deliverystream/local",
    "User-Agent": "Amazon Kinesis Data Firehose Agent/1.0",
  };
  if (options.accessKey !== undefined) headers["X-Amz-Firehose-Access-Key"] = options.accessKey;
  if (options.commonAttributes)
    headers["X-Amz-Firehose-Common-Attributes"] = JSON.stringify({ commonAttributes: options.commonAttributes });
  if (options.gzip) headers["Content-Encoding"] = "gzip";

  const delays: number[] = [];
  let attempts = 0;
  let waited = 0;
  let last: AttemptResult = { ok: false };
  let connectionFailures = 0;
  for (;;) {
    attempts++;
    const previous = last;
    last = await attempt(options.url, headers, payload, requestId, options.responseTimeoutMs ?? 180_000);
    if (last.ok) return { requestId, outcome: "delivered", attempts, delays };
    if (last.status === 413) return { requestId, outcome: "dropped-413", attempts, delays, lastError: describe(last) };
    const connectionFailed = last.errorCode === "HttpEndpoint.ConnectionFailed";
    connectionFailures =
      connectionFailed && last.errorMessage === previous.errorMessage
        ? connectionFailures + 1
        : connectionFailed
          ? 1
          : 0;
    if (options.giveUpAfterConnectionFailures && connectionFailures >= options.giveUpAfterConnectionFailures)
      return { requestId, outcome: "abandoned", attempts, delays, lastError: describe(last) };
    // The window counts the waits between attempts, not the time spent waiting for answers; the last
    // wait is clamped to what is left of it.
    const remaining = retryWindow * scale - waited;
    if (remaining <= 0) break;
    const delay = Math.min(firehoseBackoff(attempts - 1, random) * scale, remaining);
    delays.push(delay);
    waited += delay;
    await sleep(delay);
  }
  backup(records, arrivalTimestamps, attempts, last, now(), options.backupDir, requestId);
  return { requestId, outcome: "backed-up", attempts, delays, lastError: describe(last) };
}

function describe(result: AttemptResult): string {
  return `${result.errorCode}${result.status ? ` (HTTP ${result.status})` : ""}: ${result.errorMessage ?? ""}`;
}

function attempt(
  url: string,
  headers: Record<string, string>,
  payload: Buffer,
  requestId: string,
  timeoutMs: number,
): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      target,
      { method: "POST", headers: { ...headers, "Content-Length": String(payload.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 1024 * 1024) chunks.push(chunk);
        });
        res.on("end", () =>
          resolve(checkResponse(res.statusCode || 0, res.headers, Buffer.concat(chunks), size, requestId)),
        );
        res.on("error", (error) =>
          resolve({ ok: false, errorCode: "HttpEndpoint.ConnectionReset", errorMessage: error.message }),
        );
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { timeout: true })),
    );
    req.on("error", (error: Error & { code?: string; timeout?: boolean }) => {
      const code = error.timeout
        ? "HttpEndpoint.RequestTimeout"
        : error.code === "ECONNRESET"
          ? "HttpEndpoint.ConnectionReset"
          : "HttpEndpoint.ConnectionFailed";
      resolve({ ok: false, errorCode: code, errorMessage: error.message });
    });
    req.end(payload);
  });
}

/** Firehose's acceptance rules for an answer; anything else counts as a failed attempt. */
export function checkResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  size: number,
  requestId: string,
): AttemptResult {
  if (status >= 300 && status < 400)
    return {
      ok: false,
      status,
      errorCode: "HttpEndpoint.DestinationException",
      errorMessage: "redirect responses are not followed",
    };
  if (status !== 200) {
    let message = body.toString("utf8").slice(0, 8192);
    try {
      const parsed = JSON.parse(message) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === "string") message = parsed.errorMessage;
    } catch {
      // keep the raw text
    }
    return { ok: false, status, errorCode: "HttpEndpoint.DestinationException", errorMessage: message };
  }
  const invalid = (reason: string): AttemptResult => ({
    ok: false,
    status,
    errorCode: "HttpEndpoint.InvalidResponseFromDestination",
    errorMessage: reason,
  });
  const type = String(headers["content-type"] || "")
    .split(";")[0]
    .trim()
    .toLowerCase();
  if (type !== "application/json") return invalid(`content type "${type}" is not application/json`);
  if (headers["content-encoding"]) return invalid("the response must not be compressed");
  if (size >= 1024 * 1024) return invalid("response of 1 MiB or more");
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return invalid("body is not JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return invalid("body is not a JSON object");
  const unexpected = Object.keys(parsed).filter((key) => !["requestId", "timestamp", "errorMessage"].includes(key));
  if (unexpected.length > 0) return invalid(`unexpected fields: ${unexpected.join(", ")}`);
  if (parsed.requestId !== requestId) return invalid("requestId is missing or does not match");
  if (typeof parsed.timestamp !== "number") return invalid("timestamp is missing or not a number");
  return { ok: true, status };
}

function backup(
  records: readonly Buffer[],
  arrivals: readonly number[],
  attempts: number,
  last: AttemptResult,
  endedAt: number,
  dir: string,
  requestId: string,
): void {
  mkdirSync(dir, { recursive: true });
  records.forEach((record, i) => {
    const entry = {
      attemptsMade: attempts,
      arrivalTimestamp: arrivals[i],
      errorCode: last.errorCode ?? "HttpEndpoint.DestinationException",
      errorMessage: last.errorMessage ?? "",
      attemptEndingTimestamp: endedAt,
      rawData: record.toString("base64"),
      subsequenceNumber: 0,
      dataId: `${requestId}.${i}`,
    };
    writeFileSync(join(dir, `${requestId}-${String(i).padStart(5, "0")}.json`), `${JSON.stringify(entry)}\n`);
  });
}
