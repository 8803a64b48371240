/**
 * `npm run status`: a deployment's health, read from MongoDB (MONGODB_URI) or from the embedded
 * store saved by `npm start -- --data <dir>` / `npm run serve -- --data <dir>`, with the same settings
 * the functions and the webhook use. docs/operating.md#status-npm-run-status.
 */
import { resolve } from "node:path";
import { COMMAND_SERVER_SELECTION_MS, openDataSourceToRead } from "../adapters/mongodb/open-data-source";
import { defineCommand, positiveNumber, runCommand, UsageError } from "../cli/command-line";
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
    canary: {
      type: "boolean",
      description:
        "write a canary document into a captured collection and wait until the mirror holds it, timing each hop " +
        "(trigger ran, record on the stream, delivery accepted, document in the target); exit 0 only if it arrived",
    },
    local: {
      type: "boolean",
      description: "with --canary: start the local pipeline (embedded store or MONGODB_URI, kinesalite) and check it",
    },
    collection: {
      type: "string",
      value: "<db.coll>",
      description: "with --canary: the captured collection to write the canary into",
      defaultText: "the first of config/captured-collections.csv",
    },
    timeout: {
      type: "string",
      value: "<s>",
      description: "with --canary: how long to wait for it (Firehose buffers up to its BufferIntervalSeconds)",
      default: "300",
    },
  },
  environment: [
    mongodbUri("to read", `none: required without --data; waits ${COMMAND_SERVER_SELECTION_MS / 1000} s for it`),
    ...statusEnvironment,
  ],
  notes: [
    "exit codes: 0 ok, 1 warning, 2 critical (or a usage error), 3 could not check (no MONGODB_URI, unreachable, no data folder).",
    "example: npm start -- --events 200 --data .local/store && npm run status -- --data .local/store",
    "canary: npm run status -- --canary (MONGODB_URI of a user who may insert there; AWS_* credentials to watch the stream), " +
      "or npm run status -- --canary --local; exit 0 arrived, 1 not (the failed hop named), 3 could not check.",
  ],
  jsonOption: "json",
});

runCommand(
  statusCommand,
  async ({ values }) => {
    const env = process.env;
    if (values.canary) {
      if (values.data) throw new UsageError("--canary writes a document: it does not read a --data folder");
      // Loaded only here: it brings the local pipeline, which a plain status check does not need.
      const { runCanaryCommand } = await import("../cli/canary");
      return runCanaryCommand({
        root: resolve(import.meta.dirname, "..", ".."),
        env,
        local: values.local,
        collection: values.collection,
        timeoutMs: positiveNumber("timeout", values.timeout) * 1000,
        json: values.json,
        print: (text) => console.log(text),
      });
    }
    if (values.local || values.collection) throw new UsageError("--local and --collection go with --canary");
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
