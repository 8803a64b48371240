import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { statusForKind } from "../../core/errors";
import { optional, readSettings, setting, text, wholeNumber } from "../../core/settings";
import { createPrometheusMetrics, type PrometheusMetrics } from "./prometheus-metrics";
import { constantTimeMatch } from "../../core/firehose/access-key";
import { admitDelivery } from "../../core/firehose/admit-delivery";
import { readCaptureLiveness } from "../../core/firehose/capture-liveness";
import { NO_RECORDS, type DeliveryObserver } from "../../core/firehose/delivery-report";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { headerLookup, tooLarge } from "../../core/firehose/request";
import { firehoseResponse, setupFailureResponse, type FirehoseDeliveryResponse } from "../../core/firehose/response";

export interface FirehoseServerOptions {
  readonly deps: FirehoseDeliveryDeps;
  /** Shown by the health endpoint, e.g. which store is in use. */
  readonly storeDescription: string;
  /** Limits that keep an internet-facing server alive; see serverLimitsFromEnv for the defaults. */
  readonly limits?: Partial<ServerLimits>;
  /** Serve `GET /metrics` (Prometheus); with a token, only to `Authorization: Bearer <token>`. */
  readonly metrics?: { readonly token?: string };
}

export interface ServerLimits {
  /** Request-body bytes held at once, across all deliveries; past it a delivery gets 503 at once. */
  readonly maxInflightBytes: number;
  /** Open connections at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** Time for a client to send all its headers. */
  readonly headersTimeoutMs: number;
  /** Time for a client to send its whole request, body included. */
  readonly requestTimeoutMs: number;
  /** A connection with nothing sent or received for this long is closed. */
  readonly idleTimeoutMs: number;
  /** How often the server checks the header and request timeouts. */
  readonly checkIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxInflightBytes: 256 * 1024 * 1024,
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
};

/** The Node server's own settings (environment variables), read by the same parsers as every value. */
export const serverSettings = {
  maxInflightBytes: setting(
    "FIREHOSE_MAX_INFLIGHT_BYTES",
    wholeNumber(1, Number.MAX_SAFE_INTEGER),
    DEFAULT_SERVER_LIMITS.maxInflightBytes,
  ),
  maxConnections: setting("FIREHOSE_MAX_CONNECTIONS", wholeNumber(1, 1_000_000), DEFAULT_SERVER_LIMITS.maxConnections),
  headersTimeoutMs: setting(
    "FIREHOSE_HEADERS_TIMEOUT_MS",
    wholeNumber(1, 3_600_000),
    DEFAULT_SERVER_LIMITS.headersTimeoutMs,
  ),
  requestTimeoutMs: setting(
    "FIREHOSE_REQUEST_TIMEOUT_MS",
    wholeNumber(1, 3_600_000),
    DEFAULT_SERVER_LIMITS.requestTimeoutMs,
  ),
  idleTimeoutMs: setting("FIREHOSE_IDLE_TIMEOUT_MS", wholeNumber(1, 3_600_000), DEFAULT_SERVER_LIMITS.idleTimeoutMs),
};

/** METRICS_TOKEN: when set, `GET /metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`. */
export const metricsTokenSetting = optional("METRICS_TOKEN", text);

/** The limits from FIREHOSE_MAX_INFLIGHT_BYTES, FIREHOSE_MAX_CONNECTIONS and FIREHOSE_*_TIMEOUT_MS. */
export function serverLimitsFromEnv(env: NodeJS.ProcessEnv): ServerLimits {
  const values = readSettings((name) => env[name], serverSettings);
  // Headers are part of the request, so their time is at most the request's (Node requires it).
  return {
    ...values,
    headersTimeoutMs: Math.min(values.headersTimeoutMs, values.requestTimeoutMs),
    checkIntervalMs: DEFAULT_SERVER_LIMITS.checkIntervalMs,
  };
}

export interface FirehoseServer {
  readonly server: Server;
  /** Starts listening; resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Graceful stop: refuses new deliveries, lets in-flight ones finish, then closes the listener. */
  stop(): Promise<void>;
  inFlight(): number;
  /** Request-body bytes currently reserved (see ServerLimits.maxInflightBytes). */
  inflightBytes(): number;
}

