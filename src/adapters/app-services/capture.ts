import { kinesisSettings } from "../../core/capture/config";
import { readSettings } from "../../core/settings";
import { KinesisError, type KinesisPort } from "../../core/kinesis/port";
import { createKinesisClient, type KinesisSettings } from "../kinesis/sigv4-client";
import type { ValueReader } from "../../core/ports";
import { captureStateFromContext } from "./capture-state";
import type { AppServicesContext } from "./globals";
import { sharedTransport } from "./transport";

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
  const { configProblem, ...state } = captureStateFromContext(ctx);
  const kinesis =
    configProblem === undefined ? kinesisFromValues((name) => ctx.values.get(name)) : failingKinesis(configProblem);
  return { ...state, kinesis };
}
