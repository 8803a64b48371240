import { Binary } from "bson";
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** The App Services globals besides `context.values`/`services`/`functions`: `context.http` and `utils`. */

export interface HttpCall {
  url: string;
  headers?: Record<string, string[]>;
  body?: string;
  encodeBodyAsJSON?: boolean;
}

/** `context.http`: plain Node requests; the response body is a Binary with text(), as in App Services. */
export function localHttp(
  method: string,
  call: HttpCall,
): Promise<{
  status: string;
  statusCode: number;
  headers: Record<string, string[]>;
  body: Binary & { text(): string };
}> {
  return new Promise((resolve, reject) => {
    const url = new URL(call.url);
    const headers = Object.fromEntries(Object.entries(call.headers || {}).map(([k, v]) => [k, v[0]]));
    const body = call.encodeBodyAsJSON ? JSON.stringify(call.body) : call.body;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: `${res.statusCode} ${res.statusMessage}`,
          statusCode: res.statusCode || 0,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v : [String(v)]]),
          ),
          body: Object.assign(new Binary(bytes), { text: () => bytes.toString("utf8") }),
        });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `utils` global: the crypto helpers functions may use. */
export const utilsGlobal = {
  crypto: {
    hash: (algorithm: string, input: string) => new Binary(createHash(algorithm).update(input).digest()),
    hmac: (input: string, secret: string, algorithm: string, encoding: "hex" | "base64") =>
      createHmac(algorithm, secret).update(input).digest(encoding),
  },
};
