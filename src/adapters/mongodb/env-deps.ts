import { MongoClient } from "mongodb";
import { BridgeError } from "../../core/errors";
import { readFirehoseConfig, FIREHOSE_MAX_BODY_BYTES, type FirehoseConfig } from "../../core/firehose/config";
import type { StoreProbe } from "../../core/firehose/health";
import type { FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { consoleLogger, systemClock, type DataSourcePort } from "../../core/ports";
import { readSetting, setting, wholeNumber } from "../../core/settings";
import { nodeBson } from "../bson/node-bson";
import { decodeUtf8Run } from "../node/decode-utf8-run";
import { applyRecordsInProcess } from "../../core/firehose/apply/apply-records";

export interface NodeDataSource extends StoreProbe {
  readonly dataSource: DataSourcePort;
  close(): Promise<void>;
}

/**
 * The official driver, connected to MONGODB_URI. This module never reaches the embedded store, so
 * a bundle built from it (the Lambda) carries only the driver; see open-data-source.ts for the server.
 */
export async function openMongoClient(
  env: NodeJS.ProcessEnv,
  options: { serverSelectionTimeoutMS?: number } = {},
): Promise<NodeDataSource> {
  const uri = env.MONGODB_URI;
  if (!uri) throw new BridgeError("mongodb_uri_missing");
  let client: MongoClient;
  const started = Date.now();
  try {
    client = new MongoClient(uri, { appName: "atlas-kinesis-bridge", ...options });
    await client.connect();
  } catch (error) {
    throw new MongoConnectFailure(uri, error, Date.now() - started);
  }
  return {
    dataSource: client,
    description: `MongoDB via the official driver (${redactUri(uri)})`,
    // The signal stops the wait (server selection included) when the health check gives up.
    ping: async (timeoutMs) => {
      await client.db("admin").command({ ping: 1 }, { signal: AbortSignal.timeout(timeoutMs) });
    },
    close: () => client.close(),
  };
}

/**
 * The driver could not connect; the message keeps the driver's own reason (ECONNREFUSED, a DNS
 * failure, "Authentication failed.", a malformed connection string) and the URI without credentials.
 */
export class MongoConnectFailure extends Error {
  constructor(uri: string, cause: unknown, elapsedMs: number) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const name = cause instanceof Error ? cause.name : "Error";
    super(
      name === "MongoParseError"
        ? `MONGODB_URI is not a valid connection string: ${reason}`
        : `cannot connect to MongoDB at ${redactUri(uri)}: ${reason} (${name}, after ${(elapsedMs / 1000).toFixed(1)} s)`,
    );
    this.name = "MongoConnectFailure";
    this.cause = cause;
  }
}

/** The largest delivery a Node host accepts, before and after gunzip (Firehose sends at most 64 MiB). */
export const maxBodySetting = setting(
  "FIREHOSE_MAX_BODY_BYTES",
  wholeNumber(1, FIREHOSE_MAX_BODY_BYTES),
  FIREHOSE_MAX_BODY_BYTES,
);

/** The webhook's settings on a Node host (the Lambda and the server): the values' names, plus FIREHOSE_MAX_BODY_BYTES. */
export function firehoseConfigFromEnv(env: NodeJS.ProcessEnv): FirehoseConfig {
  const read = (name: string) => env[name];
  return readFirehoseConfig(read, readSetting(read, maxBodySetting));
}

export function firehoseDepsFromEnv(env: NodeJS.ProcessEnv, dataSource: DataSourcePort): FirehoseDeliveryDeps {
  return {
    config: firehoseConfigFromEnv(env),
    dataSource,
    bson: nodeBson,
    clock: systemClock,
    logger: consoleLogger,
    decodeUtf8Run,
    applyRecords: applyRecordsInProcess,
  };
}

/**
 * Keeps the host for the log, drops credentials: the user and password, and the options that may
 * carry secrets (authMechanismProperties holds an AWS session token; tlsCertificateKeyFilePassword,
 * proxyPassword).
 */
export function redactUri(uri: string): string {
  return uri
    .replace(/\/\/[^@/]*@/, "//<credentials>@")
    .replace(/([?&])([^=&#]*(?:password|authmechanismproperties)[^=&#]*)=[^&#]*/gi, "$1$2=<credentials>");
}
