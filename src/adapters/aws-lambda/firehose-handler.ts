import { statusForKind } from "../../core/errors";
import { admitDelivery } from "../../core/firehose/admit-delivery";
import { NO_RECORDS, type DeliveryObserver } from "../../core/firehose/delivery-report";
import type { FirehoseConfig } from "../../core/firehose/config";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { headerLookup } from "../../core/firehose/request";
import { firehoseResponse, setupFailureResponse } from "../../core/firehose/response";

/**
 * The subset of Lambda HTTP events we read: Function URL and API Gateway HTTP API (payload 2.0) and
 * REST API (payload 1.0). Declared here instead of importing @types/aws-lambda.
 */
export interface LambdaHttpEvent {
  version?: string;
  httpMethod?: string;
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

/**
 * `readConfig` gives the access keys without connecting anywhere: a request with a wrong key, a wrong
 * method or no configured key is answered before its body is decoded or the database is opened.
 */
export function createFirehoseLambdaHandler(
  getDeps: () => Promise<FirehoseDeliveryDeps>,
  readConfig?: () => Pick<FirehoseConfig, "accessKeys">,
  observer?: DeliveryObserver,
  /** Runs after a delivery the core answered, before the handler returns (Lambda freezes after); its errors are its own. */
  afterDelivery?: (deps: FirehoseDeliveryDeps) => Promise<void>,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  return async (event) => {
    const headers = { ...(event && event.multiValueHeaders), ...(event && event.headers) };
    const requestId = headerLookup(headers)("x-amz-firehose-request-id") || "";
    const method =
      (event.requestContext && event.requestContext.http && event.requestContext.http.method) || event.httpMethod || "";
    const started = Date.now();
    let answer;
    let reported = false;
    try {
      const refused = readConfig
        ? admitDelivery(method, headers, readConfig(), { requireRequestId: false })
        : undefined;
      if (refused) {
        console.warn(
          JSON.stringify({
            level: "warn",
            msg: "firehose delivery",
            requestId,
            status: statusForKind[refused.kind],
            outcome: refused.kind,
            bodyRead: false,
          }),
        );
        answer = firehoseResponse(statusForKind[refused.kind], requestId, Date.now(), refused.message);
      } else {
        const deps = await getDeps();
        const body =
          typeof event.body === "string"
            ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
            : undefined;
        // The core reports what it answered; the handler reports only what it answered itself.
        answer = await receiveFirehoseDelivery({ method, headers, body }, observer ? { ...deps, observer } : deps);
        reported = true;
        if (afterDelivery) await afterDelivery(deps).catch(() => undefined);
      }
    } catch (error) {
      // Set-up failed (no MONGODB_URI, unreachable cluster, bad configuration).
      answer = setupFailureResponse(headers, error, Date.now(), (line) => console.error(JSON.stringify(line)));
    }
    if (observer && !reported) {
      observer.delivered({
        status: answer.status,
        durationMs: Date.now() - started,
        bodyBytes: 0,
        records: NO_RECORDS,
      });
    }
    return {
      statusCode: answer.status,
      headers: { "content-type": answer.headers["Content-Type"] },
      body: answer.body,
      isBase64Encoded: false,
    };
  };
}
