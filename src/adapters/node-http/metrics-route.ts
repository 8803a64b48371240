import type { IncomingMessage, ServerResponse } from "node:http";
import { constantTimeMatch } from "../../core/firehose/protocol/access-key";
import type { HeartbeatAge } from "../../core/firehose/heartbeat-ages";
import type { Logger } from "../../core/ports";
import type { DeliveryObserver } from "../../core/firehose/delivery-report";
import { createPrometheusMetrics } from "./prometheus-metrics";

export interface MetricsRoute {
  /** Counts each delivery (give it to the core as its observer). */
  readonly observer: DeliveryObserver;
  /** Answers `GET /metrics` and returns true; returns false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** `GET /metrics`: the Prometheus text, behind a bearer token when one is configured (compared in constant time). */
export function createMetricsRoute(
  token: string | undefined,
  inflightBytes: () => number,
  /** The capture lag per app, read when scraped (from the heartbeat collection the webhook keeps). */
  heartbeatAges?: { read: () => Promise<HeartbeatAge[]>; logger: Logger },
): MetricsRoute {
  const metrics = createPrometheusMetrics(inflightBytes, heartbeatAges);
  return {
    observer: metrics.observer,
    handle(req, res) {
      if (req.method !== "GET" || req.url !== "/metrics") return false;
      if (token !== undefined) {
        const presented = /^Bearer (.+)$/.exec(String(req.headers.authorization || ""));
        if (!presented || !constantTimeMatch(presented[1], [token])) {
          res.writeHead(401, { "Content-Type": "text/plain", "WWW-Authenticate": "Bearer" });
          res.end("a bearer token is required\n");
          return true;
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
      return true;
    },
  };
}
