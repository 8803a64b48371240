/**
 * `npm run serve`: the Firehose webhook as a standalone Node HTTP server.
 * Environment: PORT (8080), HOST (0.0.0.0), FIREHOSE_ACCESS_KEY (required to accept deliveries),
 * FIREHOSE_ACCESS_KEY_PREVIOUS (during a key rotation), MONGODB_URI (else the embedded store),
 * FIREHOSE_DATABASE, FIREHOSE_COLLECTION, FIREHOSE_DEAD_LETTER_COLLECTION, FIREHOSE_DELETES_COLLECTION,
 * FIREHOSE_RECONCILE_COLLECTION,
 * FIREHOSE_NAMESPACE_MAP, FIREHOSE_UNMAPPED_TARGET, FIREHOSE_MAX_BODY_BYTES; the limits of an
 * internet-facing server: FIREHOSE_MAX_INFLIGHT_BYTES, FIREHOSE_MAX_CONNECTIONS,
 * FIREHOSE_HEADERS_TIMEOUT_MS, FIREHOSE_REQUEST_TIMEOUT_MS, FIREHOSE_IDLE_TIMEOUT_MS (README).
 */
import { createFirehoseServer, metricsTokenSetting, serverLimitsFromEnv } from "../adapters/node-http/firehose-server";
import { readSetting } from "../core/settings";
import { firehoseDepsFromEnv } from "../adapters/mongodb/env-deps";
import { openDataSource } from "../adapters/mongodb/open-data-source";

async function main(): Promise<void> {
  const env = process.env;
  const port = env.PORT ? Number(env.PORT) : 8080;
  const host = env.HOST || "0.0.0.0";
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const source = await openDataSource(env, {
    database: env.FIREHOSE_DATABASE,
    deletesCollection: env.FIREHOSE_DELETES_COLLECTION,
    reconcileCollection: env.FIREHOSE_RECONCILE_COLLECTION,
  });
  const deps = firehoseDepsFromEnv(env, source.dataSource);
  if (!env.MONGODB_URI) console.log(`MONGODB_URI is not set: using the ${source.description}.`);
  if (deps.config.accessKeys.length === 0) {
    console.log("FIREHOSE_ACCESS_KEY is not set: every delivery will be answered 500 (misconfigured) until it is.");
  }
  const limits = serverLimitsFromEnv(env);
  const metricsToken = readSetting((name) => env[name], metricsTokenSetting);
  const server = createFirehoseServer({
    deps,
    storeDescription: source.description,
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