/**
 * The webhook as a plain Node HTTP server (App Services HTTPS Endpoints are retired), built to face
 * the internet. Any POST is a delivery (Firehose posts to whatever path its URL names); GET /healthz
 * answers health checks. Nothing of a body is read before its headers pass the method, access-key
 * and request-id checks (a refused request is answered at once and its connection closed), and the
 * bodies being read or processed at once stay within a byte budget: past it, 503 (Firehose retries).
 */
export function createFirehoseServer(options: FirehoseServerOptions): FirehoseServer {
  const metrics = options.metrics
    ? createPrometheusMetrics(() => reserved, {
        read: () => readCaptureLiveness(options.deps.dataSource, options.deps.config.routing, options.deps.clock.now()),
        logger: options.deps.logger,
      })
    : undefined;
  const observers = [options.deps.observer, metrics && metrics.observer].filter(
    (o): o is DeliveryObserver => o !== undefined,
  );
  const deps: FirehoseDeliveryDeps = {
    ...options.deps,
    observer:
      observers.length > 0 ? { delivered: (report) => observers.forEach((o) => o.delivered(report)) } : undefined,
  };
  const given: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const limits: ServerLimits = { ...given, headersTimeoutMs: Math.min(given.headersTimeoutMs, given.requestTimeoutMs) };
  let draining = false;
  let active = 0;
  let reserved = 0;
  let idle: (() => void) | undefined;

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      if (req.method === "GET" && (req.url === "/healthz" || req.url === "/health")) {
        const status = draining ? 503 : 200;
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            status: draining ? "draining" : "ok",
            store: options.storeDescription,
            inFlight: active,
            inflightBytes: reserved,
          }),
        );
        return;
      }
      if (metrics && req.method === "GET" && req.url === "/metrics") {
        serveMetrics(req, res, metrics, options.metrics?.token);
        return;
      }
      const requestId = headerLookup(req.headers)("x-amz-firehose-request-id") || "";
      if (draining) {
        refuse(req, res, firehoseResponse(503, requestId, deps.clock.now(), "receiver is shutting down; retry"), deps);
        return;
      }
      const refused = admitDelivery(req.method || "", req.headers, deps.config, { requireRequestId: true });
      if (refused) {
        deps.logger.warn({
          msg: "firehose delivery",
          requestId,
          status: statusForKind[refused.kind],
          outcome: refused.kind,
          bodyRead: false,
        });
        refuse(
          req,
          res,
          firehoseResponse(statusForKind[refused.kind], requestId, deps.clock.now(), refused.message),
          deps,
        );
        return;
      }
      const declared = Number(req.headers["content-length"]);
      if (declared > deps.config.maxBodyBytes) {
        const error = tooLarge(declared, deps.config.maxBodyBytes, "received");
        deps.logger.warn({
          msg: "firehose delivery",
          requestId,
          status: statusForKind[error.kind],
          outcome: error.kind,
          bodyRead: false,
        });
        refuse(req, res, firehoseResponse(statusForKind[error.kind], requestId, deps.clock.now(), error.message), deps);
        return;
      }
      // What this delivery may hold: its body, and for gzip the most it may inflate to.
      const gzip = /gzip/i.test(String(req.headers["content-encoding"] || ""));
      const cost = (declared >= 0 ? declared : 0) + (gzip ? deps.config.maxBodyBytes : 0);
      // One delivery is always admitted when nothing else is in flight, so a budget below a delivery's
      // size slows deliveries down to one at a time instead of refusing them until Firehose gives up.
      if (reserved > 0 && reserved + cost > limits.maxInflightBytes) {
        deps.logger.warn({
          msg: "firehose delivery",
          requestId,
          status: 503,
          outcome: "over the in-flight byte budget",
          inflightBytes: reserved,
          bodyRead: false,
        });
        refuse(
          req,
          res,
          firehoseResponse(503, requestId, deps.clock.now(), "receiver is at its in-flight byte budget; retry"),
          deps,
        );
        return;
      }
      reserved += cost;
      active++;
      const budget = { held: cost };
      handle(req, res, requestId, budget)
        .catch((error) => {
          const answer = setupFailureResponse(req.headers, error, deps.clock.now(), (line) => deps.logger.error(line));
          if (!res.headersSent) send(res, answer, true);
        })
        .finally(() => {
          reserved -= budget.held;
          active--;
          if (active === 0 && idle) idle();
        });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = 5_000;
  // A connection that neither sends nor receives for this long is closed (slow or stalled clients).
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());

  /** Bodies without Content-Length reserve what they read as they read it. */
  function grow(budget: { held: number }, bytes: number): boolean {
    if (reserved + bytes > limits.maxInflightBytes && reserved > budget.held) return false;
    reserved += bytes;
    budget.held += bytes;
    return true;
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    budget: { held: number },
  ): Promise<void> {
    const chunked = !(Number(req.headers["content-length"]) >= 0);
    const body = await readBounded(
      req,
      deps.config.maxBodyBytes,
      chunked ? (bytes) => grow(budget, bytes) : () => true,
    );
    if (body === "too-large" || body === "over-budget") {
      const error =
        body === "too-large" ? tooLarge(deps.config.maxBodyBytes + 1, deps.config.maxBodyBytes, "received") : undefined;
      const status = error ? statusForKind[error.kind] : 503;
      const message = error ? error.message : "receiver is at its in-flight byte budget; retry";
      deps.logger.warn({
        msg: "firehose delivery",
        requestId,
        status,
        outcome: error ? error.kind : "over the in-flight byte budget",
      });
      refuse(req, res, firehoseResponse(status, requestId, deps.clock.now(), message), deps);
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
    inflightBytes: () => reserved,
  };
}

