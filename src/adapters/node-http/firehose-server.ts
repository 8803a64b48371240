import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  admitDelivery,
  refuseDelivery,
  type AdmittedDelivery,
  type DeliveryHead,
} from "../../core/firehose/protocol/admit-delivery";
import type { DeliveryObserver } from "../../core/firehose/delivery-report";
import { checkHealth, healthResponse, type StoreProbe } from "../../core/firehose/health";
import { readHeartbeatAges } from "../../core/firehose/heartbeat-ages";
import { receiveFirehoseDelivery, type FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { setupFailureResponse } from "../../core/firehose/protocol/response";
import { InflightBudget } from "./inflight-budget";
import { createConnectionGate, send, type ConnectionGate } from "./connection-gate";
import { createMetricsRoute, type MetricsRoute } from "./metrics-route";
import { readBody } from "./read-body";
import { effectiveLimits, type ServerLimits } from "./server-settings";

export interface FirehoseServerOptions {
  readonly deps: FirehoseDeliveryDeps;
  /** The store the deliveries go to: the health check describes it and pings it. */
  readonly store: StoreProbe;
  /** Limits that keep an internet-facing server alive; see serverLimitsFromEnv for the defaults. */
  readonly limits?: Partial<ServerLimits>;
  /** Serve `GET /metrics` (Prometheus); with a token, only to `Authorization: Bearer <token>`. */
  readonly metrics?: { readonly token?: string };
}

export interface FirehoseServer {
  readonly server: Server;
  /** Starts listening; resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /**
   * Graceful stop: from now on health says "draining" and new deliveries get 503; once the
   * in-flight ones have finished, the listener closes.
   */
  stop(): Promise<void>;
  inFlight(): number;
  /** Request-body bytes currently reserved (see ServerLimits.maxInflightBytes). */
  inflightBytes(): number;
  /** Connections being served (at most maxConnections) and refused ones lingering (at most maxLingering). */
  connections(): { served: number; lingering: number };
}

/**
 * The webhook as a plain Node HTTP server (App Services HTTPS Endpoints are retired), built to face
 * the internet. Any POST is a delivery (Firehose posts to whatever path its URL names); GET /healthz
 * answers health checks. Nothing of a body is read before the core's admission has passed its
 * headers (a refused request is answered at once and its connection closed), and the bodies being
 * read or processed at once stay within a byte budget: past it, 503 (Firehose retries).
 */
export function createFirehoseServer(options: FirehoseServerOptions): FirehoseServer {
  const limits = effectiveLimits(options.limits);
  const budget = new InflightBudget(limits.maxInflightBytes);
  const metrics = options.metrics ? createMetrics(options, options.metrics.token, budget) : undefined;
  const serving: Serving = {
    deps: withObserver(options.deps, metrics && metrics.observer),
    store: options.store,
    budget,
    connections: createConnectionGate(limits),
    metrics,
    draining: false,
    active: 0,
    idle: undefined,
  };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => handleRequest(serving, req, res),
  );
  // Counted here rather than by server.maxConnections, so refused connections leave the count at once.
  server.on("connection", serving.connections.admit);
  server.keepAliveTimeout = 5_000;
  // A connection that neither sends nor receives for this long is closed (slow or stalled clients).
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  return {
    server,
    listen: (port, host) => listen(server, port, host),
    stop: () => stopGracefully(server, serving),
    inFlight: () => serving.active,
    inflightBytes: () => budget.bytes(),
    connections: () => serving.connections.counts(),
  };
}

/** What one server's request handling shares: its parts, and whether it drains and what is in flight. */
interface Serving {
  readonly deps: FirehoseDeliveryDeps;
  readonly store: StoreProbe;
  readonly budget: InflightBudget;
  readonly connections: ConnectionGate;
  readonly metrics: MetricsRoute | undefined;
  draining: boolean;
  /** Deliveries being read or processed. */
  active: number;
  /** Called when the last delivery in flight has finished, while stopping. */
  idle: (() => void) | undefined;
}

