import { makeBsonPort } from "../../core/bson-port";
import { readCaptureConfig, readShapingSettings, type CaptureConfig } from "../../core/capture/config";
import { consoleLogger, systemClock, type ValueReader } from "../../core/ports";
import { realSleep } from "../../core/retry";
import { atlasDataSource, type AppServicesContext } from "./globals";

/**
 * The capture settings and the collections they name, without Kinesis (what the capture check
 * needs). Invalid values do not throw: the defaults are used, but the capture options as far as they
 * can be read (an event must never wait in the outbox as a record its options would not have let
 * out), and `configProblem` says what could not be read.
 */
export function captureStateFromContext(ctx: AppServicesContext) {
  const read: ValueReader = (name) => ctx.values.get(name);
  let config: CaptureConfig;
  let configProblem: string | undefined;
  try {
    config = readCaptureConfig(read);
  } catch (error) {
    config = { ...readCaptureConfig(() => undefined), ...readShapingSettings(read) };
    configProblem = error instanceof Error ? error.message : String(error);
  }
  const dataSource = atlasDataSource(ctx);
  const outboxDb = dataSource.db(config.outboxDatabase);
  return {
    config,
    configProblem,
    dataSource,
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
