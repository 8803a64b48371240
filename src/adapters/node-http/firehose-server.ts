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
import { createConnectionGate, send } from "./connection-gate";
import { createMetricsRoute } from "./metrics-route";
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
  const connections = createConnectionGate(limits);
  const metrics = options.metrics
    ? createMetricsRoute(options.metrics.token, () => budget.bytes(), {
        read: () => readHeartbeatAges(options.deps.dataSource, options.deps.config.routing, options.deps.clock.now()),
        logger: options.deps.logger,
      })
    : undefined;
  const deps = withObserver(options.deps, metrics && metrics.observer);
  let draining = false;
  let active = 0;
  let idle: (() => void) | undefined;

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      // A request pipelined behind a refused one: never run, never logged (its connection is closing).
      if (connections.refused(req.socket)) return;
      if (req.method === "GET" && (req.url === "/healthz" || req.url === "/health")) return answerHealth(res);
      if (metrics && metrics.handle(req, res)) return;
      const head: DeliveryHead = { method: req.method || "", headers: req.headers };
      const admission = admitDelivery(head, deps.config, { requireRequestId: true, draining, budget });
      if (!admission.ok) return connections.answerAndClose(req, res, refuseDelivery(head, admission.error, deps));
      const admitted = admission.value;
      active++;
      receive(req, res, head, admitted)
        .catch((error) => {
          if (!res.headersSent) send(res, setupFailureResponse(req.headers, error, deps), true);
        })
        .finally(() => {
          if (admitted.reservation) budget.release(admitted.reservation);
          active--;
          if (active === 0 && idle) idle();
        });
    },
  );
  // Counted here rather than by server.maxConnections, so refused connections leave the count at once.
  server.on("connection", connections.admit);
  server.keepAliveTimeout = 5_000;
  // A connection that neither sends nor receives for this long is closed (slow or stalled clients).
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());

  async function receive(
    req: IncomingMessage,
    res: ServerResponse,
    head: DeliveryHead,
    admitted: AdmittedDelivery,
  ): Promise<void> {
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
      connections.answerAndClose(req, res, refuseDelivery(head, body, deps, { bodyRead: "partly" }));
      return;
    }
    send(res, await receiveFirehoseDelivery({ method: head.method, headers: head.headers, body }, deps), false);
  }

  function answerHealth(res: ServerResponse): void {
    const input = { config: () => deps.config, draining, atBudget: budget.refusing(), store: () => options.store };
    checkHealth(input, deps.logger).then((health) =>
      send(
        res,
        healthResponse(health, {
          store: options.store.description,
          inFlight: active,
          inflightBytes: budget.bytes(),
        }),
        false,
      ),
    );
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
      server.closeIdleConnections();
      // The listener stays open while deliveries finish, so health checks see "draining" and new
      // deliveries get 503 (Firehose retries them elsewhere or later) instead of a refused connection.
      if (active > 0) await new Promise<void>((resolve) => (idle = resolve));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    inFlight: () => active,
    inflightBytes: () => budget.bytes(),
    connections: () => connections.counts(),
  };
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