/** `GET /metrics`: the Prometheus text, behind a bearer token when one is configured (compared in constant time). */
function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: PrometheusMetrics,
  token: string | undefined,
): void {
  if (token !== undefined) {
    const presented = /^Bearer (.+)$/.exec(String(req.headers.authorization || ""));
    if (!presented || !constantTimeMatch(presented[1], [token])) {
      res.writeHead(401, { "Content-Type": "text/plain", "WWW-Authenticate": "Bearer" });
      res.end("a bearer token is required\n");
      return;
    }
  }
  metrics.render().then(
    ({ contentType, body }) => {
      res.writeHead(200, { "Content-Type": contentType });
      res.end(body);
    },
    (error) => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`metrics failed: ${String(error)}\n`);
    },
  );
}

/** How long a refused client may go on sending (discarded) after its answer, before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * Answers without reading the body and closes the connection. The close lingers: our side ends at
 * once and the socket stops being read (what the client still sends waits in the kernel, and its
 * sending stalls), and after LINGER_MS, or when the client closes, the socket is destroyed.
 * Destroying it at once would make the kernel reset a connection that still has unread incoming
 * data, and a reset can discard the answer before the client has read it.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  answer: FirehoseDeliveryResponse,
  deps?: FirehoseDeliveryDeps,
): void {
  // Answered by the server itself, before the core saw the records: counted here, with none.
  if (deps && deps.observer)
    deps.observer.delivered({ status: answer.status, durationMs: 0, bodyBytes: 0, records: NO_RECORDS });
  const socket = req.socket;
  const stopReading = () => {
    socket.pause();
    // Node resumes the socket to drain ("dump") an unread request body; this one is never read.
    socket.resume = () => socket;
  };
  stopReading();
  // Node ends a "Connection: close" response with socket.destroySoon(); this socket lingers instead.
  socket.destroySoon = function lingeringClose(): void {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
  send(res, answer, true);
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

/**
 * Reads the body, but never buffers more than `maxBytes`, and stops when `admit` refuses a chunk
 * (the in-flight budget). Past either, it stops reading and reports.
 */
function readBounded(
  req: IncomingMessage,
  maxBytes: number,
  admit: (bytes: number) => boolean,
): Promise<Buffer | "too-large" | "over-budget" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const stop = (outcome: "too-large" | "over-budget" | "aborted") => {
      done = true;
      chunks.length = 0;
      req.pause(); // read no more; the answer closes the connection
      resolve(outcome);
    };
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) return stop("too-large");
      if (!admit(chunk.length)) return stop("over-budget");
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, total));
    });
    req.on("aborted", () => {
      if (!done) stop("aborted");
    });
    req.on("error", () => {
      if (!done) stop("aborted");
    });
  });
}
