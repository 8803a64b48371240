/**
 * `npm run status`: a deployment's health, read from MongoDB (MONGODB_URI) or from the embedded
 * store saved by `npm start -- --data <dir>` / `npm run serve -- --data <dir>`, with the same settings
 * the functions and the webhook use. docs/operating.md#status-npm-run-status.
 */
import { COMMAND_SERVER_SELECTION_MS, openDataSourceToRead } from "../adapters/mongodb/open-data-source";
import { defineCommand, runCommand } from "../cli/command-line";
import { mongodbUri, statusEnvironment } from "../cli/environment";
import { readCaptureConfig } from "../core/capture/config";
import { readFirehoseConfig } from "../core/firehose/config";
import { readDeploymentStatus } from "../core/status/deployment-status";
import { EXIT_CODE, EXIT_UNKNOWN, renderStatus } from "../core/status/render-status";

const statusCommand = defineCommand({
  command: "npm run status",
  summary:
    "A deployment's health: heartbeats and their age, end-to-end lag, the outbox, dead letters of the last 24 h and " +
    "snapshots, as a table per part and its findings, worst first.",
  options: {
    json: { type: "boolean", description: "print the status as JSON (a failure too, as {error})" },
    data: {
      type: "string",
      value: "<dir>",
      description: "read the embedded store saved in <dir> by npm start / npm run serve -- --data <dir>",
      defaultText: "MONGODB_URI",
    },
  },
  environment: [
    mongodbUri("to read", `none: required without --data; waits ${COMMAND_SERVER_SELECTION_MS / 1000} s for it`),
    ...statusEnvironment,
  ],
  notes: [
    "exit codes: 0 ok, 1 warning, 2 critical (or a usage error), 3 could not check (no MONGODB_URI, unreachable, no data folder).",
    "example: npm start -- --events 200 --data .local/store && npm run status -- --data .local/store",
  ],
  jsonOption: "json",
});

runCommand(
  statusCommand,
  async ({ values }) => {
    const env = process.env;
    if (!env.MONGODB_URI && !values.data)
      throw new Error(
        "MONGODB_URI is not set. Set it to the cluster the bridge writes to (MONGODB_URI='mongodb+srv://user:pass@cluster0.example.mongodb.net' npm run status), " +
          "or read a local data folder: npm run status -- --data <dir>",
      );
    const read = (name: string) => env[name];
    const capture = readCaptureConfig(read);
    const firehose = readFirehoseConfig(read);
    const source = await openDataSourceToRead(env, {
      dataDir: values.data,
      serverSelectionTimeoutMS: COMMAND_SERVER_SELECTION_MS,
    });
    try {
      const status = await readDeploymentStatus(source.dataSource, capture, firehose, Date.now());
      console.log(values.json ? JSON.stringify(status, null, 2) : renderStatus(status));
      return EXIT_CODE[status.level];
    } finally {
      await source.close();
    }
  },
  { failureExitCode: EXIT_UNKNOWN },
);
