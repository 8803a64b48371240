// Lambda entry (bundled by esbuild for deployment): Function URL or API Gateway in front.
import type { FirehoseDeliveryDeps } from "../../core/firehose/receive-delivery";
import { firehoseDepsFromEnv, openDataSource } from "../mongodb/env-deps";
import { createFirehoseLambdaHandler } from "./firehose-handler";

// One MongoClient per container, reused across invocations; a failed connect is retried next time.
let deps: Promise<FirehoseDeliveryDeps> | undefined;

export const handler = createFirehoseLambdaHandler(() => {
  deps =
    deps ||
    openDataSource(process.env, false).then(
      ({ dataSource }) => firehoseDepsFromEnv(process.env, dataSource),
      (error) => {
        deps = undefined;
        throw error;
      },
    );
  return deps;
});
