// Lambda entry (bundled by esbuild for deployment): Function URL or API Gateway in front.
import { readFirehoseConfig, type FirehoseConfig } from "../../core/firehose/config";
import type { FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { firehoseDepsFromEnv, openMongoClient } from "../mongodb/env-deps";
import { readCaptureLiveness } from "../../core/firehose/capture-liveness";
import { createEmfLivenessPublisher, createEmfObserver } from "./emf-metrics";
import { createFirehoseLambdaHandler } from "./firehose-handler";

// One MongoClient per container, reused across invocations; a failed connect is retried next time.
let deps: Promise<FirehoseDeliveryDeps> | undefined;

let config: FirehoseConfig | undefined;

// The capture lag per app, once a minute per container (no scraper reaches a Lambda).
const publishLiveness = createEmfLivenessPublisher();

export const handler = createFirehoseLambdaHandler(
  () => {
    deps =
      deps ||
      openMongoClient(process.env).then(
        ({ dataSource }) => firehoseDepsFromEnv(process.env, dataSource),
        (error) => {
          deps = undefined;
          throw error;
        },
      );
    return deps;
  },
  () => (config = config || readFirehoseConfig((name) => process.env[name])),
  createEmfObserver(),
  (ready) => publishLiveness(() => readCaptureLiveness(ready.dataSource, ready.config.routing, Date.now())),
);
