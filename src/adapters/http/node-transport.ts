import * as http from "http";
import * as https from "https";
import { URL } from "url";
import type { HttpTransport } from "../kinesis/sigv4-client";

/** Any HTTP call (the Admin API needs GET and PUT besides POST); the body is read whole. */
export interface HttpRequester {
  request(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }>;
}

/**
 * HttpTransport over Node's http/https modules (present in App Services; no fetch there). Keep-alive
 * agents reuse connections within one function instance; App Services allows 25 sockets.
 */
export function createNodeTransport(maxSockets = 10): HttpTransport & HttpRequester {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets }),
  };
  const request: HttpRequester["request"] = (method, url, headers, body, timeoutMs) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const client = target.protocol === "https:" ? https : http;
      const req = client.request(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method,
          headers: body === undefined ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
          agent: agents[target.protocol as "http:" | "https:"],
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode || 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  return {
    request,
    post: (url, headers, body, timeoutMs) => request("POST", url, headers, body, timeoutMs),
  };
}
