import { Timestamp } from "bson";
import { nodeBson } from "../adapters/bson/node-bson";
import { readCaptureConfig } from "../core/capture/config";
import { buildKinesisRecord, type KinesisRecord } from "../core/capture/publish/kinesis-record";
import { sensorReading } from "./sensor-source";

/**
 * Insert change events of sensor readings into monitors.reports, encoded exactly as the capture
 * trigger puts them on the stream (buildKinesisRecord with the default settings), for trying the
 * Firehose simulator and a webhook without a database in front.
 */
export function sampleChangeRecords(count: number, now: number = Date.now()): KinesisRecord[] {
  const config = readCaptureConfig(() => undefined);
  const seconds = Math.floor(now / 1000);
  const records: KinesisRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const reading = sensorReading("pi-sample", i);
    const token = `82${seconds.toString(16).padStart(8, "0")}${i.toString(16).padStart(8, "0")}`;
    records.push(
      buildKinesisRecord(
        {
          _id: { _data: token.toUpperCase() },
          operationType: "insert",
          clusterTime: new Timestamp({ t: seconds, i }),
          wallTime: new Date(now),
          ns: { db: "monitors", coll: "reports" },
          documentKey: { _id: reading._id },
          fullDocument: reading,
        },
        config,
        nodeBson,
      ),
    );
  }
  return records;
}
