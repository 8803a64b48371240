// Child process of bench/memory.ts: builds an ~18 MB delivery, then measures the core's peak RSS growth.
import { nodeBson } from "../src/adapters/bson/node-bson";
import { decodeUtf8Run } from "../src/adapters/node/decode-utf8-run";
import { readFirehoseConfig } from "../src/core/firehose/config";
import { receiveFirehoseDelivery } from "../src/core/firehose/receive-delivery";
import { buildDeliveryBody } from "./firehose-request";
import { nullDataSource, quietLogger } from "./harness";
import { applyRecordsInProcess } from "../src/core/firehose/apply/apply-records";

const LIMIT = 18 * 1000 * 1000;
let records = 10_000;
let body = Buffer.from(JSON.stringify(buildDeliveryBody(records, 1290)));
while (body.length > LIMIT) body = Buffer.from(JSON.stringify(buildDeliveryBody((records -= 100), 1290)));
const before = process.resourceUsage().maxRSS * 1024;
const key = "k";
receiveFirehoseDelivery(
  {
    method: "POST",
    headers: { "x-amz-firehose-request-id": JSON.parse(body.toString()).requestId, "x-amz-firehose-access-key": key },
    body,
  },
  {
    config: readFirehoseConfig((name) => (name === "FIREHOSE_ACCESS_KEY" ? key : undefined)),
    dataSource: nullDataSource(),
    bson: nodeBson,
    clock: { now: () => Date.now() },
    logger: quietLogger,
    decodeUtf8Run: process.argv[2] === "node" ? decodeUtf8Run : undefined,
    applyRecords: applyRecordsInProcess,
  },
).then((response) => {
  if (response.status !== 200) throw new Error(response.body);
  const after = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ bodyBytes: body.length, peakRssDeltaBytes: after - before }));
});
