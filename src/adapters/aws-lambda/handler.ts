// Lambda entry (bundled by esbuild for deployment): Function URL or API Gateway in front.
import type { FirehoseConfig } from "../../core/firehose/config";
import { readHeartbeatAges } from "../../core/firehose/heartbeat-ages";
import { consoleLogger, systemClock } from "../../core/ports";
import { firehoseConfigFromEnv, openMongoClient, type NodeDataSource } from "../mongodb/env-deps";
import { createEmfHeartbeatAgePublisher, createEmfObserver } from "./emf-metrics";
import { createFirehoseLambdaHandler, type LambdaHttpEvent, type LambdaHttpResult } from "./firehose-handler";
import { createSecretEnvironmentLoader, secretsManagerReader } from "./secrets";

// The access key and the database credentials, from Secrets Manager once per container (secrets.ts).
const secrets = createSecretEnvironmentLoader(process.env, secretsManagerReader(), {
  clock: systemClock,
  logger: consoleLogger,
});
// The environment with the secrets in it, or why they could not be read (answered as a set-up failure).
let env: NodeJS.ProcessEnv | undefined;
let secretsFailure: unknown;

// One MongoClient per container, reused across invocations; a failed connect is retried next time.
let store: Promise<NodeDataSource> | undefined;
let config: { env: NodeJS.ProcessEnv; config: FirehoseConfig } | undefined;

// The capture lag per app, once a minute per container (no scraper reaches a Lambda).
const publishHeartbeatAges = createEmfHeartbeatAgePublisher();

const readEnv = (): NodeJS.ProcessEnv => {
  if (!env) throw secretsFailure;
  return env;
};

const webhook = createFirehoseLambdaHandler({
  readConfig: () => {
    const current = readEnv();
    if (!config || config.env !== current) config = { env: current, config: firehoseConfigFromEnv(current) };
    return config.config;
  },
  openStore: () => {
    const current = readEnv();
    store =
      store ||
      openMongoClient(current).catch((error) => {
        store = undefined;
        throw error;
      });
    return store;
  },
  logger: consoleLogger,
  clock: systemClock,
  observer: createEmfObserver(),
  afterDelivery: (ready) =>
    publishHeartbeatAges(() => readHeartbeatAges(ready.dataSource, ready.config.routing, Date.now())),
});

export async function handler(event: LambdaHttpEvent): Promise<LambdaHttpResult> {
  try {
    env = await secrets.load();
  } catch (error) {
    env = undefined;
    secretsFailure = error;
  }
  return webhook(event);
}
