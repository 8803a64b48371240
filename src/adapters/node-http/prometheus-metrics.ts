import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HeartbeatAge } from "../../core/firehose/heartbeat-ages";
import { RECORD_OUTCOMES, type DeliveryObserver } from "../../core/firehose/delivery-report";
import type { Logger } from "../../core/ports";

export interface PrometheusMetrics {
  readonly registry: Registry;
  readonly observer: DeliveryObserver;
  /** The text `GET /metrics` answers, in the Prometheus exposition format. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * The webhook's metrics for `npm run serve`: requests by status, records by outcome, request
 * duration, the request-body bytes in flight (read from the server when scraped), and Node's
 * default process metrics. Each registry is its own, so tests and several servers never share counts.
 */
export function createPrometheusMetrics(
  inflightBytes: () => number,
  /** The capture lag per app, read when scraped (from the webhook's heartbeat collection). */
  heartbeatAges?: { read: () => Promise<HeartbeatAge[]>; logger: Logger },
): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "akb_firehose_requests_total",
    help: "Firehose deliveries answered, by HTTP status",
    labelNames: ["status"],
    registers: [registry],
  });
  const records = new Counter({
    name: "akb_firehose_records_total",
    help: "Records of acknowledged deliveries, by outcome: stored, dead_lettered, empty, superseded, stale (change events older than the target)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "akb_firehose_request_duration_seconds",
    help: "Time from a delivery's arrival at the core to its answer",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers: [registry],
  });
  new Gauge({
    name: "akb_firehose_inflight_bytes",
    help: "Request-body bytes held by deliveries being read or processed (bounded by FIREHOSE_MAX_INFLIGHT_BYTES)",
    registers: [registry],
    collect() {
      this.set(inflightBytes());
    },
  });
  if (heartbeatAges) {
    new Gauge({
      name: "akb_capture_heartbeat_age_seconds",
      help: "Seconds since the newest heartbeat of each app that reached this webhook was written: capture lag, growing when capture or delivery stops (alert above 180)",
      labelNames: ["app"],
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const entry of await heartbeatAges.read()) this.set({ app: entry.app }, entry.heartbeatAgeSeconds);
        } catch (error) {
          // The other metrics still answer; a missing series is what an absent() alert catches.
          heartbeatAges.logger.warn({ msg: "metrics: could not read the heartbeat ages", error: String(error) });
        }
      },
    });
  }
  // Every outcome exists from the start, so a rate over a quiet period reads 0 rather than nothing.
  for (const outcome of RECORD_OUTCOMES) records.inc({ outcome }, 0);
  const observer: DeliveryObserver = {
    delivered(report) {
      requests.inc({ status: String(report.status) });
      duration.observe(report.durationMs / 1000);
      for (const outcome of RECORD_OUTCOMES)
        if (report.records[outcome] > 0) records.inc({ outcome }, report.records[outcome]);
    },
  };
  return {
    registry,
    observer,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
