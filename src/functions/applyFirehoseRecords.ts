// App Services function the webhook (receiveFirehoseDelivery) calls with context.functions.execute,
// once per chunk of decoded records: plans and writes them, and returns what became of them.
import { applyRecordsFromContext } from "../adapters/app-services/apply-records";
import { applyHandedRecords } from "../core/firehose/apply/apply-records";

export default async function applyFirehoseRecords(...args: unknown[]) {
  return applyHandedRecords(args, applyRecordsFromContext(context));
}
