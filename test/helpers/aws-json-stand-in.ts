import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request to an AWS JSON-protocol service: the operation (from X-Amz-Target) and its body. */
export interface AwsJsonCall {
  readonly target: string;
  readonly body: Record<string, unknown>;
  /** Whether the request was signed (SigV4 Authorization header present). */
  readonly signed: boolean;
}

export type AwsJsonAnswer = { status: number; body: Record<string, unknown> };

/**
 * A loopback stand-in of an AWS service that speaks the JSON protocol (Secrets Manager, Kinesis):
 * POST / with `X-Amz-Target: <service>.<Operation>` and a JSON body; errors are `{"__type", "message"}`
 * with a 4xx status, as the SDKs read them. It answers what `answer` says and records every call.
 */
export async function startAwsJsonStandIn(
  answer: (call: AwsJsonCall) => AwsJsonAnswer,
): Promise<{ endpoint: string; calls: AwsJsonCall[]; stop(): Promise<void> }> {
  const calls: AwsJsonCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const call: AwsJsonCall = {
        target: String(req.headers["x-amz-target"] ?? ""),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        signed: /^AWS4-HMAC-SHA256 /.test(String(req.headers.authorization ?? "")),
      };
      calls.push(call);
      const { status, body } = answer(call);
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
