import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
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
