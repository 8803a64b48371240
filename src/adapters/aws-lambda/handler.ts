// Lambda entry (bundled by esbuild for deployment): Function URL or API Gateway in front.
import type { FirehoseConfig } from "../../core/firehose/config";
import { readCaptureLiveness } from "../../core/firehose/capture-liveness";
import { consoleLogger, systemClock } from "../../core/ports";
import { firehoseConfigFromEnv, openMongoClient, type NodeDataSource } from "../mongodb/env-deps";
import { createEmfLivenessPublisher, createEmfObserver } from "./emf-metrics";
import { createFirehoseLambdaHandler } from "./firehose-handler";

// One MongoClient per container, reused across invocations; a failed connect is retried next time.
let store: Promise<NodeDataSource> | undefined;
let config: FirehoseConfig | undefined;

// The capture lag per app, once a minute per container (no scraper reaches a Lambda).
const publishLiveness = createEmfLivenessPublisher();

export const handler = createFirehoseLambdaHandler({
  readConfig: () => (config = config || firehoseConfigFromEnv(process.env)),
  openStore: () => {
    store =
      store ||
      openMongoClient(process.env).catch((error) => {
        store = undefined;
        throw error;
      });
    return store;
  },
  logger: consoleLogger,
  clock: systemClock,
  observer: createEmfObserver(),
  afterDelivery: (ready) =>
    publishLiveness(() => readCaptureLiveness(ready.dataSource, ready.config.routing, Date.now())),
});
