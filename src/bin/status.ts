/**
 * `npm run status [-- --json]`: a deployment's health, read from MongoDB (MONGODB_URI) with the same
 * settings the functions and the webhook use (HEARTBEAT_*, KINESIS_OUTBOX_*, SIGNAL_*, FIREHOSE_*).
 * Exit code 0 ok, 1 warning, 2 critical, 3 when it could not check (README, "npm run status").
 */
import { openMongoClient } from "../adapters/mongodb/env-deps";
import { readCaptureConfig } from "../core/capture/config";
import { readFirehoseConfig } from "../core/firehose/config";
import { readDeploymentStatus } from "../core/status/deployment-status";
import { EXIT_CODE, EXIT_UNKNOWN, renderStatus } from "../core/status/render-status";

async function main(): Promise<number> {
  const json = process.argv.includes("--json");
  if (!process.env.MONGODB_URI) {
    console.error(
      "status: MONGODB_URI is not set. Set it to the cluster the bridge writes to, e.g. MONGODB_URI='mongodb+srv://user:pass@cluster0.example.mongodb.net' npm run status",
    );
    return EXIT_UNKNOWN;
  }
  const read = (name: string) => process.env[name];
  const capture = readCaptureConfig(read);
  const firehose = readFirehoseConfig(read);
  const source = await openMongoClient(process.env);
  try {
    const status = await readDeploymentStatus(source.dataSource, capture, firehose, Date.now());
    console.log(json ? JSON.stringify(status, null, 2) : renderStatus(status));
    return EXIT_CODE[status.level];
  } finally {
    await source.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`status: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(EXIT_UNKNOWN);
  },
);
