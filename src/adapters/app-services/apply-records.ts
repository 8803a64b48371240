import { makeBsonPort } from "../../core/bson-port";
import type { WriteDeps } from "../../core/firehose/apply/apply-records";
import { readFirehoseApplyConfig } from "../../core/firehose/config";
import { systemClock } from "../../core/ports";
import { atlasDataSource, type AppServicesContext } from "./globals";

/**
 * What applyFirehoseRecords needs, from the App Services context: the webhook's settings (but its
 * access keys), the data source, App Services' BSON. It runs in the webhook's request, as the system
 * user (docs/webhook.md#on-app-services).
 */
export function applyRecordsFromContext(ctx: AppServicesContext): WriteDeps {
  return {
    config: readFirehoseApplyConfig((name) => ctx.values.get(name)),
    dataSource: atlasDataSource(ctx),
    bson: makeBsonPort(BSON, EJSON),
    clock: systemClock,
  };
}
