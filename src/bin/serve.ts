/**
 * `npm run serve`: the Firehose webhook as a standalone Node HTTP server. Its environment is listed
 * by `npm run serve -- --help` (docs/configuration.md, and docs/webhook.md#limits-of-the-server).
 */
import { createFirehoseServer } from "../adapters/node-http/firehose-server";
import {
  listenSettings,
  metricsTokenSetting,
  serverLimitsFromEnv,
  serverSettings,
} from "../adapters/node-http/server-settings";
import { readSetting, readSettings } from "../core/settings";
import { firehoseSettings } from "../core/firehose/config";
import { firehoseDepsFromEnv } from "../adapters/mongodb/env-deps";
import { openDataSource } from "../adapters/mongodb/open-data-source";
import { defineCommand, readCommandLine } from "../cli/command-line";
import { fromSetting, keepStoreOption, mongodbUri, webhookEnvironment } from "../cli/environment";

const serveCommand = defineCommand({
  command: "npm run serve",
  summary:
    "The Firehose webhook as a standalone HTTP server: POST any path; GET /healthz and /metrics. Stops gracefully on " +
    "SIGTERM or Ctrl-C (in-flight deliveries finish, new ones get 503).",
  options: {
    data: keepStoreOption,
  },
  environment: [
    fromSetting(listenSettings.port, "port to listen on (0: a free port)"),
    fromSetting(listenSettings.host, "address to listen on"),
    fromSetting(
      firehoseSettings.accessKey,
      "the access key Firehose sends (a secret); without it every delivery gets 500",
    ),
    fromSetting(firehoseSettings.previousAccessKey, "the previous key, accepted during a rotation"),
    mongodbUri("to write to", "the embedded store (see --data)"),
    ...webhookEnvironment,
    ...Object.values(serverSettings).map((entry) =>
      fromSetting(entry, "a limit of the server (docs/webhook.md#limits-of-the-server)"),
    ),
    fromSetting(metricsTokenSetting, "when set, GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"),
  ],
  notes: ["example: FIREHOSE_ACCESS_KEY=local-key PORT=8080 npm run serve -- --data .local/store"],
});

async function main(): Promise<void> {
  const { values } = readCommandLine(serveCommand);
  const env = process.env;
  const { port, host } = readSettings((name) => env[name], listenSettings);
  const source = await openDataSource(
    env,
    {
      database: env.FIREHOSE_DATABASE,
      deletesCollection: env.FIREHOSE_DELETES_COLLECTION,
      reconcileCollection: env.FIREHOSE_RECONCILE_COLLECTION,
    },
    { dataDir: values.data, command: "npm run serve" },
  );
  const deps = firehoseDepsFromEnv(env, source.dataSource);
  if (!env.MONGODB_URI) console.log(`MONGODB_URI is not set: using the ${source.description}.`);
  if (deps.config.accessKeys.length === 0) {
    console.log("FIREHOSE_ACCESS_KEY is not set: every delivery will be answered 500 (misconfigured) until it is.");
  }
  const limits = serverLimitsFromEnv(env);
  const metricsToken = readSetting((name) => env[name], metricsTokenSetting);
  const server = createFirehoseServer({
    deps,
    store: source,
    limits,
    metrics: { token: metricsToken },
  });
  if (metricsToken === undefined)
    console.log("METRICS_TOKEN is not set: GET /metrics answers anyone who can reach this port.");
  const bound = await server.listen(port, host);
  console.log(
    `Firehose webhook listening on http://${host}:${bound} (POST any path; GET /healthz, /metrics), writing to ` +
      `${deps.config.database}.${deps.config.collection}, dead letters in ${deps.config.deadLetterCollection}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing ${server.inFlight()} in-flight deliveries, accepting no new ones`);
    server
      .stop()
      .then(() => source.close())
      .then(() => process.exit(0))
      .catch((error) => {
        console.error(String(error));
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error) => {
  console.error(`serve: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
