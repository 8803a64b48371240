/**
 * `npm run replay-firehose-backup -- <folder or file>`: writes records Firehose could not deliver
 * (its S3 backup, downloaded with `aws s3 cp s3://<bucket>/errors/ ./backup --recursive`, or
 * .local/firehose-backup/) through the webhook's own core into MONGODB_URI's collection, or into a
 * data folder of the embedded store (`--data <dir>`). Safe to run twice.
 */
import { existsSync } from "node:fs";
import { firehoseDepsFromEnv } from "../adapters/mongodb/env-deps";
import { COMMAND_SERVER_SELECTION_MS, openDataSource } from "../adapters/mongodb/open-data-source";
import { defineCommand, runCommand } from "../cli/command-line";
import { mongodbUri, webhookEnvironment } from "../cli/environment";
import { createProgress } from "../cli/progress";
import { replayFirehoseBackup } from "../local/replay-backup";

const replayCommand = defineCommand({
  command: "npm run replay-firehose-backup",
  summary:
    "Replays Firehose's backup of failed deliveries (S3 error records, one JSON object per line, gzip or not; or the " +
    "simulators' .local/firehose-backup/) through the webhook's core: same decoding, dead letters and ordering guard. " +
    "Running it twice writes nothing twice.",
  arguments: {
    name: "folder or file",
    description: "the backup to replay (every file under a folder)",
    min: 1,
    max: 1,
  },
  options: {
    data: {
      type: "string",
      value: "<dir>",
      description: "write into the embedded store saved in <dir> (as npm start / npm run serve -- --data <dir>)",
      defaultText: "MONGODB_URI",
    },
  },
  environment: [
    mongodbUri("to write to", `none: required without --data; waits ${COMMAND_SERVER_SELECTION_MS / 1000} s for it`),
    ...webhookEnvironment,
  ],
  notes: [
    "exit codes: 0 every record replayed, 1 a batch failed or a line was unreadable, 2 a usage error, 3 nothing replayed (no store, no such folder).",
    "example: npm run replay-firehose-backup -- --data .local/store .local/firehose-backup",
  ],
  actsOutside: true,
});

runCommand(
  replayCommand,
  async ({ values, positionals }) => {
    const env = process.env;
    const path = positionals[0];
    if (!existsSync(path)) throw new Error(`${path}: no such folder or file; nothing was replayed`);
    if (!env.MONGODB_URI && !values.data)
      throw new Error(
        "MONGODB_URI is not set: set it to the cluster to replay into, or replay into a local data folder with --data <dir>; nothing was replayed",
      );
    const source = await openDataSource(
      env,
      {
        database: env.FIREHOSE_DATABASE,
        deletesCollection: env.FIREHOSE_DELETES_COLLECTION,
        reconcileCollection: env.FIREHOSE_RECONCILE_COLLECTION,
      },
      {
        dataDir: values.data,
        command: "npm run replay-firehose-backup",
        serverSelectionTimeoutMS: COMMAND_SERVER_SELECTION_MS,
      },
    );
    try {
      const deps = firehoseDepsFromEnv(env, source.dataSource);
      console.log(`Replaying ${path} into ${deps.config.database}.${deps.config.collection} (${source.description})`);
      // Progress on stderr: a real S3 backup holds thousands of files.
      const progress = createProgress("npm run replay-firehose-backup");
      progress.step(`replaying ${path}`);
      const result = await replayFirehoseBackup(path, deps, undefined, (index, total, records) =>
        progress.detail(`file ${index} of ${total}, ${records} records replayed so far`),
      );
      progress.done(`${result.records} records from ${result.files} files`);
      console.log(
        `replayed ${result.records} records from ${result.files} files in ${result.batches} batches; ${result.failedBatches} batches failed; ${result.unreadable.length} unreadable`,
      );
      for (const problem of [...result.failures, ...result.unreadable].slice(0, 20)) console.log(`  ${problem}`);
      return result.failedBatches === 0 && result.unreadable.length === 0 ? 0 : 1;
    } finally {
      await source.close();
    }
  },
  { failureExitCode: 3 },
);
