import { makeBsonPort } from "../../core/bson-port";
import { readCaptureConfig, type CaptureConfig } from "../../core/capture/config";
import { createKinesisClient, KinesisError, type KinesisPort, type KinesisSettings } from "../../core/kinesis/client";
import { consoleLogger, systemClock, type ValueReader } from "../../core/ports";
import { realSleep } from "../../core/retry";
import { createNodeTransport } from "../http/node-transport";
import { atlasDataSource, type AppServicesContext } from "./globals";

/**
 * Kinesis settings from values. A missing region or credential does not throw: the returned client
 * fails every call (not retryable), so events go to the outbox and are put once the values are fixed.
 */
export function kinesisFromValues(read: ValueReader): KinesisPort {
  const value = (name: string) => {
    const v = read(name);
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const missing = ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    const fail = async (): Promise<never> => {
      throw new KinesisError("Misconfigured", `missing values: ${missing.join(", ")}`, false);
    };
    return { putRecord: fail, putRecords: fail };
  }
  const settings: KinesisSettings = {
    streamName: value("KINESIS_STREAM_NAME") || "realm",
    region: value("AWS_REGION") as string,
    accessKeyId: value("AWS_ACCESS_KEY_ID") as string,
    secretAccessKey: value("AWS_SECRET_ACCESS_KEY") as string,
    sessionToken: value("AWS_SESSION_TOKEN"),
    endpoint: value("KINESIS_ENDPOINT"),
    timeoutMs: 10_000,
  };
  return createKinesisClient(settings, createNodeTransport());
}

/** Everything the capture cores need, from the App Services context. */
export function captureDepsFromContext(ctx: AppServicesContext) {
  const read: ValueReader = (name) => ctx.values.get(name);
  const config: CaptureConfig = readCaptureConfig(read);
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  return {
    config,
    dataSource,
    kinesis: kinesisFromValues(read),
    outbox: outboxDb.collection(config.outboxCollection),
    status: outboxDb.collection(config.statusCollection),
    heartbeat: dataSource.db(config.heartbeatDatabase).collection(config.heartbeatCollection),
    signals: dataSource.db(config.signalDatabase).collection(config.signalCollection),
    bson: makeBsonPort(BSON, EJSON),
    clock: systemClock,
    sleep: realSleep,
    logger: consoleLogger,
  };
}
