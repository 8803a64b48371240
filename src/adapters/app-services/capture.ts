import { makeBsonPort } from "../../core/bson-port";
import { kinesisSettings, readCaptureConfig, readShapingSettings, type CaptureConfig } from "../../core/capture/config";
import { readSettings } from "../../core/settings";
import { KinesisError, type KinesisPort } from "../../core/kinesis/port";
import { createKinesisClient, type KinesisSettings } from "../kinesis/sigv4-client";
import { consoleLogger, systemClock, type ValueReader } from "../../core/ports";
import { realSleep } from "../../core/retry";
import { createNodeTransport } from "../http/node-transport";
import { atlasDataSource, type AppServicesContext } from "./globals";

/**
 * Kinesis settings from values. A missing region or credential does not throw: the returned client
 * fails every call (not retryable), so events go to the outbox and are put once the values are fixed.
 */
export function kinesisFromValues(read: ValueReader): KinesisPort {
  let values;
  try {
    values = readSettings(read, kinesisSettings);
  } catch (error) {
    return failingKinesis(error instanceof Error ? error.message : String(error));
  }
  const { region, accessKeyId, secretAccessKey } = values;
  if (region === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = [
      ["AWS_REGION", region],
      ["AWS_ACCESS_KEY_ID", accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", secretAccessKey],
    ]
      .filter(([, v]) => v === undefined)
      .map(([n]) => n);
    return failingKinesis(`missing values: ${missing.join(", ")}`);
  }
  const settings: KinesisSettings = { ...values, region, accessKeyId, secretAccessKey, timeoutMs: 10_000 };
  return createKinesisClient(settings, sharedTransport());
}

let transport: ReturnType<typeof createNodeTransport> | undefined;

/**
 * One transport per function instance: its keep-alive agents then reuse connections across
 * invocations wherever the host keeps the instance (a new connection per event cost more than the
 * put itself against a local emulator).
 */
export function sharedTransport(): ReturnType<typeof createNodeTransport> {
  // 25: the sockets App Services allows a function (it bounds unordered triggers locally too).
  transport = transport || createNodeTransport(25);
  return transport;
}

/** A client whose every call fails (not retryable), so events go to the outbox with the reason. */
function failingKinesis(reason: string): KinesisPort {
  const fail = async (): Promise<never> => {
    throw new KinesisError("Misconfigured", reason, false);
  };
  return { putRecord: fail, putRecords: fail };
}

/**
 * Everything the capture cores need, from the App Services context. Invalid values do not throw
 * (a thrown error would lose the change event): the defaults are used for the outbox and Kinesis
 * fails with the reason, so events wait in the outbox until the values are fixed (unshaped when the
 * capture options themselves cannot be read; they are shaped when drained).
 */
export function captureDepsFromContext(ctx: AppServicesContext) {
  const read: ValueReader = (name) => ctx.values.get(name);
  let config: CaptureConfig;
  let kinesis: KinesisPort;
  try {
    config = readCaptureConfig(read);
    kinesis = kinesisFromValues(read);
  } catch (error) {
    // Defaults for the rest, but the capture options as far as they can be read: an event must
    // never wait in the outbox as a record its options would not have let out.
    config = { ...readCaptureConfig(() => undefined), ...readShapingSettings(read) };
    kinesis = failingKinesis(error instanceof Error ? error.message : String(error));
  }
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  return {
    config,
    dataSource,
    kinesis,
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
