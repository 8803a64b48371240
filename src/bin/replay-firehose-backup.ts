/**
 * `npm run replay-firehose-backup -- <folder or file>`: writes records Firehose could not deliver
 * (its S3 backup, downloaded with `aws s3 cp s3://<bucket>/errors/ ./backup --recursive`, or
 * .local/firehose-backup/) into MONGODB_URI's collection through the webhook's own core. Uses the
 * same FIREHOSE_* settings as the server. Safe to run twice.
 */
import { firehoseDepsFromEnv, openMongoClient } from "../adapters/mongodb/env-deps";
import { replayFirehoseBackup } from "../local/replay-backup";

async function main(): Promise<number> {
  const path = process.argv[2];
  if (!path) throw new Error("give the folder or file to replay");
  const source = await openMongoClient(process.env).catch(() => {
    throw new Error("MONGODB_URI must be set: the replay writes to your cluster");
  });
  try {
    const deps = firehoseDepsFromEnv(process.env, source.dataSource);
    const result = await replayFirehoseBackup(path, deps);
    console.log(
      `replayed ${result.records} records from ${result.files} files in ${result.batches} batches; ${result.failedBatches} batches failed; ${result.unreadable.length} unreadable`,
    );
    for (const problem of result.unreadable.slice(0, 20)) console.log(`  ${problem}`);
    return result.failedBatches === 0 && result.unreadable.length === 0 ? 0 : 1;
  } finally {
    await source.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`replay-firehose-backup: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
