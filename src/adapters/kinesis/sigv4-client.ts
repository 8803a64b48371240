import aws4 from "aws4";
import { URL } from "url";
import { isRetryableErrorCode, KinesisError, type KinesisPort } from "../../core/kinesis/port";

/** How a signed request leaves the process: Node's http(s) here and in App Services, a fake in tests. */
export interface HttpTransport {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }>;
}

export interface KinesisSettings {
  readonly streamName: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Override for a local emulator, e.g. http://127.0.0.1:4568; default https://kinesis.<region>.amazonaws.com. */
  readonly endpoint?: string;
  readonly timeoutMs: number;
}

/**
 * A minimal Kinesis Data Streams client (AWS JSON 1.1 over HTTP POST, SigV4 by `aws4`) that runs on
 * App Services' Node 10 API: no SDK, no http2, a few kilobytes bundled.
 */
export function createKinesisClient(settings: KinesisSettings, transport: HttpTransport): KinesisPort {
  const call = createKinesisCall(settings, transport);
  return {
    putRecord: (entry) =>
      call("PutRecord", { StreamName: settings.streamName, Data: entry.Data, PartitionKey: entry.PartitionKey }),
    putRecords: (entries) =>
      call("PutRecords", {
        StreamName: settings.streamName,
        Records: entries.map((e) => ({ Data: e.Data, PartitionKey: e.PartitionKey })),
      }),
  };
}

/** Any Kinesis API operation, signed; errors become KinesisError. (The producer needs only two.) */
export function createKinesisCall(settings: Omit<KinesisSettings, "streamName">, transport: HttpTransport) {
  const endpoint = new URL(settings.endpoint || `https://kinesis.${settings.region}.amazonaws.com`);

  return async function call<T>(operation: string, payload: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(payload);
    const request = {
      host: endpoint.host,
      path: "/",
      method: "POST",
      service: "kinesis",
      region: settings.region,
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `Kinesis_20131202.${operation}`,
      } as Record<string, string>,
      body,
    };
    aws4.sign(request, {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      sessionToken: settings.sessionToken,
    });
    let response: { status: number; body: string };
    try {
      response = await transport.post(
        `${endpoint.protocol}//${endpoint.host}/`,
        request.headers,
        body,
        settings.timeoutMs,
      );
    } catch (error) {
      throw new KinesisError("NetworkError", error instanceof Error ? error.message : String(error), true);
    }
    if (response.status === 200) return (response.body ? JSON.parse(response.body) : {}) as T;
    let code = `HTTP${response.status}`;
    let message = response.body.slice(0, 300);
    try {
      const parsed = JSON.parse(response.body) as { __type?: string; message?: string; Message?: string };
      if (parsed.__type) code = parsed.__type.split("#").pop() as string;
      message = parsed.message || parsed.Message || message;
    } catch {
      // not JSON: keep the status and the start of the body
    }
    const retryable = response.status >= 500 || response.status === 429 || isRetryableErrorCode(code);
    throw new KinesisError(code, message, retryable, response.status);
  };
}
