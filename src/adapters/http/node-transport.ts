import * as http from "http";
import * as https from "https";
import { URL } from "url";
import type { HttpTransport } from "../kinesis/sigv4-client";

/**
 * HttpTransport over Node's http/https modules (present in App Services; no fetch there). Keep-alive
 * agents reuse connections within one function instance; App Services allows 25 sockets.
 */
export function createNodeTransport(maxSockets = 10): HttpTransport {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets }),
  };
  return {
    post(url, headers, body, timeoutMs) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const client = target.protocol === "https:" ? https : http;
        const req = client.request(
          {
            protocol: target.protocol,
            hostname: target.hostname,
            port: target.port,
            path: target.pathname,
            method: "POST",
            headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
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
    },
  };
}
