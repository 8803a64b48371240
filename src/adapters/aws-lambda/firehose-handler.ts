import { admitDelivery, refuseDelivery, type DeliveryHead } from "../../core/firehose/protocol/admit-delivery";
import type { FirehoseConfig } from "../../core/firehose/config";
import type { DeliveryObserver } from "../../core/firehose/delivery-report";
import { checkHealth, healthResponse } from "../../core/firehose/health";
import { receiveFirehoseDelivery } from "../../core/firehose/receive-delivery";
import { setupFailureResponse } from "../../core/firehose/protocol/response";
import { consoleLogger, systemClock, type Clock, type DataSourcePort, type Logger } from "../../core/ports";
import { nodeBson } from "../bson/node-bson";
import { decodeUtf8Run } from "../node/decode-utf8-run";
import { applyRecordsInProcess } from "../../core/firehose/apply/apply-records";

/**
 * The subset of Lambda HTTP events we read: Function URL and API Gateway HTTP API (payload 2.0) and
 * REST API (payload 1.0). Declared here instead of importing @types/aws-lambda.
 */
export interface LambdaHttpEvent {
  version?: string;
  httpMethod?: string;
  /** Payload 2.0's path; 1.0 has `path`. */
  rawPath?: string;
  path?: string;
  requestContext?: { http?: { method?: string }; httpMethod?: string };
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/** The store as the Lambda uses it: where deliveries go, and a ping for health checks. */
export interface LambdaStore {
  readonly dataSource: DataSourcePort;
  readonly description: string;
  ping(timeoutMs: number): Promise<void>;
}

export interface FirehoseLambdaOptions {
  /** The settings, read without connecting anywhere; throws (BridgeError) when one is invalid. */
  readonly readConfig: () => FirehoseConfig;
  /** The store, connected once per container (a failed connect is tried again next time). */
  readonly openStore: () => Promise<LambdaStore>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Told what each delivery did (CloudWatch metrics). */
  readonly observer?: DeliveryObserver;
  /** Runs after a delivery the core answered, before the handler returns (Lambda freezes after); its errors are its own. */
  readonly afterDelivery?: (ready: { dataSource: DataSourcePort; config: FirehoseConfig }) => Promise<void>;
}

/**
 * The webhook as a Lambda handler. A POST is a delivery: the core's admission is run on its headers
 * first, so a request with a wrong key, a wrong method or no configured key is answered before its
 * body is decoded or the database is opened. `GET /healthz` (or `/health`) answers whether a
 * delivery would succeed now (settings, access key, the database answering a ping), as the Node
 * server's does.
 */
export function createFirehoseLambdaHandler(
  options: FirehoseLambdaOptions,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  const logger = options.logger || consoleLogger;
  const clock = options.clock || systemClock;
  const hostDeps = { logger, clock, observer: options.observer };
  return async (event) => {
    const started = clock.now();
    const head: DeliveryHead = {
      method:
        (event.requestContext && event.requestContext.http && event.requestContext.http.method) ||
        event.httpMethod ||
        "",
      headers: { ...(event && event.multiValueHeaders), ...(event && event.headers) },
    };
    const path = event.rawPath || event.path || "";
    if (head.method.toUpperCase() === "GET" && (path === "/healthz" || path === "/health")) {
      const health = await checkHealth({ config: options.readConfig, store: options.openStore }, logger);
      return lambdaResult(healthResponse(health));
    }
    let config: FirehoseConfig;
    try {
      config = options.readConfig();
    } catch (error) {
      return lambdaResult(setupFailureResponse(head.headers, error, hostDeps, started));
    }
    const admission = admitDelivery(head, config, { requireRequestId: true });
    if (!admission.ok) return lambdaResult(refuseDelivery(head, admission.error, hostDeps));
    let store: LambdaStore;
    try {
      store = await options.openStore();
    } catch (error) {
      // No MONGODB_URI (named in the answer), or the cluster unreachable (named in the log only).
      return lambdaResult(setupFailureResponse(head.headers, error, hostDeps, started));
    }
    const body =
      typeof event.body === "string" ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : undefined;
    const answer = await receiveFirehoseDelivery(
      { method: head.method, headers: head.headers, body },
      {
        ...hostDeps,
        config,
        dataSource: store.dataSource,
        bson: nodeBson,
        decodeUtf8Run,
        applyRecords: applyRecordsInProcess,
      },
    );
    if (options.afterDelivery)
      await options.afterDelivery({ dataSource: store.dataSource, config }).catch(() => undefined);
    return lambdaResult(answer);
  };
}

function lambdaResult(answer: { status: number; headers: { "Content-Type": string }; body: string }): LambdaHttpResult {
  return {
    statusCode: answer.status,
    headers: { "content-type": answer.headers["Content-Type"] },
    body: answer.body,
    isBase64Encoded: false,
  };
}
