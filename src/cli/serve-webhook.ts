/**
 * The Firehose webhook as a standalone Node HTTP server, as two commands: `npm run serve` (for trying
 * it: the embedded store unless MONGODB_URI is set) and the production bundle `node
 * build/webhook-server.cjs` (also the container's), which refuses to start without MONGODB_URI
 * unless the embedded store is asked for by name. Their environment is listed by `--help`.
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
import { firehoseDepsFromEnv, redactUri } from "../adapters/mongodb/env-deps";
import { openDataSource } from "../adapters/mongodb/open-data-source";
import { defineCommand, runCommand, UsageError } from "./command-line";
import { fromSetting, keepStoreOption, mongodbUri, webhookEnvironment } from "./environment";

/** Which of the two commands: `npm run serve`, or the production bundle. */
export type ServerCommand = "serve" | "production";

const COMMAND_NAMES: Record<ServerCommand, string> = {
  serve: "npm run serve",
  production: "node build/webhook-server.cjs",
};

export function webhookServerCommand(kind: ServerCommand) {
  const production = kind === "production";
  return defineCommand({
    command: COMMAND_NAMES[kind],
    summary:
      "The Firehose webhook as a standalone HTTP server: POST any path; GET /healthz and /metrics. Stops gracefully on " +
      "SIGTERM or Ctrl-C (in-flight deliveries finish, new ones get 503)." +
      (production
        ? " Writes to MONGODB_URI; without it, it refuses to start unless the embedded store is asked for (--embedded, --data)."
        : " Without MONGODB_URI, it keeps the deliveries in the embedded store (in memory unless --data)."),
    options: {
      embedded: {
        type: "boolean",
        description: "keep the deliveries in the embedded store, in memory (lost at exit): for trying the webhook",
        defaultText: production ? "off: MONGODB_URI is required" : "on when MONGODB_URI is not set",
      },
      data: production ? { ...keepStoreOption, defaultText: "none" } : keepStoreOption,
    },
    environment: [
      fromSetting(listenSettings.port, "port to listen on (0: a free port)"),
      fromSetting(listenSettings.host, "address to listen on"),
      fromSetting(
        firehoseSettings.accessKey,
        "the access key Firehose sends (a secret); without it every delivery gets 500",
      ),
      fromSetting(firehoseSettings.previousAccessKey, "the previous key, accepted during a rotation"),
      mongodbUri(
        "to write to",
        production ? "none: required unless --embedded or --data" : "the embedded store (see --data)",
      ),
      ...webhookEnvironment,
      ...Object.values(serverSettings).map((entry) =>
        fromSetting(entry, "a limit of the server (docs/webhook.md#limits-of-the-server)"),
      ),
      fromSetting(metricsTokenSetting, "when set, GET /metrics needs Authorization: Bearer <METRICS_TOKEN>"),
    ],
    notes: production
      ? [
          "example: MONGODB_URI='mongodb+srv://…' FIREHOSE_ACCESS_KEY=… node build/webhook-server.cjs",
          "exit codes: 1 MONGODB_URI missing (and no --embedded or --data) or the server could not start, 2 usage",
        ]
      : ["example: FIREHOSE_ACCESS_KEY=local-key PORT=8080 npm run serve -- --data .local/store"],
  });
}

/** Where the deliveries go, or why the command refuses to start; said in one line either way. */
export function dataChoice(
  kind: ServerCommand,
  env: NodeJS.ProcessEnv,
  options: { embedded: boolean; data: string | undefined },
): { dataDir: string | undefined; line: string } {
  const asked = options.embedded ? "--embedded" : options.data !== undefined ? "--data" : undefined;
  if (env.MONGODB_URI) {
    if (asked)
      throw new UsageError(
        `MONGODB_URI is set and ${asked} is given: use one (unset MONGODB_URI for the embedded store)`,
      );
    return { dataDir: undefined, line: `Data: MongoDB at ${redactUri(env.MONGODB_URI)} (MONGODB_URI).` };
  }
  if (kind === "production" && !asked)
    throw new Error(
      "MONGODB_URI is not set: this server keeps deliveries only in MongoDB; set MONGODB_URI to the cluster's connection " +
        "string (or, to try it without one, ask for the embedded store: --embedded, in memory, or --data <dir>)",
    );
  if (options.data !== undefined)
    return {
      dataDir: options.data,
      line: `Data: the embedded store, saved in ${options.data} (not a database server: set MONGODB_URI for production).`,
    };
  return {
    dataDir: undefined,
    line: "Data: in memory (the embedded store), lost when the process exits: --data <dir> keeps it, MONGODB_URI writes to a cluster.",
  };
}

/** Runs one of the two commands until SIGTERM or Ctrl-C. */
export function runWebhookServer(kind: ServerCommand): void {
  const command = webhookServerCommand(kind);
  runCommand(command, async ({ values }) => {
    const env = process.env;
    const choice = dataChoice(kind, env, values);
    const { port, host } = readSettings((name) => env[name], listenSettings);
    const limits = serverLimitsFromEnv(env);
    const metricsToken = readSetting((name) => env[name], metricsTokenSetting);
    console.log(choice.line);
    const source = await openDataSource(
      env,
      {
        database: env.FIREHOSE_DATABASE,
        deletesCollection: env.FIREHOSE_DELETES_COLLECTION,
        reconcileCollection: env.FIREHOSE_RECONCILE_COLLECTION,
      },
      { dataDir: choice.dataDir, command: command.command },
    );
    const deps = firehoseDepsFromEnv(env, source.dataSource);
    if (deps.config.accessKeys.length === 0) {
      console.log("FIREHOSE_ACCESS_KEY is not set: every delivery will be answered 500 (misconfigured) until it is.");
    }
    const server = createFirehoseServer({ deps, store: source, limits, metrics: { token: metricsToken } });
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
  });
}