/** The metrics route, reading the capture's liveness from the store the deliveries go to. */
function createMetrics(
  options: FirehoseServerOptions,
  token: string | undefined,
  budget: InflightBudget,
): MetricsRoute {
  const { deps } = options;
  return createMetricsRoute(token, () => budget.bytes(), {
    read: () => readHeartbeatAges(deps.dataSource, deps.config.routing, deps.clock.now()),
    logger: deps.logger,
  });
}

/** Routes one request: health, metrics, or (any other method and path) a delivery, admitted before its body is read. */
function handleRequest(serving: Serving, req: IncomingMessage, res: ServerResponse): void {
  const { deps, connections, budget } = serving;
  // A request pipelined behind a refused one: never run, never logged (its connection is closing).
  if (connections.refused(req.socket)) return;
  if (req.method === "GET" && (req.url === "/healthz" || req.url === "/health")) return answerHealth(serving, res);
  if (serving.metrics && serving.metrics.handle(req, res)) return;
  const head: DeliveryHead = { method: req.method || "", headers: req.headers };
  const admission = admitDelivery(head, deps.config, { requireRequestId: true, draining: serving.draining, budget });
  if (!admission.ok) return connections.answerAndClose(req, res, refuseDelivery(head, admission.error, deps));
  const admitted = admission.value;
  serving.active++;
  receive(serving, req, res, head, admitted)
    .catch((error) => {
      if (!res.headersSent) send(res, setupFailureResponse(req.headers, error, deps), true);
    })
    .finally(() => {
      if (admitted.reservation) budget.release(admitted.reservation);
      serving.active--;
      if (serving.active === 0 && serving.idle) serving.idle();
    });
}

/** Reads an admitted delivery's body within its reservation and answers with what the core made of it. */
async function receive(
  serving: Serving,
  req: IncomingMessage,
  res: ServerResponse,
  head: DeliveryHead,
  admitted: AdmittedDelivery,
): Promise<void> {
  const { deps, budget } = serving;
  const { reservation } = admitted;
  // A body without Content-Length reserves what it reads as it reads it.
  const grows = admitted.declaredBytes === undefined && reservation !== undefined;
  const body = await readBody(req, deps.config.maxBodyBytes, (bytes) =>
    grows ? budget.grow(reservation, bytes) : true,
  );
  if (body === "aborted") {
    deps.logger.warn({
      msg: "firehose delivery",
      requestId: admitted.requestId,
      outcome: "client aborted the request",
    });
    return;
  }
  if (!Buffer.isBuffer(body)) {
    serving.connections.answerAndClose(req, res, refuseDelivery(head, body, deps, { bodyRead: "partly" }));
    return;
  }
  send(res, await receiveFirehoseDelivery({ method: head.method, headers: head.headers, body }, deps), false);
}

function answerHealth(serving: Serving, res: ServerResponse): void {
  const { deps, budget, store } = serving;
  const input = {
    config: () => deps.config,
    draining: serving.draining,
    atBudget: budget.refusing(),
    store: () => store,
  };
  checkHealth(input, deps.logger).then((health) =>
    send(
      res,
      healthResponse(health, {
        store: store.description,
        inFlight: serving.active,
        inflightBytes: budget.bytes(),
      }),
      false,
    ),
  );
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function stopGracefully(server: Server, serving: Serving): Promise<void> {
  serving.draining = true;
  server.closeIdleConnections();
  // The listener stays open while deliveries finish, so health checks see "draining" and new
  // deliveries get 503 (Firehose retries them elsewhere or later) instead of a refused connection.
  if (serving.active > 0) await new Promise<void>((resolve) => (serving.idle = resolve));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** The host's deps with the metrics route's observer beside any the caller gave. */
function withObserver(deps: FirehoseDeliveryDeps, extra: DeliveryObserver | undefined): FirehoseDeliveryDeps {
  if (!extra) return deps;
  const given = deps.observer;
  return {
    ...deps,
    observer: given
      ? {
          delivered: (report) => {
            given.delivered(report);
            extra.delivered(report);
          },
        }
      : extra,
  };
}
