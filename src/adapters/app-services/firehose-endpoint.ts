import { makeBsonPort } from "../../core/bson-port";

import { readFirehoseConfig } from "../../core/firehose/config";
import { receiveFirehoseDelivery } from "../../core/firehose/receive-delivery";
import { applyRecordsByCall } from "../../core/firehose/records-handoff";
import type { HeaderBag } from "../../core/firehose/protocol/request";
import { setupFailureResponse } from "../../core/firehose/protocol/response";
import { consoleLogger, systemClock } from "../../core/ports";
import { atlasDataSource, type AppServicesContext } from "./globals";
import { firehoseErrors } from "../../core/firehose/errors";

/** The function that plans and writes the records (functions/applyFirehoseRecords.js), called per chunk. */
export const APPLY_RECORDS_FUNCTION = "applyFirehoseRecords";

/** App Services counts arguments, headers and body against 18 MB per incoming request. */
export const APP_SERVICES_MAX_REQUEST_BYTES = 18 * 1000 * 1000;

/** The (historic) HTTPS endpoint request: array-valued headers, body as BSON.Binary or undefined. */
export interface EndpointRequest {
  headers?: HeaderBag;
  body?: { text?(): string; toBase64?(): string; buffer?: unknown } | undefined;
  httpMethod?: string;
}

export interface EndpointResponse {
  setStatusCode(status: number): void;
  setHeader(name: string, value: string): void;
  setBody(body: string): void;
}

/**
 * Adapter from the App Services endpoint pair `(request, response)` to the transport-free core.
 * Endpoints were retired on 2025-09-30; this stays for export parity and the local runtime. This
 * function reads the delivery and decodes its records; each chunk of them is planned and written by
 * applyFirehoseRecords, called with `context.functions.execute` in this request, within its 300 s
 * (docs/webhook.md#on-app-services).
 */
export async function handleFirehoseEndpoint(
  ctx: AppServicesContext,
  request: EndpointRequest | undefined,
  response: EndpointResponse,
): Promise<void> {
  let answer;
  try {
    const functions = ctx.functions;
    if (!functions)
      throw firehoseErrors.error(
        "setup_failed",
        `context.functions is missing: the records cannot go to ${APPLY_RECORDS_FUNCTION}`,
      );
    answer = await receiveFirehoseDelivery(
      {
        // App Services routes only the configured method (POST) here.
        method: (request && request.httpMethod) || "POST",
        headers: (request && request.headers) || {},
        body: bodyBytes(request && request.body),
      },
      {
        config: readFirehoseConfig((name) => ctx.values.get(name), APP_SERVICES_MAX_REQUEST_BYTES),
        dataSource: atlasDataSource(ctx),
        bson: makeBsonPort(BSON, EJSON),
        clock: systemClock,
        logger: consoleLogger,
        applyRecords: applyRecordsByCall((handoff) => functions.execute(APPLY_RECORDS_FUNCTION, handoff)),
      },
    );
  } catch (error) {
    // Only set-up can throw here (config, data source); the core itself always answers.
    answer = setupFailureResponse(request && request.headers, error, { logger: consoleLogger, clock: systemClock });
  }
  response.setStatusCode(answer.status);
  response.setHeader("Content-Type", answer.headers["Content-Type"]);
  response.setBody(answer.body);
}

function bodyBytes(body: EndpointRequest["body"]): Uint8Array | undefined {
  if (!body) return undefined;
  const raw = body.buffer;
  if (raw instanceof Uint8Array) return raw;
  if (typeof body.toBase64 === "function") return Buffer.from(body.toBase64(), "base64");
  if (typeof body.text === "function") return Buffer.from(body.text(), "utf8");
  return undefined;
}
