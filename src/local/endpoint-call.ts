import { Binary } from "bson";
import type { IncomingMessage } from "node:http";

export interface EndpointAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * An HTTP request in the shape an App Services HTTPS endpoint function received it: array-valued
 * headers, the body as a Binary with text(), the query, and a response object whose calls fill
 * `answer`. A body over App Services' request limit is refused before the function runs.
 */
export async function endpointCall(
  req: IncomingMessage,
  maxRequestBytes: number,
): Promise<
  | { refused: EndpointAnswer }
  | { request: Record<string, unknown>; response: Record<string, unknown>; answer: EndpointAnswer }
> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxRequestBytes) {
      return {
        refused: {
          status: 400,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ error: "request exceeds App Services' 18 MB limit" }),
        },
      };
    }
    chunks.push(chunk as Buffer);
  }
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i]] ||= []).push(req.rawHeaders[i + 1]);
  const bodyBytes = Buffer.concat(chunks);
  const body =
    bodyBytes.length > 0 ? Object.assign(new Binary(bodyBytes), { text: () => bodyBytes.toString("utf8") }) : undefined;
  const answer: EndpointAnswer = { status: 200, headers: {}, body: "" };
  const response = {
    setStatusCode: (status: number) => void (answer.status = status),
    setHeader: (name: string, value: string) => void (answer.headers[name] = value),
    addHeader: (name: string, value: string) => void (answer.headers[name] = value),
    setBody: (value: string | Binary) =>
      void (answer.body = typeof value === "string" ? value : Buffer.from(value.buffer).toString("utf8")),
  };
  const query = Object.fromEntries(new URL(req.url || "/", "http://local").searchParams);
  return { request: { headers, body, query, httpMethod: req.method }, response, answer };
}
