import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { headerLookup } from "../../core/firehose/request";
import { firehoseResponse } from "../../core/firehose/response";

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

export function createFirehoseLambdaHandler(
  getDeps: () => Promise<FirehoseDeliveryDeps>,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  return async (event) => {
    const headers = { ...(event && event.multiValueHeaders), ...(event && event.headers) };
    let answer;
    try {
      const deps = await getDeps();
      const method = (event.requestContext && event.requestContext.http && event.requestContext.http.method) || event.httpMethod || "";
      const body =
        typeof event.body === "string" ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : undefined;
      answer = await receiveFirehoseDelivery({ method, headers, body }, deps);
    } catch (error) {
      // Set-up failed (no MONGODB_URI, unreachable cluster): a 500 makes Firehose keep and retry the batch.
      console.error(JSON.stringify({ level: "error", msg: "firehose lambda set-up failed", error: String(error) }));
      const requestId = headerLookup(headers)("x-amz-firehose-request-id") || "";
      answer = firehoseResponse(500, requestId, Date.now(), "receiver set-up failed; retry");
    }
    return { statusCode: answer.status, headers: { "content-type": answer.headers["Content-Type"] }, body: answer.body, isBase64Encoded: false };
  };
}
