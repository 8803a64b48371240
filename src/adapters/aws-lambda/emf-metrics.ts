import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { HeartbeatAge } from "../../core/firehose/heartbeat-ages";
import { RECORD_OUTCOMES, type DeliveryObserver } from "../../core/firehose/delivery-report";

/**
 * The webhook's metrics on Lambda, as CloudWatch Embedded Metric Format lines (Powertools for AWS
 * Lambda): one line per delivery, dimension `status`, with the same counts `npm run serve` exposes to
 * Prometheus (`akb_firehose_requests`, `akb_firehose_records_<outcome>`) and the duration.
 */
export function createEmfObserver(
  metrics: Metrics = new Metrics({ namespace: "AtlasKinesisBridge", serviceName: "firehose-webhook" }),
): DeliveryObserver {
  return {
    delivered(report) {
      metrics.addDimension("status", String(report.status));
      metrics.addMetric("akb_firehose_requests", MetricUnit.Count, 1);
      for (const outcome of RECORD_OUTCOMES)
        metrics.addMetric(`akb_firehose_records_${outcome}`, MetricUnit.Count, report.records[outcome]);
      metrics.addMetric("akb_firehose_request_duration", MetricUnit.Milliseconds, report.durationMs);
      metrics.publishStoredMetrics();
    },
  };
}

/**
 * The capture lag per app on Lambda, where nothing scrapes: after a delivery, at most once per
 * `everyMs` per container, one EMF line per app with `akb_capture_heartbeat_age` (seconds, dimension
 * `app`), read from the webhook's heartbeat collection. A Lambda that gets no deliveries writes none (alarm on
 * missing data too).
 */
export function createEmfHeartbeatAgePublisher(
  metrics: Metrics = new Metrics({ namespace: "AtlasKinesisBridge", serviceName: "firehose-webhook" }),
  everyMs = 60_000,
  now: () => number = Date.now,
): (read: () => Promise<HeartbeatAge[]>) => Promise<void> {
  let last: number | undefined;
  return async (read) => {
    if (last !== undefined && now() - last < everyMs) return;
    last = now();
    let entries: HeartbeatAge[];
    try {
      entries = await read();
    } catch (error) {
      console.warn(
        JSON.stringify({ level: "warn", msg: "metrics: could not read the heartbeat ages", error: String(error) }),
      );
      return;
    }
    for (const entry of entries) {
      metrics.addDimension("app", entry.app);
      metrics.addMetric("akb_capture_heartbeat_age", MetricUnit.Seconds, entry.heartbeatAgeSeconds);
      metrics.publishStoredMetrics();
    }
  };
}
