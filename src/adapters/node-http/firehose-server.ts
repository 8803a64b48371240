import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { statusForKind } from "../../core/errors";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { headerLookup, tooLarge } from "../../core/firehose/request";
import { firehoseResponse, type FirehoseDeliveryResponse } from "../../core/firehose/response";

export interface FirehoseServerOptions {
  readonly deps: FirehoseDeliveryDeps;
  /** Shown by the health endpoint, e.g. which store is in use. */
  readonly storeDescription: string;
}

export interface FirehoseServer {
  readonly server: Server;
  /** Starts listening; resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Graceful stop: refuses new deliveries, lets in-flight ones finish, then closes the listener. */
  stop(): Promise<void>;
  inFlight(): number;
}

/**
 * The webhook as a plain Node HTTP server (App Services HTTPS Endpoints are retired). Any POST is a
 * delivery (Firehose posts to whatever path its URL names); GET /healthz answers health checks.
 */
export function createFirehoseServer(options: FirehoseServerOptions): FirehoseServer {
  const { deps } = options;
  let draining = false;
  let active = 0;
  let idle: (() => void) | undefined;

  const server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/healthz" || req.url === "/health")) {
      const status = draining ? 503 : 200;
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: draining ? "draining" : "ok", store: options.storeDescription, inFlight: active }));
      return;
    }
    const requestId = headerLookup(req.headers)("x-amz-firehose-request-id") || "";
    if (draining) {
      send(res, firehoseResponse(503, requestId, deps.clock.now(), "receiver is shutting down; retry"), true);
      req.resume();
      return;
    }
    active++;
    handle(req, res, requestId)
      .catch((error) => {
        deps.logger.error({ msg: "firehose server failure", requestId, error: String(error) });
        if (!res.headersSent) send(res, firehoseResponse(500, requestId, deps.clock.now(), "receiver failure; retry"), true);
      })
      .finally(() => {
        active--;
        if (active === 0 && idle) idle();
      });
  });
  // Firehose waits 3 minutes per attempt; a slower client gets cut off rather than held forever.
  server.requestTimeout = 180_000;
  server.headersTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const body = await readBounded(req, deps.config.maxBodyBytes);
    if (body === "too-large") {
      const error = tooLarge(Number(req.headers["content-length"]) || deps.config.maxBodyBytes + 1, deps.config.maxBodyBytes, "received");
      deps.logger.warn({ msg: "firehose delivery", requestId, status: statusForKind[error.kind], outcome: error.kind });
      send(res, firehoseResponse(statusForKind[error.kind], requestId, deps.clock.now(), error.message), true);
      return;
    }
    if (body === "aborted") {
      deps.logger.warn({ msg: "firehose delivery", requestId, outcome: "client aborted the request" });
      return;
    }
    const answer = await receiveFirehoseDelivery({ method: req.method || "", headers: req.headers, body }, deps);
    send(res, answer, false);
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    async stop() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
      server.closeAllConnections();
      await closed;
    },
    inFlight: () => active,
  };
}

function send(res: ServerResponse, answer: FirehoseDeliveryResponse, closeConnection: boolean): void {
  const headers: Record<string, string | number> = {
    "Content-Type": answer.headers["Content-Type"],
    "Content-Length": Buffer.byteLength(answer.body),
  };
  if (closeConnection) headers.Connection = "close";
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** Reads the body, but never buffers more than `maxBytes`: past that it stops and reports. */
function readBounded(req: IncomingMessage, maxBytes: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > maxBytes) {
      req.resume();
      resolve("too-large");
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) {
        done = true;
        chunks.length = 0;
        req.resume(); // discard the rest; the response closes the connection
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, total));
    });
    req.on("aborted", () => {
      if (done) return;
      done = true;
      resolve("aborted");
    });
    req.on("error", () => {
      if (done) return;
      done = true;
      resolve("aborted");
    });
  });
}
